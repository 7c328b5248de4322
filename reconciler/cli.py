"""The command line: parses flags and hands each command to ``reconciler.commands.<name>``.

This module owns the flag surface of contract section 5 and the mapping of errors to exit
codes; it computes nothing itself. The parsed flags become the command's typed options once
(``commands.arguments.parse``); every command module exposes
``run(options, streams: Streams) -> int``. A new flag: one ``add_argument`` here and one
field of the same name on the command's options class in ``commands.arguments``.

A bad flag exits 1 with a usage message (argparse's own 2 would read as "changes pending").
A ``ReconcilerError`` is printed as one line (or one block of diagnostics), never a traceback.
A SIGINT or SIGTERM that reaches a command where it does not stop gently is an interruption:
``interrupted``, exit 1 (never 130 or 143: every exit is 0, 1 or 2).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from reconciler.commands import arguments, signals
from reconciler.core.errors import ExitCode, ReconcilerError, UsageError
from reconciler.core.version import VERSION as __version__
from reconciler.rendering.streams import Streams


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise UsageError (exit 1) instead of exiting 2.

    Abbreviated flags are refused: ``--token abc`` must not be read as ``--token-file abc``
    (a token typed as a flag's value would then be echoed back as a file name).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n{self.format_usage().rstrip()}")


def _number(
    convert: Callable[[str], Any], accept: Callable[[Any], bool], expected: str
) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, then check it with ``accept``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not accept(value):  # NaN fails every comparison, so it is refused too
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return parse


_positive_int = _number(int, lambda v: v >= 1, "a whole number of at least 1")
_port = _number(int, lambda v: 0 <= v <= 65535, "a port from 0 to 65535")
_seconds = _number(float, lambda v: 0 < v < math.inf, "a positive number of seconds")
_delay = _number(float, lambda v: 0 <= v < math.inf, "a number of seconds (0 or more)")
_rate = _number(float, lambda v: 0 <= v <= 1, "a rate from 0 to 1")


def _add_output_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR set)")
    p.add_argument("-v", "--verbose", action="store_true", help="say more about what happens")


def _add_connection_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--api-url",
        metavar="URL",
        help="Qovery API base URL (default: $QOVERY_API_URL or https://api.qovery.com)",
    )
    p.add_argument(
        "--token-file",
        metavar="FILE",
        help="read the API token from FILE (default: $QOVERY_API_TOKEN)",
    )
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an embedded sandbox whose state lives in .reconciler/sandbox.json",
    )
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="only this address (repeatable; * and ? globs, brackets literal)",
    )
    p.add_argument(
        "--parallelism",
        type=_positive_int,
        default=8,
        metavar="N",
        help="API calls in flight at once (default 8)",
    )


def _add_guard_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-deletes",
        action="store_true",
        help="let through a plan that the mass-deletion guard would refuse",
    )


def _add_notify_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="URL",
        help="POST each event as JSON to URL (repeatable; also $RECONCILER_NOTIFY_URL, "
        "comma-separated; a Slack incoming webhook gets Slack's form)",
    )


def _add_deploy_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--deploy-timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for the deploys to settle (default 600)",
    )


def _add_watch_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="serve /metrics, /healthz and a status page at / while the loop runs",
    )
    p.add_argument(
        "--metrics-file",
        metavar="PATH",
        help="write the metrics to PATH after each round (node_exporter's textfile collector)",
    )
    p.add_argument(
        "--max-requests-per-hour",
        type=_positive_int,
        metavar="N",
        help="a request budget of the tool's own: wait rather than exceed it",
    )


def _add_paths(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument(
        "paths",
        nargs="+" if required else "*",
        metavar="PATH",
        help="manifest files or directories (searched recursively for *.yaml, *.yml)",
    )


def _add_strict_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="warnings are errors (exit 1)")


def _validate(p: argparse.ArgumentParser) -> None:
    _add_paths(p)
    _add_strict_flag(p)
    p.add_argument("--json", action="store_true", help="diagnostics as JSON")


def _plan(p: argparse.ArgumentParser) -> None:
    _add_paths(p)
    _add_connection_flags(p)
    _add_guard_flags(p)
    _add_strict_flag(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the plan document (JSON)")
    fmt.add_argument(
        "--markdown", action="store_true", help="the plan as one pull-request comment (markdown)"
    )
    p.add_argument("--out", metavar="FILE", help="save the plan document for apply --plan")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when apply would change something",
    )


def _apply(p: argparse.ArgumentParser) -> None:
    _add_paths(p, required=False)
    _add_connection_flags(p)
    _add_guard_flags(p)
    p.add_argument("--plan", dest="plan_file", metavar="FILE", help="apply a saved plan")
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--correct",
        action="store_true",
        help="correct reported drift this once, as if on_drift: correct",
    )
    p.add_argument("--json", action="store_true", help="progress as JSON lines")
    _add_notify_flag(p)
    _add_deploy_flag(p)


def _drift(p: argparse.ArgumentParser) -> None:
    _add_paths(p)
    _add_connection_flags(p)
    _add_guard_flags(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="the report as a plan document")
    fmt.add_argument("--markdown", action="store_true", help="the report as markdown")


def _show(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "plan_file", metavar="PLANFILE", help="a plan saved by plan --out (or printed by --json)"
    )
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="the plan document")
    fmt.add_argument("--markdown", action="store_true", help="one pull-request comment")


def _ls(p: argparse.ArgumentParser) -> None:
    _add_paths(p)
    _add_connection_flags(p)
    p.add_argument("--json", action="store_true", help="the clones as one JSON document")


def _reconcile(p: argparse.ArgumentParser) -> None:
    _add_paths(p)
    _add_connection_flags(p)
    _add_guard_flags(p)
    p.add_argument(
        "--interval",
        type=_seconds,
        metavar="SECONDS",
        help="repeat every SECONDS until SIGTERM or SIGINT",
    )
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when reported drift remains",
    )
    p.add_argument("--json", action="store_true", help="JSON lines (always on; accepted)")
    _add_notify_flag(p)
    _add_watch_flags(p)
    _add_deploy_flag(p)


def _sandbox(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", metavar="FILE", help="seed YAML (default: the demo organization)")
    p.add_argument("--port", type=_port, default=0, metavar="N", help="port (default: any free)")
    p.add_argument("--state", metavar="FILE", help="persist the state in this JSON file")
    p.add_argument("--latency", type=_delay, default=0.0, metavar="SECONDS", help="added latency")
    p.add_argument("--error-rate", type=_rate, default=0.0, metavar="R", help="rate of 5xx")
    p.add_argument("--rate-limit-rate", type=_rate, default=0.0, metavar="R", help="rate of 429")
    p.add_argument(
        "--ambiguous-clone-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="rate of clones performed whose response is then lost",
    )
    p.add_argument("--fault-seed", type=int, metavar="N", help="seed of the fault generator")


# Each command: its one-line help and the function that adds its own flags; the output flags
# (--no-color, -v) come last for every command, as they always did in --help.
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "validate": ("check manifests offline (no API call)", _validate),
    "plan": ("show what apply would change, and the drift", _plan),
    "apply": ("make the changes (clone, edit, delete)", _apply),
    "drift": ("report where clones differ from the manifests", _drift),
    "show": ("render a saved plan (no API call)", _show),
    "ls": ("list the clones the manifests own, wherever they are", _ls),
    "reconcile": ("plan + apply unattended, logging JSON lines", _reconcile),
    "sandbox": ("serve a local Qovery-compatible API", _sandbox),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reconciler",
        description="Clone Qovery applications into many environments, declaratively.",
    )
    parser.add_argument("--version", action="version", version=f"reconciler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (summary, add_flags) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=summary)
        add_flags(p)
        _add_output_flags(p)
    return parser


@contextlib.contextmanager
def _log_requests(streams: Streams, verbose: bool) -> Iterator[None]:
    """``-v``: the client's one line per request (method, path, status, time) on stderr."""
    if not verbose:
        yield
        return
    import logging  # here: start-up (``--version``) pays for none of the paths below

    logger = logging.getLogger("reconciler")
    handler = logging.StreamHandler(streams.err)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None, streams: Streams | None = None) -> int:
    """Run the program; return its exit code: 0, 1 or 2, also when a signal ends it.

    SIGINT and SIGTERM interrupt (``KeyboardInterrupt``, exit 1) wherever nothing is being
    written; the commands that write or loop stop more gently inside (``commands.signals``).
    """
    try:
        with signals.interrupting():
            return _run(argv, streams)
    except KeyboardInterrupt:  # the signal came as the run was ending
        return signals.INTERRUPTED


