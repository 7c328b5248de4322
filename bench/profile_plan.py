"""cProfile of ``reconciler plan`` (or ``apply``) on a scaled fleet: where the CPU goes.

Run: ``.venv/bin/python bench/profile_plan.py [--targets 500] [--drifted 10] [--every-update]
[--json] [--apply] [--top 25] [--parallelism 1]``. The sandbox serves the fleet
(``bench/scaled.py``) from a child process at zero latency, so the profile is the tool's
alone: the real CLI runs in this process under ``cProfile`` and the functions with the most
cumulative and own time are printed, with their share of the whole run. At ``--parallelism
1`` (the default here) the reads run in this thread too, so that the profile sees them
(cProfile sees one thread; apply's changes run in a worker thread, unseen).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaled import manifest, serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=500)
    parser.add_argument("--drifted", type=int, default=10, help="percent of clones drifted")
    parser.add_argument("--every-update", action="store_true")
    parser.add_argument("--apply", action="store_true", help="profile apply --auto-approve")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    parser.add_argument("--save", help="write the profile there too (pstats format)")
    parser.add_argument(
        "--parallelism", type=int, default=1, help="1: every read in this thread, profiled"
    )
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(child, args.targets, args.drifted), daemon=True)
    server.start()
    url, token = parent.recv()
    os.environ.update(QOVERY_API_URL=url, QOVERY_API_TOKEN=token)
    os.environ.pop("QOVERY_TOKEN_TYPE", None)
    from reconciler.cli import main as cli
    from reconciler.rendering.streams import Streams

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.yaml"
        path.write_text(manifest(every_update=args.every_update))
        argv = ["plan", str(path), "--no-color", "--parallelism", str(args.parallelism)]
        argv = ["apply", *argv[1:], "--auto-approve"] if args.apply else argv
        argv += ["--json"] if args.json else ["--markdown"] if args.markdown else []
        out = io.StringIO()
        profile = cProfile.Profile()
        began = time.process_time()
        code = profile.runcall(cli, argv, streams=Streams(out, io.StringIO(), io.StringIO()))
        cpu = time.process_time() - began
    if args.save:
        profile.dump_stats(args.save)
    parent.send("stop")
    server.join(timeout=10)
    print(f"plan {' '.join(argv[2:])}: exit {code}, {len(out.getvalue())} characters out")
    print(f"CPU {cpu:.2f} s (profiled: slower than unprofiled)")
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(order).print_stats(args.top)
        print(text.getvalue())
    if args.callers:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_callers(args.callers)
        print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
