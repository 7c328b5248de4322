"""`reconciler sandbox`: serve the local Qovery-compatible API until SIGINT or SIGTERM.

Prints the URL, the sandbox's own throwaway token (the one token the tool ever prints) and an
``export`` line for the other commands, then waits. The work is in ``reconciler.sandbox``;
a bad seed, state file or port is a ``SandboxError``: one line, exit 1.
"""

from __future__ import annotations

import os
import threading

from reconciler.commands.arguments import SandboxOptions
from reconciler.commands.signals import stopping_on_signals
from reconciler.core.errors import ExitCode
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_sandbox_view
from reconciler.sandbox import start


def run(options: SandboxOptions, streams: Streams) -> int:
    view = new_sandbox_view(options.view_type, streams)
    faults = {
        "latency": options.latency,
        "error_rate": options.error_rate,
        "rate_limit_rate": options.rate_limit_rate,
        "ambiguous_clone_rate": options.ambiguous_clone_rate,
        "seed": options.fault_seed,
    }
    if options.seed and options.state and os.path.exists(options.state):
        view.note(f"{options.state} exists; serving it and ignoring --seed")
    stop = threading.Event()
    with (
        stopping_on_signals(stop),
        start(options.seed, port=options.port, state_path=options.state, faults=faults) as sandbox,
    ):
        state = os.path.abspath(options.state) if options.state else None
        view.serving(sandbox.url, sandbox.token, state)
        stop.wait()
    view.stopped()
    return ExitCode.OK
