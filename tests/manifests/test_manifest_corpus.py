"""The malformed-manifest corpus, run through the real CLI: exit 1, the right file and line,
no traceback, zero requests.

Each ``tests/manifests/corpus/<case>.yaml`` says in its header what ``validate`` must report::

    # expect: <line>: <fragment of the message>

Cases that cannot live in a committed file (oversized, not UTF-8, zero bytes) are generated
in ``tmp_path``. The sandbox fixture's request log proves that neither ``validate`` nor
``plan`` sends a single request for a malformed manifest.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.edges.loading import MAX_FILE_BYTES
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): (.*)$", re.M)
REPO = Path(__file__).parents[2]


def expectations(case: Path) -> list[tuple[int, str]]:
    text = case.read_text(encoding="utf-8", errors="replace")
    return [(int(line), fragment) for line, fragment in EXPECT.findall(text)]


def validate(*paths: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", *paths], streams=Streams(out=out, err=err))
    return code, out.getvalue(), err.getvalue()


def assert_reported(err: str, file: str, line: int, fragment: str) -> None:
    lines = err.splitlines()
    assert any(entry.startswith(f"{file}:{line}:") and fragment in entry for entry in lines), (
        f"expected {file}:{line}: …{fragment}… in:\n{err}"
    )


def test_the_corpus_is_large_and_every_case_says_what_it_expects() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        assert expectations(case), f"{case.name} has no '# expect:' header"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_reports_the_case_at_its_line(case: Path) -> None:
    code, out, err = validate(str(case))
    assert code == 1
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    for line, fragment in expectations(case):
        assert_reported(err, str(case), line, fragment)
    # one problem a line, each in file:line:column form
    for entry in err.splitlines():
        assert re.match(rf"^{re.escape(str(case))}:\d+:\d+: \S", entry), entry


def test_every_problem_of_every_file_is_reported_in_one_run() -> None:
    code, _, err = validate(str(CORPUS))
    assert code == 1
    for case in CASES:
        for line, fragment in expectations(case):
            assert_reported(err, str(case), line, fragment)


def test_validate_json_lists_the_diagnostics(tmp_path: Path) -> None:
    case = CORPUS / "unknown_override_key.yaml"
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--json", str(case)], streams=Streams(out=out, err=err))
    document = json.loads(out.getvalue())
    assert code == 1
    assert document["valid"] is False
    (diagnostic,) = document["diagnostics"]
    assert diagnostic["file"] == str(case)
    assert diagnostic["line"] == expectations(case)[0][0]
    assert "did you mean 'cpu'" in diagnostic["message"]


# ── cases generated on the fly ────────────────────────────────────────────────────────────


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 10))
    code, _, err = validate(str(big))
    assert code == 1
    assert_reported(err, str(big), 1, "file is too large")


def test_a_file_that_is_not_utf8_is_named_with_the_bad_byte(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"apiVersion: reconciler/v1\nmetadata:\n  name: caf\xe9\n")
    code, _, err = validate(str(latin))
    assert code == 1
    assert_reported(err, str(latin), 3, "not valid UTF-8 text (byte 0xe9)")


def test_an_empty_file_is_an_error_that_names_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    code, _, err = validate(str(empty))
    assert code == 1
    assert_reported(err, str(empty), 1, "the file holds no manifest")


def test_missing_paths_and_empty_directories_are_errors(tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    code, _, err = validate(str(tmp_path / "absent.yaml"), str(tmp_path / "nothing"))
    assert code == 1
    assert f"no such file or directory: '{tmp_path / 'absent.yaml'}'" in err
    assert f"no *.yaml or *.yml file under directory '{tmp_path / 'nothing'}'" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_given_or_found_is_refused_at_once_never_read(tmp_path: Path) -> None:
    given = tmp_path / "given.yaml"
    os.mkfifo(given)
    (tmp_path / "dir").mkdir()
    found = tmp_path / "dir" / "found.yaml"
    os.mkfifo(found)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QOVERY_")}
    done = subprocess.run(  # a process, with a timeout: opening a FIFO to read it would hang
        [sys.executable, "-m", "reconciler", "validate", str(given), str(tmp_path / "dir")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"'{found}' is a FIFO (named pipe), not a regular file; a manifest must be a file",
        f"'{given}' is a FIFO (named pipe), not a regular file; a manifest must be a file",
    ]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null here")
def test_a_device_is_refused_unread() -> None:
    code, out, err = validate("/dev/null")
    assert (code, out) == (1, "")
    assert (
        err == "'/dev/null' is a character device, not a regular file; a manifest must be a file\n"
    )


# ── zero requests ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("case", ["wrong_type_cpu", "syntax_unclosed_flow", "alias_bomb"])
def test_validate_and_plan_send_no_request_for_a_malformed_manifest(
    case: str, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    path = str(CORPUS / f"{case}.yaml")
    before = len(sandbox.requests())
    for command in ("validate", "plan"):
        out, err = io.StringIO(), io.StringIO()
        code = main([command, path], streams=Streams(out=out, err=err))
        assert code == 1, (command, err.getvalue())
        line, fragment = expectations(CORPUS / f"{case}.yaml")[0]
        assert f"{path}:{line}:" in err.getvalue() and fragment in err.getvalue()
        assert "Traceback" not in err.getvalue()
    assert len(sandbox.requests()) == before


# ── as a real process ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("case", ["duplicate_key", "list_document", "unsupported_tag"])
def test_the_installed_program_reports_without_a_traceback(case: str) -> None:
    path = str(CORPUS / f"{case}.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QOVERY_")}
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", path],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    for line, fragment in expectations(CORPUS / f"{case}.yaml"):
        assert_reported(done.stderr, path, line, fragment)


def test_the_installed_program_accepts_the_examples() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "manifests/"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "2 manifests valid"), done.stderr
