"""More malformed manifests (``tests/manifests/corpus_more/``), run through the real CLI:
exit 1, the expected message at the expected line, no traceback, and ``plan`` sends zero requests.

Each case says in its header what ``validate`` must report (``# expect: <line>: <fragment>``),
as in ``tests/manifests/corpus/``; these add override values of the wrong shape, a probe type
the API does not have, ``name`` among the overrides, a null spec, policy and template typos,
and service kinds: a ``kind`` not one of the three, an override the declared kind lacks (a
container's ``git_repository``, a job's ``ports``), an empty ``registry_id``, a cron job
without its schedule. (An override the RESOLVED kind lacks is found by ``plan``:
``tests/cli/test_kinds_e2e.py``.)
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox

CORPUS = Path(__file__).parent / "corpus_more"
CASES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): (.*)$", re.M)


def expectations(case: Path) -> list[tuple[int, str]]:
    return [(int(line), fragment) for line, fragment in EXPECT.findall(case.read_text())]


def test_every_case_says_what_it_expects() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        assert expectations(case), f"{case.name} has no '# expect:' header"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_reports_the_case_at_its_line(case: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(case)], streams=Streams(out=out, err=err))
    assert code == 1
    assert out.getvalue() == ""
    text = err.getvalue()
    assert "Traceback" not in text and "internal error" not in text
    for line, fragment in expectations(case):
        assert any(
            entry.startswith(f"{case}:{line}:") and fragment in entry for entry in text.splitlines()
        ), f"expected {case}:{line}: …{fragment}… in:\n{text}"


def test_plan_sends_no_request_for_any_case(
    cli: Callable[..., Any], sandbox: RunningSandbox
) -> None:
    sandbox.clear_requests()
    for case in CASES:
        result = cli("plan", str(case))
        assert result.code == 1, result
        assert "Traceback" not in result.err
    assert sandbox.requests() == []
