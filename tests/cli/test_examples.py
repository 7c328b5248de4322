"""The shipped examples: the manifests in ``manifests/`` (valid, valid against the schema as
editors see it, resolvable against the sandbox's demo seed over a real socket), and the CI
examples in ``examples/ci/``: valid bash, one plan comment posted and then updated in place
(run against a local fake of GitHub's and GitLab's comment APIs), a step summary written
even when apply fails, and a schedule that applies what the sources changed before it checks
for drift."""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

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
    assert web.overrides == {
        "cpu": 250,
        "memory": 256,
        "min_running_instances": 1,
        "auto_preview": False,
        "auto_deploy": False,
    }
    kinds = {c.source_app_name: c.kind for c in desired.clones}
    assert (kinds["frontend"], kinds["db-seed"], kinds["api"]) == (
        "container",
        "job",
        "application",
    )
    seed = next(c for c in desired.clones if c.source_app_name == "db-seed")
    assert seed.overrides == {
        "cpu": 250,
        "memory": 256,
        "max_duration_seconds": 300,
        "auto_preview": False,
        "auto_deploy": False,
    }
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


# ── the CI examples (examples/ci): one comment updated in place, a summary even on failure ──

CI = REPO / "examples" / "ci"
MARKER = "<!-- reconciler:plan -->"


def _github() -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load((CI / "github-actions.yml").read_text())
    return workflow


def _gitlab() -> dict[str, Any]:
    pipeline: dict[str, Any] = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    return pipeline


def _step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in _github()["jobs"][job]["steps"] if s.get("name") == name)


def _shell_scripts() -> list[str]:
    scripts = [s["run"] for j in _github()["jobs"].values() for s in j["steps"] if "run" in s]
    for job in _gitlab().values():
        if isinstance(job, dict) and "script" in job:
            scripts.append("\n".join(job["script"]))
    return scripts


def test_every_script_of_the_ci_examples_is_valid_bash() -> None:
    scripts = _shell_scripts()
    assert len(scripts) >= 12
    for script in scripts:
        checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
        assert checked.returncode == 0, (script, checked.stderr)


class _Comments:
    """A fake of the one API a comment script calls: list, create and edit comments."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = [{"id": 1, "body": "LGTM"}]  # someone else's
        self.calls: list[tuple[str, str]] = []

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, value: Any, status: int = 200) -> None:
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> Any:
                return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

            def do_GET(self) -> None:
                fake.calls.append(("GET", self.path))
                self._answer(fake.items)

            def do_POST(self) -> None:
                fake.calls.append(("POST", self.path))
                item = {"id": len(fake.items) + 1, "body": self._body()["body"]}
                fake.items.append(item)
                self._answer(item, 201)

            def _update(self) -> None:
                fake.calls.append((self.command, self.path))
                wanted = int(self.path.rsplit("/", 1)[1])
                item = next(i for i in fake.items if i["id"] == wanted)
                item["body"] = self._body()["body"]
                self._answer(item)

            do_PATCH = do_PUT = _update

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd)}
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=base | env,
        text=True,
        capture_output=True,
        timeout=60,
    )


def _post_twice(script: str, tmp_path: Path, env_at: Callable[[str], dict[str, str]]) -> _Comments:
    """Run a comment script twice (two pushes) against a fresh fake of the comments API,
    whose URL ``env_at`` turns into the script's environment."""
    fake = _Comments()
    server, url = fake.serve()
    try:
        for version in ("first", "second"):
            (tmp_path / "plan.md").write_text(f"{MARKER}\n## Reconciler plan\n\n{version}\n")
            done = _run(script, tmp_path, env_at(url))
            assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
        server.server_close()
    # someone else's comment is left alone; ours is made once, then edited
    assert [i["body"] for i in fake.items] == ["LGTM", f"{MARKER}\n## Reconciler plan\n\nsecond\n"]
    return fake


def test_the_github_example_posts_one_plan_comment_then_updates_it_in_place(
    tmp_path: Path,
) -> None:
    script = _step("plan", "Post the plan (one comment per pull request, updated in place)")["run"]
    fake = _post_twice(
        script,
        tmp_path,
        lambda url: {
            "GITHUB_API_URL": url,
            "GITHUB_REPOSITORY": "acme/gitops",
            "GITHUB_TOKEN": "t",
            "PULL_REQUEST": "7",
        },
    )
    assert [c[0] for c in fake.calls] == ["GET", "POST", "GET", "PATCH"]
    assert fake.calls[-1][1] == "/repos/acme/gitops/issues/comments/2"


def test_the_gitlab_example_posts_one_plan_note_then_updates_it_in_place(tmp_path: Path) -> None:
    script = "\n".join(_gitlab()["plan"]["script"][5:6])  # the note
    fake = _post_twice(
        script,
        tmp_path,
        lambda url: {
            "CI_API_V4_URL": f"{url}/api/v4",
            "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": "7",
            "GITLAB_NOTES_TOKEN": "t",
        },
    )
    assert [c[0] for c in fake.calls] == ["GET", "POST", "GET", "PUT"]
    assert fake.calls[-1][1] == "/api/v4/projects/42/merge_requests/7/notes/2"


def _fake_reconciler(tmp_path: Path, out: str, err: str, code: int) -> dict[str, str]:
    """A ``reconciler`` on PATH that prints ``out`` and ``err`` and exits ``code``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "reconciler"
    fake.write_text(f"#!/bin/sh\nprintf '%s' '{out}'\nprintf '%s\\n' '{err}' >&2\nexit {code}\n")
    fake.chmod(0o755)
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
    }


def test_a_failed_apply_on_github_still_writes_the_summary_with_the_error(
    tmp_path: Path,
) -> None:
    env = _fake_reconciler(tmp_path, "Apply ended: 0 created, 1 failed", "error: quota", 1)
    for job, step in (("apply", "Apply"), ("drift", "Apply what the sources changed")):
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", _step(job, step)["run"]],
            cwd=tmp_path,
            env=env,
            text=True,
            capture_output=True,
        )
        assert done.returncode == 1 and "error: quota" in done.stderr
        summary = (tmp_path / "summary.md").read_text()
        assert "**Apply failed (exit 1).**" in summary and "error: quota" in summary
        (tmp_path / "summary.md").unlink()


def test_a_plan_that_fails_before_it_is_made_still_gets_a_comment_saying_why(
    tmp_path: Path,
) -> None:
    env = _fake_reconciler(tmp_path, "", "error: unknown environment stagin", 1)
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", _step("plan", "Plan")["run"]],
        cwd=tmp_path,
        env=env,
        text=True,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr  # the last step fails the job, after the comment
    comment = (tmp_path / "plan.md").read_text()
    assert comment.startswith(MARKER) and "unknown environment stagin" in comment
    assert (tmp_path / "output").read_text() == "status=1\n"
    assert _step("plan", "Fail on a plan error")["if"] == "steps.plan.outputs.status == '1'"


def test_the_scheduled_jobs_apply_source_changes_before_checking_drift() -> None:
    steps = [s.get("name") for s in _github()["jobs"]["drift"]["steps"]]
    assert steps.index("Apply what the sources changed") < steps.index("Drift check")
    assert _github()["jobs"]["drift"]["concurrency"]["group"] == "qovery-apply"
    script = _gitlab()["drift"]["script"]
    assert script[0] == "reconciler apply manifests/ --auto-approve"
    assert any("reconciler drift" in line for line in script[1:])
