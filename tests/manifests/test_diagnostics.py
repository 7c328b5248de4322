"""One Diagnostic type for errors and warnings: a warning prints as such, never stops a run
and never changes validate's exit code; an error among them stops it with every one shown."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.commands.validate import report
from reconciler.core.errors import Diagnostic, ManifestError, Position, Severity
from reconciler.edges.validating import check_manifests, settle
from reconciler.rendering.streams import Streams

WARNING = Diagnostic(Position("m.yaml", 3, 5), "clones inherit auto_preview", Severity.WARNING)
ERROR = Diagnostic(Position("m.yaml", 4, 1), "bad")


def test_a_diagnostic_is_an_error_unless_it_says_otherwise() -> None:
    assert Diagnostic(None, "x").severity is Severity.ERROR and ERROR.is_error
    assert str(ERROR) == "m.yaml:4:1: bad"  # errors print as they always did
    assert not WARNING.is_error
    assert str(WARNING) == "m.yaml:3:5: warning: clones inherit auto_preview"
    assert str(Diagnostic(None, "w", Severity.WARNING)) == "warning: w"


def test_warnings_pass_and_any_error_stops_the_run_with_everything(tmp_path: Path) -> None:
    (cloneset,), warnings = check_manifests([write_manifest(tmp_path, demo_manifest())])
    assert warnings == ()
    assert settle((cloneset,), [WARNING]) == ((cloneset,), (WARNING,))
    with pytest.raises(ManifestError) as caught:
        settle((cloneset,), [WARNING, ERROR])
    assert caught.value.diagnostics == (WARNING, ERROR)


def test_validate_prints_warnings_and_still_exits_0(tmp_path: Path) -> None:
    (cloneset,), _ = check_manifests([write_manifest(tmp_path, demo_manifest())])
    out, err = io.StringIO(), io.StringIO()
    assert report(Streams(out=out, err=err), (cloneset,), (WARNING,), as_json=False) == 0
    assert (out.getvalue(), err.getvalue()) == ("1 manifest valid\n", f"{WARNING}\n")
    out = io.StringIO()
    assert report(Streams(out=out, err=io.StringIO()), (cloneset,), (WARNING,), as_json=True) == 0
    document = json.loads(out.getvalue())
    assert document["valid"] is True and document["manifests"] == ["previews"]
    assert document["diagnostics"] == [
        {
            "file": "m.yaml",
            "line": 3,
            "column": 5,
            "message": "clones inherit auto_preview",
            "severity": "warning",
        }
    ]
