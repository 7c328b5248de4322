"""Fuzzing the manifest pipeline: whatever text, bytes or manifest-shaped data it is fed,
``load_manifests`` returns CloneSets or raises ``ManifestError``, never anything else, and
never takes long (hypothesis deadline).

The default run is quick (200 examples a test); ``HYPOTHESIS_PROFILE=long`` runs 2,000.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)


def load_bytes(scratch: Path, data: bytes) -> tuple[CloneSet, ...] | ManifestError:
    path = scratch / "fuzz.yaml"
    path.write_bytes(data)
    try:
        return load_manifests([str(path)])
    except ManifestError as exc:
        assert exc.diagnostics, "a ManifestError always says what is wrong"
        for diagnostic in exc.diagnostics:
            assert diagnostic.message and "Traceback" not in diagnostic.message
            if diagnostic.position is not None:
                assert diagnostic.position.line >= 1 and diagnostic.position.column >= 1
        return exc


YAML_PIECES = st.sampled_from(
    [
        "a:", "cpu: ", "spec:", "apiVersion: reconciler/v1\n", "kind: CloneSet\n", "\n", " ",
        "  ", "\t", "- ", "[", "]", "{", "}", ",", ":", "?", "&a ", "*a", "&b ", "*b", "<<: ",
        "!!str ", "!!int ", "!x ", "---\n", "...\n", "'", '"', "#", "|", ">", "1", "-1", "0.5",
        ".nan", "~", "null", "yes", "name", "{app}", "metadata:\n  name: x\n", "\\", "%YAML 1.1\n",
        "\u00e9", "\x00", "\ufeff",
    ]
)  # fmt: skip


@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(scratch: Path, text: str) -> None:
    load_bytes(scratch, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(scratch: Path, data: bytes) -> None:
    load_bytes(scratch, data)


@FUZZ
@given(pieces=st.lists(YAML_PIECES, max_size=60))
def test_yaml_shaped_text(scratch: Path, pieces: list[str]) -> None:
    load_bytes(scratch, "".join(pieces).encode("utf-8", "surrogatepass"))


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["api", "{app}", "{env}", "preview-*", "[a]", "cpu", "ports[80].x", ""]),
)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the valid value (so that whole manifests often pass), sometimes anything."""
    return st.one_of(*[valid] * 8, ANY_VALUE)


OVERRIDES = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"cpu": st.integers(1, 4000), "memory": st.integers(1, 4000)}
    ),
    st.dictionaries(
        st.sampled_from(["cpu", "memory", "cpus", "git_repository", "ports", "name"]),
        ANY_VALUE,
        max_size=3,
    ),
)
TARGET = maybe(
    st.sampled_from(
        [
            {"environment": "qa"},
            {"project": "data", "environment": "qa"},
            {"environment": {"match": "preview-*"}},
            {"match": "p?"},
        ]
    )
) | st.fixed_dictionaries(
    {},
    optional={
        "project": maybe(st.sampled_from(["shop", "data"])),
        "environment": maybe(st.sampled_from(["x"]) | st.builds(lambda m: {"match": m}, SCALARS)),
        "match": maybe(st.sampled_from(["preview-*", "[x]", ""])),
    },
)
APPLICATION = maybe(st.sampled_from(["api", "web"])) | st.fixed_dictionaries(
    {"name": SCALARS, "overrides": OVERRIDES}
)
SOURCE = st.fixed_dictionaries(
    {
        "project": maybe(st.just("shop")),
        "environment": maybe(st.just("staging")),
        "applications": maybe(st.lists(APPLICATION, min_size=1, max_size=3, unique_by=str)),
    }
)
POLICY = st.fixed_dictionaries({}, optional={"prune": SCALARS, "on_drift": SCALARS})
SPEC = st.fixed_dictionaries(
    {
        "organization": maybe(st.just("Acme")),
        "source": maybe(SOURCE),
        "targets": maybe(st.lists(TARGET, min_size=1, max_size=3)),
    },
    optional={
        "name": maybe(st.sampled_from(["{app}", "{app}-{environment}", "x", "{a"])),
        "overrides": maybe(OVERRIDES),
        "ignore": maybe(st.lists(st.sampled_from(["cpu", "cpus", "ports[1]", "a..b"]))),
        "policy": maybe(POLICY),
    },
)
MANIFEST = st.fixed_dictionaries(
    {
        "apiVersion": maybe(st.just("reconciler/v1")),
        "kind": maybe(st.just("CloneSet")),
        "metadata": maybe(
            st.fixed_dictionaries({"name": maybe(st.sampled_from(["a", "b", "c", "X"]))})
        ),
        "spec": maybe(SPEC),
    }
)


@FUZZ
@given(documents=st.lists(MANIFEST | ANY_VALUE, min_size=1, max_size=3))
def test_manifest_shaped_data(scratch: Path, documents: list[Any]) -> None:
    text = yaml.safe_dump_all(documents, allow_unicode=True)
    outcome = load_bytes(scratch, text.encode("utf-8", "surrogatepass"))
    if isinstance(outcome, tuple):  # what passed validation is a well-formed CloneSet
        for cloneset in outcome:
            assert cloneset.applications and (cloneset.targets or cloneset.policy.prune)
