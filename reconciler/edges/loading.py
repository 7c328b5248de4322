"""Loading: manifest paths → YAML documents as plain values, each node's file:line:column.

The only module of the manifest pipeline that touches the disk. It finds the files (a
directory is searched recursively for ``*.yaml`` / ``*.yml``, hidden directories and files
skipped, the result sorted), reads them (at most 2 MB, UTF-8), and composes every document
into nodes (``composing``: libyaml for a plain file, else ``yaml.SafeLoader``), which it
turns into plain JSON-like values itself, so that it can keep a position index keyed by path
tuple (``("spec", "targets", 0, "environment")``), refuse duplicate keys, non-standard tags
and alias bombs, and never construct anything but dicts, lists, strings, numbers, booleans
and null. A plain scalar that YAML 1.1 and 1.2 read apart (``yes``, ``0755``) is kept as the
text written (``composing.yaml11_reading`` says what YAML 1.1 would have made of it).

It reports problems as ``Diagnostic``s and carries on, so that one run shows every problem of
every file. Neighbours: ``validating`` (checks the documents and builds ``CloneSet``s) above;
``errors`` for ``Position`` and ``Diagnostic``.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.core.errors import Diagnostic, Position
from reconciler.edges.composing import TAG as _TAG
from reconciler.edges.composing import YAML11_TAG as _YAML11_TAG
from reconciler.edges.composing import KeepsYaml11Text, fast_nodes
from reconciler.edges.composing import yaml11_reading as yaml11_reading  # re-exported
from reconciler.edges.connection import looks_like_secret
from reconciler.edges.inputs import NotARegularFile, TooLarge, read_regular

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A manifest file larger than this is refused unread (manifests are a few kilobytes)."""
MAX_ALIASES = 1_000
"""Aliases (``*name``) allowed in one file."""
MAX_NODES = 100_000
"""Values allowed in one document once aliases are expanded (refuses "billion laughs")."""
MANIFEST_SUFFIXES = (".yaml", ".yml")

Path = tuple[str | int, ...]
"""Where a value sits in a document: mapping keys and list indices from the root."""

_SCALAR_TAGS = frozenset(_TAG + t for t in ("null", "bool", "int", "float", "str", "timestamp"))
_MERGE_TAG = _TAG + "merge"


@dataclass(frozen=True)
class Document:
    """One non-empty YAML document: its plain value and where each of its nodes was written."""

    file: str
    index: int  # 0-based, among the documents of the file
    value: Any
    start: Position
    positions: Mapping[Path, Position] = field(default_factory=dict)  # value nodes
    key_positions: Mapping[Path, Position] = field(default_factory=dict)  # keys of mappings

    def position_of(self, path: Sequence[str | int]) -> Position:
        """The position of the value at ``path``, or of its nearest written ancestor."""
        return _nearest(self.positions, tuple(path), self.start)

    def key_position_of(self, path: Sequence[str | int]) -> Position:
        """The position of the key that introduces ``path`` (else of the value, or ancestor)."""
        where = tuple(path)
        return self.key_positions.get(where) or self.position_of(where)


@dataclass(frozen=True)
class Loaded:
    """What loading found: the documents, and every problem met on the way."""

    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]


def _nearest(index: Mapping[Path, Position], path: Path, default: Position) -> Position:
    while True:
        found = index.get(path)
        if found is not None:
            return found
        if not path:
            return default
        path = path[:-1]


# ── finding and reading files ────────────────────────────────────────────────────────────


def read_documents(paths: Sequence[str]) -> Loaded:
    """Every document of every manifest file under ``paths``, in file order."""
    files, diagnostics = find_manifest_files(paths)
    documents: list[Document] = []
    for file in files:
        text, problems = read_text(file)
        diagnostics.extend(problems)
        if text is not None:
            found, problems = parse_text(text, file)
            documents.extend(found)
            diagnostics.extend(problems)
    return Loaded(tuple(documents), tuple(diagnostics))


