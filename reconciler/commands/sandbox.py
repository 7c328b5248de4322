"""`reconciler sandbox`: serve the local Qovery-compatible API until SIGINT or SIGTERM.

Prints the URL, the sandbox's own throwaway token (the one token the tool ever prints) and an
``export`` line for the other commands, then waits. The work is in ``reconciler.sandbox``;
a bad seed, state file or port is a ``SandboxError``: one line, exit 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from reconciler.core.errors import ExitCode
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox, start


def run(args: argparse.Namespace, streams: Streams) -> int:
    faults = {
        "latency": args.latency,
        "error_rate": args.error_rate,
        "rate_limit_rate": args.rate_limit_rate,
        "ambiguous_clone_rate": args.ambiguous_clone_rate,
        "seed": args.fault_seed,
    }
    if args.seed and args.state and os.path.exists(args.state):
        print(f"note: {args.state} exists; serving it and ignoring --seed", file=streams.err)
    stop = threading.Event()
    with (
        _stop_on_signals(stop),
        start(args.seed, port=args.port, state_path=args.state, faults=faults) as sandbox,
    ):
        _announce(sandbox, args, streams)
        stop.wait()
    print("sandbox stopped", file=streams.err)
    return ExitCode.OK


def _announce(sandbox: RunningSandbox, args: argparse.Namespace, streams: Streams) -> None:
    out = streams.out
    print(f"sandbox listening on {sandbox.url}", file=out)
    print(f"token: {sandbox.token}", file=out)
    if args.state:
        print(f"state: {os.path.abspath(args.state)}", file=out)
    print(f"export QOVERY_API_URL={sandbox.url} QOVERY_API_TOKEN={sandbox.token}", file=out)
    print("(Ctrl-C or SIGTERM stops it)", file=out)
    out.flush()


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Set ``stop`` on SIGINT and SIGTERM (when running in the main thread)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: Ctrl-C reaches cli.main as KeyboardInterrupt
        yield
        return
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
