"""Start-up: a command imports what it uses, and only that (issue 15, "fast at any size").

Each case runs the CLI in a fresh interpreter and lists which heavy modules it imported.
``--version`` and a usage error need the flags alone: no renderer, no plan type, no YAML,
no JSON Schema, no HTTP (not even ``http.client`` or ``ssl``). ``validate`` is offline: YAML
and the schema, never the HTTP client, the metrics or the sandbox. ``apply`` talks HTTP to
the API through ``http.client``, never httpx (the webhooks' client), and loads neither the
metrics and the status server of ``reconcile --listen`` nor rich. What a module costs is
measured by ``bench/startup.py``; what is imported is deterministic, so it is what these
tests hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers_manifests import demo_manifest, write_manifest

PROBE = """
import json, sys
from reconciler.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:  # argparse's --version
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HEAVY = (
    "httpx",
    "jsonschema",
    "yaml",
    "rich",
    "prometheus_client",
    "orjson",
    "http.server",
    "reconciler.sandbox",
    "reconciler.rendering.views",
    "reconciler.core.plans",
    "reconciler.edges.client",
)


def imported(*argv: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    """The exit code of ``reconciler argv`` in a fresh interpreter, and the modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=cwd,
    )
    said = json.loads(done.stdout.splitlines()[-1])
    return said["code"], set(said["modules"])


def loaded(modules: set[str], *names: str) -> list[str]:
    """Which of ``names`` (or a submodule of one) is among ``modules``."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_version_imports_no_renderer_no_schema_no_http() -> None:
    code, modules = imported("--version")
    assert code == 0
    assert loaded(modules, *HEAVY, "logging", "traceback", "reconciler.edges") == []
    assert loaded(modules, "http.client", "ssl", "certifi", "urllib.request") == []
    assert loaded(modules, "reconciler.commands") == [
        "reconciler.commands",
        "reconciler.commands.arguments",
        "reconciler.commands.signals",
    ]


def test_a_usage_error_imports_no_command() -> None:
    code, modules = imported("plan")  # PATH is missing
    assert code == 1
    assert loaded(modules, *HEAVY) == []
    assert "reconciler.commands.plan" not in modules


def test_validate_reads_yaml_and_the_schema_but_never_the_client(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    code, modules = imported("validate", manifest)
    assert code == 0
    assert loaded(modules, "yaml", "jsonschema") != []  # the probe sees what is imported
    assert loaded(modules, "httpx", "prometheus_client", "rich", "http.server") == []
    assert loaded(modules, "reconciler.edges.client", "reconciler.sandbox") == []


def test_apply_imports_no_metrics_no_status_server_no_httpx(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    code, modules = imported("apply", manifest, "--sandbox", "--auto-approve", cwd=tmp_path)
    assert code == 0
    assert "reconciler.edges.executing" in modules  # it did apply
    assert "reconciler.edges.http_pool" in modules  # over http.client
    assert loaded(modules, "httpx", "httpcore", "prometheus_client", "rich") == []
    assert loaded(modules, "certifi", "urllib.request") == []  # http://: no TLS, no proxy
    serving = ("reconciler.edges.metrics", "reconciler.edges.serving")
    assert loaded(modules, *serving, "reconciler.rendering.status_page") == []


def test_reconcile_loads_the_metrics_only_when_listening_or_writing_them(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    code, modules = imported("reconcile", manifest, "--sandbox", cwd=tmp_path)
    assert code == 0
    serving = ("reconciler.edges.metrics", "reconciler.edges.serving")
    assert loaded(modules, "prometheus_client", *serving) == []
    textfile = str(tmp_path / "reconciler.prom")
    code, modules = imported(
        "reconcile", manifest, "--sandbox", "--metrics-file", textfile, cwd=tmp_path
    )
    assert code == 0
    assert "reconciler.edges.metrics" in modules
    assert "reconciler_rounds_total" in Path(textfile).read_text()
