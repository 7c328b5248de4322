"""Templating: the placeholders of override values, rendered per clone (contract section 11). Pure.

String values of ``overrides`` (manifest-wide, per application, per target) may use
``{app}`` (the source application's name), ``{name}`` (the clone's name), ``{environment}``
and ``{project}`` (the target's). A placeholder is ``{`` + a word + ``}``; any other brace is
text (``{"a": 1}`` and ``{{.Status}}`` stay as written), and a word in double braces is the
word in single braces, as text (``${{PORT}}`` gives ``${PORT}``). An unknown word is an
error (``unknown_in``).

``substitute`` is the one place that replaces placeholders: the clone-name template of
``desired`` (``{app}``, ``{environment}``, ``{project}``) renders through it too.
Neighbours: ``desired`` (renders a clone's overrides), ``edges.placeholders`` (validation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

VALUE_PLACEHOLDERS = ("app", "name", "environment", "project")
"""The placeholders an override value may use."""

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(rf"\{{\{{(?P<escaped>{_WORD})\}}\}}|\{{(?P<word>{_WORD})\}}")


def words(text: str) -> tuple[str, ...]:
    """The placeholder words of ``text``, in order (escaped braces aside)."""
    return tuple(m["word"] for m in _TOKEN.finditer(text) if m["word"])


def unknown_in(text: str, known: tuple[str, ...] = VALUE_PLACEHOLDERS) -> str | None:
    """Why ``text`` cannot be rendered (its first unknown placeholder), else ``None``."""
    unknown = [word for word in words(text) if word not in known]
    if not unknown:
        return None
    shown = ", ".join("{" + p + "}" for p in known)
    return (
        f"unknown placeholder '{{{unknown[0]}}}' (placeholders: {shown}; "
        f"write {{{{{unknown[0]}}}}} for the text '{{{unknown[0]}}}')"
    )


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder of ``values`` replaced and each ``{{word}}`` made
    ``{word}``; a word not in ``values`` is left as written (callers check first)."""

    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "{" + match["escaped"] + "}"
        return values.get(match["word"], match.group(0))

    return _TOKEN.sub(one, text)


def is_templated(value: Any) -> bool:
    """Whether a JSON-like value holds a string with a placeholder or an escaped brace."""
    if isinstance(value, str):
        return _TOKEN.search(value) is not None
    if isinstance(value, Mapping):
        return any(is_templated(v) for v in value.values())
    if isinstance(value, list):
        return any(is_templated(v) for v in value)
    return False


def render(value: Any, values: Mapping[str, str]) -> Any:
    """A JSON-like value with every string rendered (a new value; the input is untouched)."""
    if isinstance(value, str):
        return substitute(value, values)
    if isinstance(value, Mapping):
        return {key: render(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, values) for item in value]
    return value


def templated_strings(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string of ``value`` that holds a placeholder word, with its path."""
    if isinstance(value, str):
        if words(value):
            yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from templated_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from templated_strings(item, (*path, index))
