"""`reconciler reconcile`: not implemented yet."""

from __future__ import annotations

import argparse

from ..errors import ReconcilerError
from ..streams import Streams


def run(args: argparse.Namespace, streams: Streams) -> int:
    raise ReconcilerError("'reconcile' is not implemented yet")