def _scrubbed(message: str, argv: Sequence[str] | None, *, usage: bool) -> str:
    """``message`` without the token, nor (in a usage error, which quotes the command line)
    any word of the command line that looks like one: a token typed where a flag's value or
    a path belongs is reported without its value (contract 18)."""
    from reconciler.edges.connection import looks_like_secret, redact  # an error's path only

    token = os.environ.get("QOVERY_API_TOKEN", "").strip()
    if len(token) >= 8:
        message = redact(message, token)
    if usage:
        words = sys.argv[1:] if argv is None else argv
        for word in sorted({w for w in words if looks_like_secret(w)}, key=len, reverse=True):
            message = message.replace(word, "<redacted>")
    return message


def _run(argv: Sequence[str] | None, streams: Streams | None) -> int:
    parser = build_parser()
    verbose = False
    failed: Any = None  # the command's ``failed(options, streams, message, error)``, if any
    try:
        args = parser.parse_args(argv)
        verbose = getattr(args, "verbose", False)
        if args.command is None:
            parser.print_help(streams.err if streams else sys.stderr)
            return ExitCode.ERROR
        options = arguments.parse(args)
        if streams is None:
            streams = Streams.from_process(no_color=options.no_color)
        module = importlib.import_module(f"reconciler.commands.{args.command}")
        command_failed = getattr(module, "failed", None)
        if command_failed is not None:
            failed = functools.partial(command_failed, options, streams)
        with _log_requests(streams, verbose):
            return int(module.run(options, streams))
    except ReconcilerError as exc:
        err = streams.err if streams else sys.stderr
        message = _scrubbed(str(exc), argv, usage=isinstance(exc, UsageError))
        if failed is not None:  # its view may show the error too (--json: a JSON document)
            failed(message, exc)
        print(f"error: {message}", file=err)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=streams.err if streams else sys.stderr)
        return signals.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.ERROR
    except Exception as exc:  # a bug: say so plainly; the traceback only when asked for
        err = streams.err if streams else sys.stderr
        print(f"internal error: {type(exc).__name__}: {exc}", file=err)
        if verbose:
            import traceback  # a bug's path only

            traceback.print_exc(file=err)
        else:
            print("(run again with -v for the traceback, and report it)", file=err)
        return ExitCode.ERROR
