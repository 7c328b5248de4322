"""The shipped examples in ``manifests/``: valid, valid against the schema as editors see it,
and resolvable against the sandbox's demo seed (over a real socket)."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from reconciler.cli import main
from reconciler.edges.client import QoveryClient
from reconciler.edges.validating import load_manifests, manifest_schema
from reconciler.pipeline import observe
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox

REPO = Path(__file__).parents[2]
EXAMPLES = sorted((REPO / "manifests").rglob("*.y*ml"))


def test_there_are_examples_and_each_points_editors_at_the_schema() -> None:
    assert {p.name for p in EXAMPLES} >= {"previews.yaml", "qa.yaml"}
    for example in EXAMPLES:
        first = example.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/cloneset.schema.json"
        assert (example.parent / "../schemas/cloneset.schema.json").resolve().is_file()


def test_validate_accepts_the_examples() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(REPO / "manifests")], streams=Streams(out=out, err=err))
    assert (code, out.getvalue(), err.getvalue()) == (0, "2 manifests valid\n", "")


def test_every_example_validates_against_the_schema_itself() -> None:
    validator = Draft202012Validator(manifest_schema())
    for example in EXAMPLES:
        for document in yaml.safe_load_all(example.read_text()):
            assert list(validator.iter_errors(document)) == [], example


def test_the_examples_resolve_against_the_demo_seed(sandbox: RunningSandbox) -> None:
    clonesets = load_manifests([str(REPO / "manifests")])
    with QoveryClient(sandbox.url, sandbox.authorization) as client:
        observation = observe(client, clonesets)
    desired = observation.desired
    assert [c.address for c in desired.clones] == [
        "previews.api[shop/preview-101]",
        "previews.api[shop/preview-102]",
        "previews.api[shop/preview-103]",
        "previews.web[shop/preview-101]",
        "previews.web[shop/preview-102]",
        "previews.web[shop/preview-103]",
        "qa.api[data/qa]",
        "qa.worker[data/qa]",
    ]
    web = next(c for c in desired.clones if c.address == "previews.web[shop/preview-101]")
    assert web.overrides == {
        "cpu": 250,
        "memory": 256,
        "min_running_instances": 1,
        "auto_preview": False,
        "auto_deploy": False,
    }
    qa_api = next(c for c in desired.clones if c.manifest == "qa")
    assert qa_api.overrides["git_repository"] == {"branch": "develop"}
    assert desired.notes == ()