def find_manifest_files(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """The manifest files named by ``paths`` (files as given, directories searched), sorted."""
    diagnostics: list[Diagnostic] = []
    by_real_path: dict[str, str] = {}
    for path in paths:
        if os.path.isdir(path):
            found = list(_files_under(path))
            if not found:
                diagnostics.append(
                    Diagnostic(None, f"no *.yaml or *.yml file under directory '{path}'")
                )
        elif os.path.exists(path):
            found = [path]
        else:
            diagnostics.append(Diagnostic(None, f"no such file or directory: {_shown(path)}"))
            continue
        for file in found:
            by_real_path.setdefault(os.path.realpath(file), os.path.normpath(file))
    return sorted(by_real_path.values()), diagnostics


def _files_under(directory: str) -> Iterator[str]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.endswith(MANIFEST_SUFFIXES):
                yield os.path.join(root, name)


def read_text(file: str) -> tuple[str | None, list[Diagnostic]]:
    """The file's text, or ``None`` and the reason: not a file, too large, unreadable, not UTF-8.

    Only a regular file is opened: a FIFO or a device is refused from ``os.stat`` alone (an
    open could wait forever for a writer), and the open itself never blocks (``O_NONBLOCK``)
    and is checked again, in case the path was swapped in between.
    """
    start = Position(file, 1, 1)
    try:
        data = read_regular(file, MAX_FILE_BYTES)
    except NotARegularFile as refused:
        return None, [Diagnostic(None, not_a_file(file, refused.mode))]
    except TooLarge as large:
        return None, [Diagnostic(start, _too_large(large.size))]
    except OSError as exc:
        return None, [Diagnostic(start, f"cannot read the file: {exc.strerror or exc}")]
    return decode(data, file)


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def not_a_file(path: str, mode: int) -> str:
    """Why ``path`` is refused unread: it is a FIFO, a device, a socket, not a regular file."""
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    return f"'{path}' is {kind}, not a regular file; a manifest must be a file"


def _too_large(size: int) -> str:
    return (
        f"file is too large ({size / 1024 / 1024:.1f} MB; "
        f"a manifest file may hold at most {MAX_FILE_BYTES // 1024 // 1024} MB)"
    )


def decode(data: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text (a byte-order mark allowed), or a diagnostic at the first bad byte."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"the file is not valid UTF-8 text (byte 0x{data[exc.start]:02x})"
        return None, [Diagnostic(Position(file, line, column), message)]


# ── parsing ──────────────────────────────────────────────────────────────────────────────


class _Refused(Exception):
    """A document (or file) refused as a whole; carries the diagnostic."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(position, message)


class _CountingLoader(KeepsYaml11Text, yaml.SafeLoader):
    """A SafeLoader that refuses more than ``MAX_ALIASES`` aliases while composing."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(
                    _position(self.file, mark),
                    f"too many YAML aliases (more than {MAX_ALIASES}); refusing the file",
                )
        return super().compose_node(parent, index)


def parse_text(text: str, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """The non-empty documents of one file's text, and its problems.

    A plain file is composed by libyaml (``composing.fast_nodes``); any other, or one that
    libyaml finds fault with, by the pure-Python loader, whose errors the messages quote.
    A file with no document, or only empty ones, is an error that names the file.
    """
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    nodes = fast_nodes(text)
    if nodes is None:
        _parse_carefully(text, file, documents, diagnostics)
    else:
        for index, node in enumerate(nodes):
            _add_document(node, file, index, documents, diagnostics)
    if not documents and not diagnostics:
        diagnostics.append(Diagnostic(Position(file, 1, 1), "the file holds no manifest"))
    return documents, diagnostics


def _add_document(
    node: Node | None,
    file: str,
    index: int,
    documents: list[Document],
    diagnostics: list[Diagnostic],
) -> None:
    """The ``index``-th document of ``file`` (when not empty) and its problems, added."""
    if node is not None and not _is_empty(node):
        document, problems = build_document(node, file, index)
        diagnostics.extend(problems)
        if document is not None:
            documents.append(document)


def _parse_carefully(
    text: str, file: str, documents: list[Document], diagnostics: list[Diagnostic]
) -> None:
    """Compose with the pure-Python loader: every document up to the first YAML error, which
    is said in the words of PyYAML; more than ``MAX_ALIASES`` aliases refuse the file."""
    loader: _CountingLoader | None = None
    index = 0
    try:
        loader = _CountingLoader(text, file)
        while loader.check_node():
            _add_document(loader.get_node(), file, index, documents, diagnostics)
            index += 1
    except _Refused as refused:
        diagnostics.append(refused.diagnostic)
    except yaml.MarkedYAMLError as exc:
        diagnostics.append(_syntax_error(exc, file))
    except yaml.reader.ReaderError as exc:
        where = _offset_position(text, exc.position, file)
        message = f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason})"
        diagnostics.append(Diagnostic(where, message))
    except yaml.YAMLError as exc:
        diagnostics.append(Diagnostic(Position(file, 1, 1), f"YAML error: {exc}"))
    except RecursionError:
        diagnostics.append(Diagnostic(Position(file, 1, 1), "YAML nested too deeply"))
    finally:
        if loader is not None:
            loader.dispose()


def _is_empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    where = _position(file, mark) if mark is not None else Position(file, 1, 1)
    problem = exc.problem or "not valid YAML"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return Diagnostic(where, f"YAML syntax error: {problem}{context}")


