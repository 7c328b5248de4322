"""Keeps the docs, the CI examples, the container and cluster files true to the program.

What it checks: every command and flag of ``reconciler.cli.build_parser()`` is documented in
``docs/reference.md``; every ``reconciler ...`` invocation written in ``docs/``,
``examples/``, ``README.md``, ``.pre-commit-hooks.yaml`` and the ``Dockerfile`` parses with
that parser and names only existing flags; the YAML examples parse and say what matters
(CronJob ``Forbid``, token from a Secret, the three CI jobs); every CloneSet shown in the docs
passes ``reconciler validate`` and names only what the sandbox's demo seed holds; the image
runs the ``reconciler`` console script as a non-root user.

Neighbours: ``reconciler/cli.py`` (the flag surface), ``reconciler/commands/validate.py``,
``reconciler/sandbox/demo-seed.yaml``, ``schemas/``.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli import build_parser, main
from reconciler.core.errors import UsageError
from reconciler.rendering.streams import Streams

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
REFERENCE = DOCS / "reference.md"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
DOCKERFILE = ROOT / "Dockerfile"
README = ROOT / "README.md"
GITHUB_WORKFLOW = EXAMPLES / "ci" / "github-actions.yml"
GITLAB_CI = EXAMPLES / "ci" / "gitlab-ci.yml"
CRONJOB = EXAMPLES / "kubernetes" / "cronjob.yaml"
SECRET = EXAMPLES / "kubernetes" / "secret.example.yaml"
PER_DIRECTORY = EXAMPLES / "kubernetes" / "per-directory"
DEMO_SEED = ROOT / "reconciler" / "sandbox" / "demo-seed.yaml"

# A container image of the tool: ``.../reconciler:TAG``.
IMAGE = re.compile(r"^[\w.\-/]*\breconciler:[\w.\-]+$")
SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console", "yaml", "yml"}
# Tokens after which a word is in command position.
COMMAND_LEADERS = {"-", "run:", "script:", "entry:", "exec", "time", "then", "do", "else", "!"}
COMMAND_LEADERS |= {"-m", "$"}
PUNCTUATION = set("();<>|&")


# --- reading the parser --------------------------------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("build_parser() has no subcommands")


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {
        option
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
    }


# --- finding invocations -------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    where: str  # file:line
    argv: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    language: str
    body: str
    line: int  # of the block's first body line


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def fenced_blocks(text: str) -> Iterator[Block]:
    """The fenced code blocks of a markdown text, indented ones (in list items) included."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        indent, fence = opening["indent"], opening["fence"]
        first, body = index, []
        while index < len(lines) and not lines[index].strip().startswith(fence):
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        index += 1
        yield Block(opening["info"].strip().lower(), "\n".join(body) + "\n", first + 1)


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined, numbered from 1 by their first line."""
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes in prose: words are enough to find commands
        return line.split()


def _is_punctuation(token: str) -> bool:
    return bool(token) and set(token) <= PUNCTUATION


def _argv_after(words: list[str], start: int) -> tuple[str, ...]:
    argv = []
    for word in words[start:]:
        if _is_punctuation(word):
            break
        argv.append(word)
    return tuple(argv)


def invocations_in_text(text: str, where: str, first_line: int = 1) -> Iterator[Invocation]:
    """``reconciler ...`` in command position, and ``docker run ... IMAGE ARGS...``."""
    for number, line in logical_lines(text):
        words = tokens(line)
        for index, word in enumerate(words):
            previous = words[index - 1] if index else None
            commanding = (
                previous is None or previous in COMMAND_LEADERS or _is_punctuation(previous)
            )
            at = f"{where}:{first_line + number - 1}"
            if commanding and (word == "reconciler" or word.endswith("/reconciler")):
                yield Invocation(at, _argv_after(words, index + 1))
            elif IMAGE.match(word) and "run" in words[:index]:
                argv = _argv_after(words, index + 1)
                if argv:
                    yield Invocation(at, argv)


def invocations_in_markdown(path: Path) -> Iterator[Invocation]:
    for block in fenced_blocks(path.read_text(encoding="utf-8")):
        if block.language in SHELL_LANGUAGES:
            yield from invocations_in_text(block.body, _relative(path), block.line)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def invocations_in_containers(path: Path) -> Iterator[Invocation]:
    """Containers that run the reconciler image: their ``command`` (after it) + ``args``."""
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        for node in _walk(document):
            if not (isinstance(node.get("image"), str) and IMAGE.match(node["image"])):
                continue
            command = [str(word) for word in node.get("command") or []]
            if command and not command[0].endswith("reconciler"):
                continue
            argv = tuple(command[1:]) + tuple(str(word) for word in node.get("args") or [])
            yield Invocation(f"{_relative(path)} (container {node.get('name')})", argv)


def invocations_in_hooks(path: Path) -> Iterator[Invocation]:
    """pre-commit runs ``entry`` + ``args`` + the staged file names."""
    for hook in yaml.safe_load(path.read_text(encoding="utf-8")):
        entry = shlex.split(hook["entry"])
        assert entry[0] == "reconciler", f"hook {hook['id']} does not run reconciler"
        files = ["manifests/previews.yaml"] if hook.get("pass_filenames", True) else []
        argv = (*entry[1:], *(str(a) for a in hook.get("args", [])), *files)
        yield Invocation(f"{_relative(path)} (hook {hook['id']})", argv)


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, rest) of every instruction, continuation lines joined."""
    found = []
    for _, line in logical_lines(path.read_text(encoding="utf-8")):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def invocations_in_dockerfile(path: Path) -> Iterator[Invocation]:
    """The default CMD is the reconciler's argv (ENTRYPOINT is the console script)."""
    for keyword, rest in dockerfile_instructions(path):
        if keyword == "CMD":
            yield Invocation(f"{_relative(path)} (CMD)", tuple(json.loads(rest)))
        elif keyword == "RUN":
            yield from invocations_in_text(rest, f"{_relative(path)} (RUN)")


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def example_files(*suffixes: str) -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*") if p.is_file() and p.suffix in suffixes)


