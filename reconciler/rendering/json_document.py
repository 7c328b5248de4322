"""The plan document (contract section 6) written as JSON to a stream.

Neighbours: ``plans.to_document`` builds the value; commands ``plan --json``, ``plan --out``
and ``drift --json`` call this.
"""

from __future__ import annotations

import json
from typing import TextIO

from reconciler.core.plans import Plan, to_document


def dumps(plan: Plan) -> str:
    """The plan document as indented JSON text, ending with a newline."""
    return json.dumps(to_document(plan), indent=2, ensure_ascii=False) + "\n"


def render_plan(plan: Plan, out: TextIO) -> None:
    """Write the plan document to ``out``."""
    out.write(dumps(plan))
