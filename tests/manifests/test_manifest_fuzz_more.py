"""More manifest fuzzing, from the other end: start from a rich VALID manifest and break it.

``test_manifest_fuzz`` throws random text, bytes and manifest-shaped data at the loader;
here the starting point is a manifest that loads (every section: overrides with nested
objects, ports, storage, probes, ignore paths with list keys, templates, policies), which
is then mutated (a key dropped, renamed or given a value of another type, a list entry
doubled, a value nested deep) or edited as text (characters inserted, deleted, swapped).
Whatever comes out, ``load_manifests`` returns CloneSets or raises ``ManifestError`` whose
positions lie inside the file, never anything else, and never takes long.

The default run is quick (200 examples a test); ``HYPOTHESIS_PROFILE=long`` runs 2,000
(``bench/fuzz_manifests.py`` does that for both fuzz files).
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.core.errors import ManifestError
from reconciler.core.model import CloneSet
from reconciler.edges.validating import load_manifests

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FUZZ = settings(
    max_examples=2000 if LONG else 200,
    deadline=2000,  # ms per example: a hang or an exponential blow-up fails the test
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

RICH = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata:
  name: previews
spec:
  organization: Acme
  source:
    project: shop
    environment: staging
    applications:
      - api
      - name: web
        overrides:
          memory: 384
          arguments: ["--production", "--verbose"]
  targets:
    - environment: preview-101
    - project: shop
      environment: {match: "preview-1?*"}
  name: "{app}-{environment}"
  overrides:
    cpu: 250
    min_running_instances: 0
    max_running_instances: -1
    git_repository: {branch: develop, root_path: /}
    ports:
      - {internal_port: 8080, external_port: 443, protocol: HTTP, publicly_accessible: true, is_default: true}
    storage:
      - {type: FAST_SSD, size: 10, mount_point: /mnt/data}
    healthchecks:
      readiness_probe:
        type: {http: {port: 8080, path: /health}}
        initial_delay_seconds: 30
      liveness_probe: null
    auto_deploy: false
  ignore: [max_running_instances, git_repository.branch, "ports[8080].external_port",
           "storage[/mnt/data].size"]
  policy: {follow_source: true, on_drift: correct, prune: true, adopt: false, deploy: false}
"""  # noqa: E501
RICH_DATA: dict[str, Any] = yaml.safe_load(RICH)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["{app}", "{", "}", "*", "[", "../x", "preview-*", "0" * 300, "é", "\t"]),
)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)


def load_text(scratch: Path, text: str) -> tuple[CloneSet, ...] | ManifestError:
    """Load ``text`` as a file; a ManifestError must point inside it."""
    path = scratch / "fuzz.yaml"
    data = text.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    lines = data.count(b"\n") + 1
    try:
        return load_manifests([str(path)])
    except ManifestError as exc:
        assert exc.diagnostics, "a ManifestError always says what is wrong"
        for diagnostic in exc.diagnostics:
            assert diagnostic.message.strip()
            assert "Traceback" not in diagnostic.message
            if diagnostic.position is not None:
                assert 1 <= diagnostic.position.line <= lines + 1, (diagnostic, lines)
                assert diagnostic.position.column >= 1
        return exc


def test_the_rich_manifest_is_valid(scratch: Path) -> None:
    """The starting point of every mutation loads: mutations start from a valid whole."""
    outcome = load_text(scratch, RICH)
    assert isinstance(outcome, tuple) and len(outcome) == 1, outcome


# -- structural mutations
def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


MUTATIONS = ("drop", "replace", "rename", "double", "nest", "empty")


def mutate(data: Any, path: tuple[Any, ...], kind: str, value: Any, key: str) -> Any:
    """``data`` with one mutation at ``path`` (the root path replaces the whole)."""
    if not path:
        return value
    parent = _parent(data, path)
    last = path[-1]
    if kind == "drop":
        del parent[last]
    elif kind == "replace":
        parent[last] = value
    elif kind == "rename" and isinstance(parent, dict):
        parent[key or f"{last}_"] = parent.pop(last)
    elif kind == "double" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif kind == "nest":
        parent[last] = [[{"x": [parent[last]]}]]
    elif kind == "empty":
        parent[last] = type(parent[last])() if isinstance(parent[last], dict | list | str) else None
    return data


@FUZZ
@given(
    choices=st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.sampled_from(MUTATIONS),
            ANY_VALUE,
            st.sampled_from(["", "cpus", "Name", "environments", "overides", "match", "type"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_rich_manifest(scratch: Path, choices: list[tuple[int, str, Any, str]]) -> None:
    data = copy.deepcopy(RICH_DATA)
    for index, kind, value, key in choices:
        paths = _paths(data)
        data = mutate(data, paths[index % len(paths)], kind, value, key)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    outcome = load_text(scratch, text)
    if isinstance(outcome, tuple):
        for cloneset in outcome:
            assert cloneset.applications and (cloneset.targets or cloneset.policy.prune)


# -- text mutations of the valid file
EDITS = st.tuples(
    st.integers(min_value=0, max_value=len(RICH)),
    st.sampled_from(["insert", "delete", "swap", "duplicate-line"]),
    st.sampled_from([*list(" \t\n:-{}[],&*!|>'\"#%@`?"), "\xa0", "\x00", "\ufeff", "---\n"]),
)


@FUZZ
@given(edits=st.lists(EDITS, min_size=1, max_size=6))
def test_edited_rich_text(scratch: Path, edits: list[tuple[int, str, str]]) -> None:
    load_text(scratch, edited(RICH, edits))


def edited(text: str, edits: list[tuple[int, str, str]]) -> str:
    """``text`` with each edit (where, what, which piece) made in turn."""
    for at, kind, piece in edits:
        at = min(at, len(text))
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + len(piece) :]
        elif kind == "swap" and at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        else:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            line = text[start : end if end >= 0 else len(text)]
            text = text[:start] + line + "\n" + text[start:]
    return text


# -- many documents, many files
@FUZZ
@given(
    names=st.lists(st.sampled_from(["a", "b", "A", "a-1", "", "-a", "a" * 64]), max_size=5),
    split=st.integers(min_value=0, max_value=5),
)
def test_many_documents_across_files(scratch: Path, names: list[str], split: int) -> None:
    directory = scratch / "many"
    directory.mkdir(exist_ok=True)
    for old in directory.rglob("*.yaml"):
        old.unlink()
    documents = []
    for name in names:
        document = copy.deepcopy(RICH_DATA)
        document["metadata"]["name"] = name
        documents.append(yaml.safe_dump(document, sort_keys=False))
    first, second = documents[:split], documents[split:]
    (directory / "one.yaml").write_text("---\n".join(first))
    (directory / "two.yml").write_text("---\n".join(second))
    try:
        loaded = load_manifests([str(directory)])
    except ManifestError as exc:
        assert exc.diagnostics
        return
    assert len({c.name for c in loaded}) == len(loaded) == len(names)