def all_invocations() -> list[Invocation]:
    found: list[Invocation] = []
    markdown = sorted(DOCS.rglob("*.md")) + example_files(".md")
    if README.exists():
        markdown.append(README)
    for path in markdown:
        found += invocations_in_markdown(path)
    for path in example_files(".yml", ".yaml"):
        found += invocations_in_text(path.read_text(encoding="utf-8"), _relative(path))
        found += invocations_in_containers(path)
    if HOOKS.exists():
        found += invocations_in_hooks(HOOKS)
    if DOCKERFILE.exists():
        found += invocations_in_dockerfile(DOCKERFILE)
    return found


def argv_problem(argv: tuple[str, ...]) -> str | None:
    """Why ``reconciler *argv`` is not a valid command line, or None when it is."""
    commands = subcommands()
    if not argv:
        return "no command"
    if argv == ("--version",):
        return None if "--version" in option_strings(build_parser()) else "no --version"
    if argv[0] not in commands:
        return f"unknown command {argv[0]!r}"
    known = option_strings(commands[argv[0]]) | {"-h", "--help"}
    for word in argv[1:]:
        if word == "--":
            break
        flag = word.split("=", 1)[0]
        if flag.startswith("-") and len(flag) > 1 and flag not in known:
            return f"{argv[0]} has no flag {flag!r} (abbreviations are not documentation)"
    if {"-h", "--help"} & set(argv):
        return None
    try:
        build_parser().parse_args(list(argv))
    except UsageError as exc:
        return str(exc)
    return None


INVOCATIONS = all_invocations()


# --- the reference names every command and flag --------------------------------------------


def test_reference_names_every_command_and_flag() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    missing = []
    for name, parser in subcommands().items():
        if f"reconciler {name}" not in text:
            missing.append(f"command {name}")
        for option in sorted(option_strings(parser)):
            if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
                missing.append(f"{name} {option}")
    assert not missing, f"docs/reference.md does not mention: {', '.join(missing)}"


def test_reference_names_every_environment_variable_and_exit_code() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    for variable in ("QOVERY_API_URL", "QOVERY_API_TOKEN", "QOVERY_TOKEN_TYPE", "NO_COLOR"):
        assert f"`{variable}`" in text, variable
    for code in ("0", "1", "2"):
        assert f"| `{code}` |" in text, f"exit code {code} has no row"
    assert ".reconciler/sandbox.json" in text


# --- every written invocation parses -------------------------------------------------------


def test_invocations_are_found_in_every_kind_of_file() -> None:
    sources = {invocation.where.split(":")[0].split(" (")[0] for invocation in INVOCATIONS}
    expected = {
        "docs/reference.md",
        "docs/workflow.md",
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
        "examples/kubernetes/cronjob.yaml",
        "examples/kubernetes/per-directory/base/cronjob.yaml",
        ".pre-commit-hooks.yaml",
        "Dockerfile",
    }
    assert expected <= sources, f"no invocation found in {sorted(expected - sources)}"
    assert len(INVOCATIONS) >= 30


