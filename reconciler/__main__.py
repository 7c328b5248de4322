"""``python -m reconciler`` is the same program as the ``reconciler`` command."""

import sys

from .cli import main

sys.exit(main())
