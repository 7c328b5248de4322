"""The long manifest fuzz run: both fuzz files with ``HYPOTHESIS_PROFILE=long``.

Run: ``.venv/bin/python bench/fuzz_manifests.py``. Runs
``tests/manifests/test_manifest_fuzz.py`` and
``tests/manifests/test_manifest_fuzz_more.py`` under pytest with the long profile (2,000 examples a
test), prints hypothesis's statistics (how many examples each test ran, how long they took)
and exits with pytest's code: 0 means no example raised anything but ``ManifestError`` and
none went past the per-example deadline.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILES = ("tests/manifests/test_manifest_fuzz.py", "tests/manifests/test_manifest_fuzz_more.py")


def main() -> int:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "long"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        *FILES,
    ]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=REPO, env=env, check=False)
    print(f"fuzz_manifests: {time.monotonic() - started:.1f}s, exit {completed.returncode}")
    return completed.returncode


if __name__ == "__main__":
    raise SystemExit(main())
