"""The outputs a command may have (``ViewType``): a name, chosen once from the flags.

Its own small module so that parsing the flags (``commands.arguments``) needs nothing of
the renderers: ``reconciler --version`` or a usage error imports no view, and a command's
views are imported when that command runs. ``views`` maps each ``ViewType`` to a class.
"""

from __future__ import annotations

from enum import StrEnum


class ViewType(StrEnum):
    """The outputs a command may have."""

    HUMAN = "human"
    JSON = "json"
    MARKDOWN = "markdown"
