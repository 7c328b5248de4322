"""Composing: YAML text → nodes, with one meaning for every plain scalar, fast when it can be.

One meaning for every scalar: a plain scalar that YAML 1.1 (PyYAML) and YAML 1.2 (editors,
the JSON Schema) read differently (``yes``, ``off``, ``0755``, ``4:10``, ``1_000``) is
resolved to ``YAML11_TAG`` and kept as the text written, so that a place that wants a
boolean or a number refuses it; ``yaml11_reading`` says what YAML 1.1 would have made of
it, for the message. ``KeepsYaml11Text`` is that rule, mixed into a loader.

Two composers, one result: ``fast_nodes`` composes with libyaml (PyYAML's C parser, about
fifteen times faster than its pure-Python one) and gives the nodes only when they are plain:
text written in printable ASCII (newlines, no tab, no ``?``), composed without an error, no
alias, nesting at most ``FAST_MAX_DEPTH`` deep: every ordinary manifest. Otherwise it gives
``None`` and ``loading`` composes the text with the pure-Python loader, whose errors, alias
count and depth limit every message was written against. The two parsers word their errors
differently, only the pure one counts aliases as it goes, and libyaml accepts a few texts
that PyYAML refuses (a tab or a ``?`` inside a plain scalar, some tags, ``|#``) or places a
node a column apart (after a byte-order mark, an empty value in ``{a: }``): hence the
narrow door, found by comparing the two on fuzzed text. Through it, both give the same nodes at the
same line and column (``tests/manifests/test_composing.py`` compares them).

Neighbours: ``loading`` (files, errors as diagnostics, nodes → plain values) above.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode

TAG = "tag:yaml.org,2002:"
YAML11_TAG = "tag:reconciler,2026:yaml11"
"""A plain scalar whose YAML 1.1 reading differs from its YAML 1.2 one: kept as text."""
FAST_MAX_DEPTH = 64
"""Nodes nested deeper than this are composed by the pure-Python loader (manifests: ~6)."""

_YAML12_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+")
_YAML12_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_YAML11_ONLY_BOOLEANS = frozenset({"y", "n"})  # YAML 1.1 words that PyYAML reads as text


def yaml11_only(tag: str | None, text: str) -> bool:
    """Whether YAML 1.1 resolving plain ``text`` to ``tag`` disagrees with YAML 1.2."""
    if tag == TAG + "bool":
        return text.lower() not in ("true", "false")
    if tag == TAG + "int":
        return _YAML12_INT.fullmatch(text) is None
    if tag == TAG + "float":
        return _YAML12_FLOAT.fullmatch(text) is None
    return False


def yaml11_reading(text: str) -> bool | int | float | None:
    """What YAML 1.1 reads plain ``text`` as, when YAML 1.2 reads it otherwise; else None.

    ``yes`` → True, ``0755`` → 493 (octal), ``4:10`` → 250 (base 60), ``1_000`` → 1000.
    """
    if text.lower() in _YAML11_ONLY_BOOLEANS:
        return text.lower() == "y"
    tag = yaml.resolver.Resolver().resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if not yaml11_only(tag, text):
        return None
    value = SafeConstructor().construct_object(ScalarNode(tag, text))
    return value if isinstance(value, bool | int | float) else None


class KeepsYaml11Text:
    """A loader mix-in: a plain scalar that YAML 1.1 and 1.2 read apart gets ``YAML11_TAG``."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)  # type: ignore[misc]
        if kind is ScalarNode and implicit[0] and yaml11_only(tag, str(value)):
            return YAML11_TAG
        return tag


_CLoader: Any = getattr(yaml, "CSafeLoader", None)  # absent when PyYAML was built without libyaml
_PLAIN_TEXT = re.compile(r"[\x20\x22-\x3e\x40-\x7e\n]*")
"""Printable ASCII and newlines, no ``!`` (a tag) nor ``?``: where libyaml and PyYAML agree,"""
_DISAGREED = re.compile(r"^%|[|>][-+0-9]*#", re.MULTILINE)
"""... but for a directive and a comment right after a block scalar's header."""


def fast_nodes(text: str) -> list[Node] | None:
    """The root node of every document of ``text``, composed by libyaml, when the text and
    they are plain (ASCII without tab or ``?``; no error, no alias, at most
    ``FAST_MAX_DEPTH`` deep); else ``None``."""
    if _CLoader is None or not _PLAIN_TEXT.fullmatch(text) or _DISAGREED.search(text):
        return None
    loader = _FastLoader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
    except Exception:  # any problem: the pure-Python loader says it, in its words
        return None
    finally:
        loader.dispose()
    return nodes if all(_plain(node) for node in nodes) else None


if _CLoader is not None:

    class _FastLoader(KeepsYaml11Text, _CLoader):  # type: ignore[misc]
        """libyaml's parser and composer, with the scalar rule above."""


def _plain(root: Node) -> bool:
    """No node reached twice (an alias), none deeper than ``FAST_MAX_DEPTH``, and no empty
    value in a flow collection (``{a: }``: the two parsers place it a column apart)."""
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > FAST_MAX_DEPTH:
            return False
        seen.add(id(node))
        if not isinstance(node, CollectionNode):
            continue
        children = _children(node)
        if node.flow_style and any(_empty(child) for child in children):
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def _children(node: CollectionNode) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)  # a SequenceNode


def _empty(node: Node) -> bool:
    """An empty plain scalar: a value left out (libyaml's plain style is ``''``, PyYAML's
    ``None``)."""
    return isinstance(node, ScalarNode) and node.value == "" and not node.style