@pytest.mark.parametrize("invocation", INVOCATIONS, ids=lambda i: f"{i.where} {' '.join(i.argv)}")
def test_written_invocation_parses(invocation: Invocation) -> None:
    problem = argv_problem(invocation.argv)
    assert problem is None, f"{invocation.where}: reconciler {' '.join(invocation.argv)}: {problem}"


def test_extraction_finds_commands_in_shell_and_yaml_and_rejects_bad_flags() -> None:
    text = (
        "status=0\n"
        'python -m venv v && reconciler plan m/ --out "p.json" > plan.txt || status=$?\n'
        "  - reconciler drift m/ \\\n      --markdown\n"
        "# reconciler ignored in a comment\n"
        "echo reconciler apply\n"
        "docker run --rm -v x:/m acme/reconciler:1.0 validate /m\n"
    )
    found = [i.argv for i in invocations_in_text(text, "t")]
    assert found == [
        ("plan", "m/", "--out", "p.json"),
        ("drift", "m/", "--markdown"),
        ("validate", "/m"),
    ]
    assert argv_problem(("plan", "m/", "--bogus")) is not None
    assert argv_problem(("plan", "m/", "--detailed")) is not None  # an abbreviation
    assert argv_problem(("plant", "m/")) is not None
    assert argv_problem(("drift", "m/", "--json", "--markdown")) is not None
    assert argv_problem(("plan", "m/", "--detailed-exitcode")) is None


# --- the YAML examples -------------------------------------------------------------------


def load_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.mark.parametrize(
    "path", [*example_files(".yml", ".yaml"), HOOKS], ids=lambda p: _relative(p)
)
def test_yaml_file_parses(path: Path) -> None:
    assert load_all(path), f"{_relative(path)} holds no YAML document"


def _cronjobs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in load_all(path) if doc.get("kind") == "CronJob"]


