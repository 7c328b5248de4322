"""Contract 8 and 5: ``reconciler sandbox --seed FILE`` with a file that is not a seed: one
line, exit 1. A binary file was an internal error (UnicodeDecodeError); a YAML mapping without
``organizations`` (a CloneSet manifest passed by mistake) served an empty sandbox silently.
"""

from __future__ import annotations

import io
from pathlib import Path

from reconciler.cli import main
from reconciler.rendering.streams import Streams
from reconciler.sandbox.seeding import build_state

MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: previews}
spec: {organization: Acme}
"""


def _sandbox(seed: Path) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["sandbox", "--seed", str(seed), "--port", "0"], Streams(io.StringIO(), err))
    return code, err.getvalue()


def test_a_binary_seed_is_one_line_not_an_internal_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_bytes(b"\xee\x00\xff binary")
    code, err = _sandbox(seed)
    assert code == 1
    assert err == f"error: seed file {seed} is not UTF-8 text (byte 0xee)\n"


def test_a_manifest_given_as_seed_is_refused(tmp_path: Path) -> None:
    seed = tmp_path / "previews.yaml"
    seed.write_text(MANIFEST)
    code, err = _sandbox(seed)
    assert code == 1
    assert err == f"error: seed file {seed} must be a mapping with an 'organizations' list\n"


def test_a_seed_file_with_no_organization_is_still_allowed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("organizations: []\n")
    assert build_state(seed)["organizations"] == {}
