"""The corpus of bad command lines: each gives exit 1, one clear message, no request made.

argparse's own exit code for a usage error is 2, which here would read as "changes pending";
every case below must exit 1 instead, and none may reach the API.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

BAD_COMMAND_LINES = {
    "no command": ([], "usage"),
    "unknown command": (["destroy", "x"], "invalid choice: 'destroy'"),
    "unknown flag": (["plan", "m/", "--force"], "unrecognized arguments: --force"),
    "missing paths": (["plan"], "required: PATH"),
    "parallelism zero": (["plan", "m/", "--parallelism", "0"], "at least 1, got 0"),
    "parallelism text": (["plan", "m/", "--parallelism", "many"], "got 'many'"),
    "parallelism missing value": (["plan", "m/", "--parallelism"], "expected one argument"),
    "negative interval": (["reconcile", "m/", "--interval", "-1"], "positive number of seconds"),
    "nan interval": (["reconcile", "m/", "--interval", "nan"], "positive number of seconds"),
    "infinite interval": (["reconcile", "m/", "--interval", "inf"], "positive number of seconds"),
    "sandbox with api url": (
        ["plan", "m/", "--sandbox", "--api-url", "http://127.0.0.1:1"],
        "--sandbox and --api-url cannot be combined",
    ),
    "json and markdown": (["drift", "m/", "--json", "--markdown"], "not allowed with argument"),
    "apply paths and plan": (["apply", "m/", "--plan", "p.json"], "either PATH... or --plan"),
    "apply nothing": (["apply"], "needs PATH... or --plan FILE"),
    "token as a flag": (["plan", "m/", "--token", "abc"], "unrecognized arguments: --token"),
    "port out of range": (["sandbox", "--port", "70000"], "port from 0 to 65535"),
    "negative latency": (["sandbox", "--latency", "-0.5"], "0 or more"),
    "rate above one": (["sandbox", "--error-rate", "1.5"], "rate from 0 to 1"),
    "rate not a number": (["sandbox", "--rate-limit-rate", "often"], "rate from 0 to 1"),
    "validate with api flag": (["validate", "m/", "--sandbox"], "unrecognized arguments"),
}


@pytest.mark.parametrize("case", sorted(BAD_COMMAND_LINES))
def test_a_bad_command_line_exits_1_with_one_clear_message(cli, sandbox, case: str) -> None:
    argv, message = BAD_COMMAND_LINES[case]
    sandbox.clear_requests()
    result = cli(*argv)
    assert result.code == 1, result
    assert message in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert sandbox.requests() == []


def test_a_bad_flag_as_a_real_process_exits_1_not_2() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", "m/", "--parallelism", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert process.stderr.startswith("error: argument --parallelism")
    assert "Traceback" not in process.stderr


@pytest.mark.parametrize("argv", [["--help"], ["plan", "--help"], ["--version"]])
def test_help_and_version_exit_0(argv: list[str]) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "reconciler", *argv], capture_output=True, text=True, timeout=60
    )
    assert process.returncode == 0
    assert "reconciler" in process.stdout


TOKEN = "qov_t0k3nV4lue9x8y7z6w5v4u3t2s1r0q"


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "m/", "--token", TOKEN],
        ["plan", "m/", "--parallelism", TOKEN],
        ["validate", TOKEN],
        ["plan", TOKEN, "--sandbox"],
    ],
    ids=["as --token", "as --parallelism", "as a manifest path", "as a path to plan"],
)
def test_a_token_typed_on_the_command_line_is_never_echoed(argv: list[str]) -> None:
    env = {"PATH": "", "QOVERY_API_TOKEN": TOKEN, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1, done
    assert done.stderr.strip(), "one message, on stderr"
    for fragment in (TOKEN, TOKEN[:12], TOKEN[-12:]):
        assert fragment not in done.stdout + done.stderr
