"""``python -m reconciler`` is the same program as the ``reconciler`` command."""

import sys

from reconciler.cli import main

sys.exit(main())
