"""The shipped examples in ``manifests/``: valid, valid against the schema as editors see it,
and resolvable against the sandbox's demo seed (over a real socket)."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from reconciler.cli import build_parser, main
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
        "previews.db-seed[shop/preview-101]",
        "previews.db-seed[shop/preview-102]",
        "previews.db-seed[shop/preview-103]",
        "previews.frontend[shop/preview-101]",
        "previews.frontend[shop/preview-102]",
        "previews.frontend[shop/preview-103]",
        "previews.web[shop/preview-101]",
        "previews.web[shop/preview-102]",
        "previews.web[shop/preview-103]",
        "qa.api[data/qa]",
        "qa.worker[data/qa]",
    ]
    web = next(c for c in desired.clones if c.address == "previews.web[shop/preview-101]")
    assert web.overrides == {"cpu": 250, "memory": 256, "min_running_instances": 1}
    kinds = {c.source_app_name: c.kind for c in desired.clones}
    assert (kinds["frontend"], kinds["db-seed"], kinds["api"]) == (
        "container",
        "job",
        "application",
    )
    seed = next(c for c in desired.clones if c.source_app_name == "db-seed")
    assert seed.overrides == {"cpu": 250, "memory": 256, "max_duration_seconds": 300}
    qa_api = next(c for c in desired.clones if c.manifest == "qa")
    assert qa_api.overrides["git_repository"] == {"branch": "develop"}
    assert desired.notes == ()


# ── the Kubernetes Deployment: the loop with --listen ─────────────────────────────────────

KUBERNETES = REPO / "examples" / "kubernetes"


def test_the_deployment_runs_one_listening_loop_probed_on_healthz_and_scraped() -> None:
    (deployment,) = [
        d for d in yaml.safe_load_all((KUBERNETES / "deployment.yaml").read_text()) if d
    ]
    assert deployment["kind"] == "Deployment"
    spec = deployment["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"  # one loop only
    template = spec["template"]
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    (container,) = template["spec"]["containers"]
    args = container["args"]
    port = int(annotations["prometheus.io/port"])
    assert args[:2] == ["reconcile", "/manifests"]
    assert args[args.index("--listen") + 1] == f"0.0.0.0:{port}"
    assert float(args[args.index("--interval") + 1]) > 0
    assert annotations["prometheus.io/path"] == "/metrics"
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    # the same manifests and token as the CronJob beside it
    cronjob_docs = list(yaml.safe_load_all((KUBERNETES / "cronjob.yaml").read_text()))
    (cronjob,) = [d for d in cronjob_docs if d and d["kind"] == "CronJob"]
    job_pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert template["spec"]["volumes"] == job_pod["volumes"]
    assert container["env"] == job_pod["containers"][0]["env"]
    # and the arguments are ones the CLI accepts
    err = io.StringIO()
    parsed = build_parser().parse_args(args)
    assert (parsed.listen, parsed.interval, err.getvalue()) == (f"0.0.0.0:{port}", 300.0, "")
