"""The reconciler's version: one home, read by ``--version``, the User-Agent and the package."""

VERSION = "0.1.0"