def _pod(cronjob: dict[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def _reconciler_container(pod: dict[str, Any]) -> dict[str, Any]:
    (container,) = [c for c in pod["containers"] if IMAGE.match(c["image"])]
    return container


@pytest.mark.parametrize("path", [CRONJOB, PER_DIRECTORY / "base" / "cronjob.yaml"])
def test_cronjob_never_overlaps_and_takes_the_token_from_a_secret(path: Path) -> None:
    (cronjob,) = _cronjobs(path)
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    pod = _pod(cronjob)
    container = _reconciler_container(pod)
    (token,) = [e for e in container["env"] if e["name"] == "QOVERY_API_TOKEN"]
    assert "value" not in token
    reference = token["valueFrom"]["secretKeyRef"]
    assert reference == {"name": "qovery-api-token", "key": "QOVERY_API_TOKEN"}
    assert container["args"][0] == "reconcile"
    assert set(container["resources"]) == {"requests", "limits"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert tmp and "emptyDir" in volumes[tmp[0]["name"]]


def test_example_secret_is_the_one_the_cronjob_reads() -> None:
    (secret,) = load_all(SECRET)
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == "qovery-api-token"
    assert set(secret["stringData"]) == {"QOVERY_API_TOKEN"}


def test_per_directory_reconciles_one_directory_per_team() -> None:
    root = load_all(PER_DIRECTORY / "kustomization.yaml")[0]
    teams = [PER_DIRECTORY / entry for entry in root["resources"]]
    assert len(teams) >= 2
    directories = set()
    for team in teams:
        (kustomization,) = load_all(team / "kustomization.yaml")
        assert kustomization["nameSuffix"]
        patch = yaml.safe_load(kustomization["patches"][0]["patch"])
        (args,) = [op for op in patch if op["path"].endswith("/containers/0/args/1")]
        directories.add(args["value"])
    assert len(directories) == len(teams)


def test_github_workflow_plans_applies_and_checks_drift() -> None:
    (workflow,) = load_all(GITHUB_WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    jobs = workflow["jobs"]
    assert {"plan", "apply", "drift"} <= set(jobs)
    assert jobs["apply"]["concurrency"]["cancel-in-progress"] is False
    steps = [step for job in jobs.values() for step in job["steps"]]
    tokens_used = {
        s["env"]["QOVERY_API_TOKEN"] for s in steps if "QOVERY_API_TOKEN" in s.get("env", {})
    }
    assert tokens_used == {"${{ secrets.QOVERY_API_TOKEN }}"}
    uploads = [s for s in jobs["drift"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["if"] == "always()"
    assert "--detailed-exitcode" in " ".join(s.get("run", "") for s in jobs["plan"]["steps"])


def test_gitlab_ci_plans_applies_and_checks_drift() -> None:
    (pipeline,) = load_all(GITLAB_CI)
    assert {"plan", "apply", "drift"} <= set(pipeline)
    assert pipeline["apply"]["resource_group"]
    assert pipeline["drift"]["artifacts"]["paths"] == ["drift.json"]
    assert "schedule" in pipeline["drift"]["rules"][0]["if"]


def test_pre_commit_hook_validates_manifest_files() -> None:
    (hook,) = load_all(HOOKS)[0]
    assert hook["id"] == "reconciler-validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    assert files.search("manifests/previews.yaml")
    assert files.search("manifests/shop/qa.yml")
    assert not files.search("docs/reference.md")
    assert not files.search("examples/ci/gitlab-ci.yml")


# --- every CloneSet in the docs is valid -------------------------------------------------


@dataclass(frozen=True)
class Example:
    where: str
    text: str


def cloneset_examples() -> list[Example]:
    found = []
    for path in sorted(DOCS.rglob("*.md")) + example_files(".md"):
        for block in fenced_blocks(path.read_text(encoding="utf-8")):
            if block.language in {"yaml", "yml"} and re.search(
                r"^kind: CloneSet", block.body, re.M
            ):
                found.append(Example(f"{_relative(path)}:{block.line}", block.body))
    for path in example_files(".yml", ".yaml"):
        for document in load_all(path):
            for key, value in (document.get("data") or {}).items():
                if isinstance(value, str) and "kind: CloneSet" in value:
                    found.append(Example(f"{_relative(path)} ({key})", value))
    return found


CLONESETS = cloneset_examples()


def test_clonesets_are_found() -> None:
    where = {example.where.split(":")[0].split(" (")[0] for example in CLONESETS}
    assert {"docs/reference.md", "docs/workflow.md", "docs/editors.md"} <= where
    assert "examples/kubernetes/cronjob.yaml" in where


@pytest.mark.parametrize("example", CLONESETS, ids=lambda e: e.where)
def test_cloneset_example_validates(example: Example, tmp_path: Path) -> None:
    manifest = tmp_path / "example.yaml"
    manifest.write_text(example.text, encoding="utf-8")
    streams = Streams(out=io.StringIO(), err=io.StringIO())
    code = main(["validate", str(manifest)], streams=streams)
    assert code == 0, f"{example.where}: {streams.err.getvalue()}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("example", CLONESETS, ids=lambda e: e.where)
def test_cloneset_example_plans_against_the_demo_sandbox(
    example: Example, sandbox_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every name resolves in the demo organization and nothing conflicts: plan exits 0."""
    for name, value in sandbox_env.items():
        monkeypatch.setenv(name, value)
    manifest = tmp_path / "example.yaml"
    manifest.write_text(example.text, encoding="utf-8")
    streams = Streams(out=io.StringIO(), err=io.StringIO())
    code = main(["plan", str(manifest)], streams=streams)
    assert code == 0, f"{example.where}: {streams.err.getvalue()}"  # type: ignore[attr-defined]


def test_validate_rejects_a_broken_example(tmp_path: Path) -> None:
    """The check above can fail: the first example, with a wrong apiVersion, does not pass."""
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(CLONESETS[0].text.replace("reconciler/v1", "reconciler/v9"), "utf-8")
    streams = Streams(out=io.StringIO(), err=io.StringIO())
    assert main(["validate", str(manifest)], streams=streams) == 1


def _named(entries: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((e for e in entries if e["name"].lower() == str(name).lower()), None)


def seed_problems(document: dict[str, Any], seed: dict[str, Any]) -> list[str]:
    """Names in a CloneSet that the demo seed does not hold (so that --sandbox runs it)."""
    spec = document["spec"]
    organization = _named(seed["organizations"], spec["organization"])
    if organization is None:
        return [f"no organization {spec['organization']}"]
    projects = organization.get("projects", [])
    source = spec["source"]
    project = _named(projects, source["project"])
    environment = (
        _named(project.get("environments", []), source["environment"]) if project else None
    )
    if environment is None:
        return [f"no source environment {source['project']}/{source['environment']}"]
    problems = []
    apps = environment.get("applications", [])
    for app in source["applications"]:
        name = app if isinstance(app, str) else app["name"]
        if _named(apps, name) is None:
            problems.append(f"no application {name} in {source['environment']}")
    for target in spec["targets"]:
        target_project = _named(projects, target.get("project", source["project"]))
        environments = target_project.get("environments", []) if target_project else []
        wanted = target["environment"]
        if isinstance(wanted, dict):
            pattern = wanted["match"].lower()
            if not any(fnmatch.fnmatchcase(e["name"].lower(), pattern) for e in environments):
                problems.append(f"selector {pattern} matches nothing")
        elif _named(environments, wanted) is None:
            problems.append(f"no target environment {wanted}")
    return problems


@pytest.mark.parametrize("example", CLONESETS, ids=lambda e: e.where)
def test_cloneset_example_names_what_the_demo_seed_holds(example: Example) -> None:
    seed = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))
    for document in yaml.safe_load_all(example.text):
        assert document["apiVersion"] == "reconciler/v1"
        assert not seed_problems(document, seed), example.where


def _configmap_volume(root: Path, manifest: str) -> Path:
    """A directory as the kubelet mounts a ConfigMap: files are symlinks into ``..data``."""
    (root / "..2026_01_01").mkdir(parents=True)
    (root / "..2026_01_01" / "previews.yaml").write_text(manifest, encoding="utf-8")
    (root / "..data").symlink_to("..2026_01_01")
    (root / "previews.yaml").symlink_to("..data/previews.yaml")
    return root


def _git_sync_checkout(root: Path, manifest: str) -> Path:
    """A checkout as git-sync leaves it: ``repo`` links to a hidden worktree."""
    directory = root / ".worktrees" / "0a1b2c" / "manifests" / "shop"
    directory.mkdir(parents=True)
    (directory / "previews.yaml").write_text(manifest, encoding="utf-8")
    (root / "repo").symlink_to(".worktrees/0a1b2c")
    return root / "repo" / "manifests" / "shop"


@pytest.mark.parametrize("layout", [_configmap_volume, _git_sync_checkout])
def test_kubernetes_volume_layouts_are_read_once(layout: Any, tmp_path: Path) -> None:
    """The CronJobs' manifest directories: each manifest read once, hidden links skipped."""
    (configmap,) = [d for d in load_all(CRONJOB) if d["kind"] == "ConfigMap"]
    path = layout(tmp_path / "volume", configmap["data"]["previews.yaml"])
    streams = Streams(out=io.StringIO(), err=io.StringIO())
    code = main(["validate", str(path)], streams=streams)
    assert code == 0, streams.err.getvalue()  # type: ignore[attr-defined]
    assert streams.out.getvalue().startswith("1 manifest valid")  # type: ignore[attr-defined]


# --- schema ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "doc"),
    [("cloneset.schema.json", "editors.md"), ("plan.schema.json", "reference.md")],
)
def test_documented_schema_id_is_the_schemas_own(schema: str, doc: str) -> None:
    path = ROOT / "schemas" / schema
    if not path.exists():
        pytest.skip(f"schemas/{schema} is not written yet (another engineer's file)")
    schema_id = json.loads(path.read_text(encoding="utf-8"))["$id"]
    assert schema_id in (DOCS / doc).read_text(encoding="utf-8")


# --- the container image -----------------------------------------------------------------


def test_image_runs_the_console_script_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions(DOCKERFILE)
    final_stage = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM") :]
    assert final_stage[0][1].startswith("python:3.11-slim")
    (entrypoint,) = [json.loads(rest) for keyword, rest in final_stage if keyword == "ENTRYPOINT"]
    assert entrypoint == ["reconciler"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert scripts["scripts"]["reconciler"] == "reconciler.cli:main"
    users = [rest for keyword, rest in final_stage if keyword == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    installs = [
        r for k, r in instructions if k == "RUN" and re.search(r"pip install[^&;]* \.(\s|$)", r)
    ]
    assert installs, "the image does not `pip install .` the build context"


def test_image_holds_no_secret_and_its_context_no_local_state() -> None:
    for keyword, rest in dockerfile_instructions(DOCKERFILE):
        if keyword in {"ENV", "ARG"}:
            assert "TOKEN" not in rest.upper(), f"{keyword} {rest}"
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", ".reconciler", ".env"} <= ignored
    needed_by_pip = {"pyproject.toml", "README.md", "reconciler", "schemas"}
    assert not needed_by_pip & ignored