def _position(file: str, mark: Any) -> Position:
    return Position(file, mark.line + 1, mark.column + 1)


def _offset_position(text: str, offset: int, file: str) -> Position:
    before = text[:offset]
    return Position(file, before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


# ── nodes → plain values ─────────────────────────────────────────────────────────────────


def build_document(node: Node, file: str, index: int) -> tuple[Document | None, list[Diagnostic]]:
    """The document's plain value and position index, or ``None`` when it is refused."""
    builder = _Builder(file)
    try:
        value = builder.build(node, ())
    except _Refused as refused:
        return None, [*builder.diagnostics, refused.diagnostic]
    except RecursionError:
        return None, [Diagnostic(_position(file, node.start_mark), "YAML nested too deeply")]
    document = Document(
        file=file,
        index=index,
        value=value,
        start=_position(file, node.start_mark),
        positions=builder.positions,
        key_positions=builder.key_positions,
    )
    return document, builder.diagnostics


class _Builder:
    """Walks composed nodes into plain values, recording where each one was written."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[Path, Position] = {}
        self.key_positions: dict[Path, Position] = {}
        self.diagnostics: list[Diagnostic] = []
        self.nodes = 0
        self.open: set[int] = set()  # nodes being built: an alias to one of them is a cycle
        self.constructor = SafeConstructor()

    def at(self, node: Node) -> Position:
        return _position(self.file, node.start_mark)

    def build(self, node: Node, path: Path) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(
                self.at(node),
                f"the document expands to more than {MAX_NODES} values (YAML alias bomb?)",
            )
        if id(node) in self.open:
            raise _Refused(self.at(node), "a YAML alias refers to itself")
        self.positions[path] = self.at(node)
        self.open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            if isinstance(node, SequenceNode):
                return self.sequence(node, path)
            return self.scalar(node)
        finally:
            self.open.discard(id(node))

    def refuse_tag(self, node: Node) -> Any:
        tag = str(node.tag).replace(_TAG, "!!", 1)
        raise _Refused(self.at(node), f"unsupported YAML tag '{tag}'")

    def sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        if node.tag != _TAG + "seq":
            self.refuse_tag(node)
        return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]

    def scalar(self, node: Node) -> Any:
        if node.tag == _YAML11_TAG:
            return str(node.value)  # as written; the schema refuses it where text won't do
        if node.tag not in _SCALAR_TAGS:
            self.refuse_tag(node)
        if node.tag == _TAG + "timestamp":
            return str(node.value)  # kept as written: values stay JSON-like
        try:
            value = self.constructor.construct_object(node)
        except Exception:  # PyYAML fails in many ways on an explicit tag: "!!int ''", "!!bool x"
            tag = str(node.tag).replace(_TAG, "!!", 1)
            raise _Refused(self.at(node), f"not a valid {tag} value: {node.value!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise _Refused(self.at(node), f"not a finite number: {node.value}")
        return value

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            self.refuse_tag(node)
        merged: dict[str, Any] = {}
        explicit: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                for merged_key, merged_value in self.merge_sources(value_node, path).items():
                    merged.setdefault(merged_key, merged_value)
                continue
            key = self.key(key_node)
            if key is None:
                continue
            if key in explicit:
                first = self.key_positions[(*path, key)]
                self.diagnostics.append(
                    Diagnostic(
                        self.at(key_node),
                        f"duplicate key '{key}' (first at line {first.line})",
                    )
                )
                continue
            self.key_positions[(*path, key)] = self.at(key_node)
            explicit[key] = self.build(value_node, (*path, key))
        self.positions[path] = self.at(node)
        return {**merged, **explicit}

    def merge_sources(self, node: Node, path: Path) -> dict[str, Any]:
        """The entries of a ``<<:`` merge (a mapping, or a list of them: the first wins)."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in sources:
            if not isinstance(source, MappingNode):
                raise _Refused(self.at(source), "a '<<' merge takes a mapping or a list of them")
            for key, value in self.build(source, path).items():
                merged.setdefault(key, value)
        return merged

    def key(self, node: Node) -> str | None:
        """A mapping key as text; anything else is reported and skipped."""
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            return str(node.value)
        if isinstance(node, ScalarNode):
            message = f"a key must be text, got {node.value!r}; quote it"
        else:
            message = "a key must be text, not a list or a mapping"
        self.diagnostics.append(Diagnostic(self.at(node), message))
        return None


def _shown(path: str) -> str:
    """A path as a message quotes it; one that looks like a token (a JWT, a long opaque word)
    is not shown: a token typed where a path belongs must not be echoed (contract 18)."""
    if looks_like_secret(path):
        return "(a path that looks like a token; not shown)"
    return f"'{path}'"
