"""Validating: documents → CloneSets with defaults and positions, or human diagnostics; the
schema itself (valid, documented everywhere, faithful to the spec's ApplicationEditRequest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest
from helpers_spec import SPEC_PATH, qovery_spec
from jsonschema import Draft202012Validator

from reconciler.core.errors import ManifestError, Position
from reconciler.core.kinds import APPLICATION, KINDS
from reconciler.core.model import Deploy, OnDrift, Policy, SourceApplication, TargetSelector
from reconciler.core.normalising import COMPARED_FIELDS
from reconciler.edges.validating import ignore_path_problem, load_manifests, manifest_schema

MINIMAL_TARGETS = (
    "environment: preview-101",
    'project: data\nenvironment: {match: "qa*"}',
    'match: "pr-?"',
)
MINIMAL_APPLICATIONS = ("api", "name: web\noverrides: {cpu: 100}")
MINIMAL = demo_manifest(
    applications=MINIMAL_APPLICATIONS,
    targets=MINIMAL_TARGETS,
    overrides=None,
)


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    return write_manifest(tmp_path, text, name)


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ManifestError) as caught:
        load_manifests([path])
    return [
        f"{d.position.line}: {d.message}" if d.position else d.message
        for d in caught.value.diagnostics
    ]


def test_a_minimal_manifest_gets_the_contract_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    (cloneset,) = load_manifests([path])
    assert cloneset.name == "previews"
    assert (cloneset.organization, cloneset.source_project, cloneset.source_environment) == (
        "Acme",
        "shop",
        "staging",
    )
    assert cloneset.name_template == "{app}"
    assert cloneset.overrides == {} and cloneset.ignore == ()
    assert cloneset.policy == Policy(follow_source=True, on_drift=OnDrift.REPORT)
    assert cloneset.applications == (
        SourceApplication("api", {}, Position(path, 11, 9)),
        SourceApplication("web", {"cpu": 100}, Position(path, 12, 15)),
    )
    assert cloneset.targets == (
        TargetSelector(None, "preview-101", None, Position(path, 15, 7)),
        TargetSelector("data", None, "qa*", Position(path, 16, 7)),
        TargetSelector(None, None, "pr-?", Position(path, 18, 7)),
    )
    assert cloneset.position == Position(path, 1, 1)
    assert cloneset.positions["metadata.name"] == Position(path, 4, 9)
    assert cloneset.positions["spec.organization"] == Position(path, 6, 17)
    assert cloneset.positions["spec.source.project"] == Position(path, 8, 14)
    assert cloneset.positions["spec.source.environment"] == Position(path, 9, 18)
    assert cloneset.positions["spec.targets[1].environment.match"] == Position(path, 17, 28)


def test_every_field_of_the_format_is_read(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
  name: "{app}-{environment}"
  overrides:
    git_repository: {branch: develop}
    ports: [{internal_port: 8080, publicly_accessible: false}]
  ignore: [max_running_instances, "ports[8080].external_port", "storage[/mnt/data.v1].size"]
  policy: {follow_source: false, on_drift: correct, prune: true, adopt: true, deploy: true}
"""
    )
    (cloneset,) = load_manifests([write(tmp_path, text)])
    assert cloneset.name_template == "{app}-{environment}"
    assert cloneset.overrides["git_repository"] == {"branch": "develop"}
    assert cloneset.ignore[1] == "ports[8080].external_port"
    assert cloneset.policy == Policy(False, OnDrift.CORRECT, True, True, Deploy.ON_CREATE)


def test_manifests_come_back_in_file_order_across_documents(tmp_path: Path) -> None:
    second = MINIMAL.replace("name: previews", "name: other")
    write(tmp_path, second, "b.yaml")
    write(tmp_path, MINIMAL + "---\n" + MINIMAL.replace("name: previews", "name: third"), "a.yaml")
    names = [c.name for c in load_manifests([str(tmp_path)])]
    assert names == ["previews", "third", "other"]


def test_every_problem_of_every_file_is_collected(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL.replace("organization: Acme", "organisation: Acme"), "a.yaml")
    write(tmp_path, MINIMAL.replace("name: previews", "name: b").replace("- api", "- 7"), "b.yaml")
    with pytest.raises(ManifestError) as caught:
        load_manifests([str(tmp_path)])
    text = str(caught.value)
    assert "a.yaml:6:3: unknown key 'organisation' — did you mean 'organization'?" in text
    assert "a.yaml:5:1: missing required key 'spec.organization'" in text
    assert "b.yaml:11:9: spec.source.applications[0] must be text or a mapping, got 7" in text


def test_duplicate_manifest_names_name_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, MINIMAL, "a.yaml")
    write(tmp_path, MINIMAL, "b.yaml")
    with pytest.raises(ManifestError) as caught:
        load_manifests([str(tmp_path)])
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.position == Position(str(tmp_path / "b.yaml"), 4, 9)
    assert diagnostic.message == f"manifest name 'previews' is already used at {first}:4:9"


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{app}-{env}", "unknown placeholder '{env}'"),
        ("{app}}", "unbalanced braces"),
        ("{{app}}", "unbalanced braces"),
        ("{project}", "put {app} in it"),
        ("{app}\t", "starts or ends with a space"),
    ],
)
def test_bad_name_templates(tmp_path: Path, template: str, fragment: str) -> None:
    found = problems(tmp_path, MINIMAL + f"  name: {template!r}\n".replace("'", '"'))
    assert len(found) == 1 and found[0].startswith("19: ") and fragment in found[0], found


def test_a_template_without_app_is_fine_for_one_application(tmp_path: Path) -> None:
    text = demo_manifest(
        applications=("api",),
        targets=MINIMAL_TARGETS,
        template="copy-{environment}",
        overrides=None,
    )
    (cloneset,) = load_manifests([write(tmp_path, text)])
    assert cloneset.name_template == "copy-{environment}"


def test_empty_targets_are_allowed_only_to_prune(tmp_path: Path) -> None:
    untargeted = demo_manifest(applications=MINIMAL_APPLICATIONS, targets=(), overrides=None)
    assert problems(tmp_path, untargeted) == [
        "14: spec.targets is empty: add a target, or set policy.prune: true to retire every "
        "clone of this manifest"
    ]
    retiring = demo_manifest(
        applications=MINIMAL_APPLICATIONS, targets=(), overrides=None, policy="{prune: true}"
    )
    (cloneset,) = load_manifests([write(tmp_path, retiring)])
    assert cloneset.targets == () and cloneset.policy.prune


@pytest.mark.parametrize(
    "path",
    [
        "cpu",
        "git_repository.branch",
        "ports[8080]",
        "ports[8080].publicly_accessible",
        "storage[/mnt/data].size",
        "healthchecks.liveness_probe.type.http.path",
        "autoscaling.scalers",
        "arguments",
    ],
)
def test_ignore_paths_that_name_compared_fields(path: str) -> None:
    assert ignore_path_problem(path) is None


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("name", "no 'name'"),
        ("id", "no 'id'"),
        ("git_repository.deployed_commit_id", "no 'deployed_commit_id' under 'git_repository'"),
        ("memroy", "did you mean 'memory'?"),
        ("ports.protocol", "'ports' is a list (name an entry: ports[…])"),
        ("ports[0].protocol", "internal port number"),
        ("storage[data].size", "mount point starting with '/'"),
        ("arguments[0]", "take a [key]"),
        ("cpu..x", "is not a field path"),
        ("cpu.x", "no 'x' under 'cpu'"),
    ],
)
def test_ignore_paths_that_can_match_nothing(path: str, fragment: str) -> None:
    problem = ignore_path_problem(path)
    assert problem is not None and fragment in problem


# ── the schema ────────────────────────────────────────────────────────────────────────────


def test_the_schema_is_valid_draft_2020_12_with_an_id() -> None:
    schema = manifest_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/cloneset.schema.json")


def walk(node: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every (path, schema object) of the schema, with properties and definitions."""
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found.extend(walk(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(walk(value, f"{path}/{i}"))
    return found


def test_every_property_has_a_title_and_a_description() -> None:
    for path, node in walk(manifest_schema()):
        for name, prop in (
            node.get("properties", {}).items() if isinstance(node.get("properties"), dict) else []
        ):
            assert prop.get("title") and prop.get("description"), f"{path}/properties/{name}"


def test_every_object_refuses_unknown_keys_but_free_form_keda_config() -> None:
    for path, node in walk(manifest_schema()):
        condition = path.endswith(("/if", "/then"))  # a kind's overrides, by its kind
        if isinstance(node.get("properties"), dict) and "$ref" not in node and not condition:
            assert node.get("additionalProperties") is False, path
    config = manifest_schema()["$defs"]["scaler"]["properties"]["config_json"]
    assert config["type"] == "object" and "properties" not in config


def test_override_fields_are_each_kinds_compared_fields_and_their_union() -> None:
    defs = manifest_schema()["$defs"]
    every: set[str] = set()
    for kind in KINDS.values():
        fields = set(defs[f"{kind.name}_overrides"]["properties"])
        assert fields == set(kind.compared_fields), kind.name
        every |= fields
    assert set(defs["overrides"]["properties"]) == every
    assert set(APPLICATION.compared_fields) == set(COMPARED_FIELDS)
    assert "name" not in every and "ports" not in defs["job_overrides"]["properties"]


def _request_fields(spec: dict[str, Any], name: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for part in spec[name].get("allOf", [spec[name]]):
        if "$ref" in part:
            part = spec[part["$ref"].rsplit("/", 1)[-1]]
        fields.update(part.get("properties", {}))
    return fields


@pytest.mark.skipif(
    not SPEC_PATH.exists(), reason="../shared/qovery-openapi.yaml is not beside the repo"
)
@pytest.mark.parametrize(
    ("kind", "request_name"), [("container", "ContainerRequest"), ("job", "JobRequest")]
)
def test_container_and_job_overrides_follow_the_spec_requests(kind: str, request_name: str) -> None:
    spec = qovery_spec()["components"]["schemas"]
    request = _request_fields(spec, request_name)
    defs = manifest_schema()["$defs"]
    overrides = defs[f"{kind}_overrides"]["properties"]
    assert set(overrides) == set(request) - {"name"}
    for field, prop in request.items():
        if field == "name":
            continue
        ours = overrides[field]
        while "$ref" in ours:
            ours = resolve_ref(ours["$ref"])
        if prop.get("type") in ("integer", "string", "boolean"):
            declared = ours["type"]
            assert prop["type"] in (declared if isinstance(declared, list) else [declared]), field
        if "minimum" in prop:
            assert ours["minimum"] >= prop["minimum"], field
    if kind == "job":
        schedule = defs["job_overrides"]["properties"]["schedule"]["properties"]
        assert schedule["lifecycle_type"]["enum"] == spec["JobLifecycleTypeEnum"]["enum"]
        assert set(schedule) == set(request["schedule"]["properties"])


def resolve_ref(ref: str) -> Any:
    node: Any = manifest_schema()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


@pytest.mark.skipif(
    not SPEC_PATH.exists(), reason="../shared/qovery-openapi.yaml is not beside the repo"
)
def test_override_fields_follow_the_spec_application_edit_request() -> None:
    spec = qovery_spec()["components"]["schemas"]
    edit: dict[str, Any] = {}
    for part in spec["ApplicationEditRequest"]["allOf"]:
        if "$ref" in part:
            part = spec[part["$ref"].rsplit("/", 1)[-1]]
        edit.update(part["properties"])
    overrides = manifest_schema()["$defs"]["application_overrides"]["properties"]
    assert set(overrides) == set(edit) - {"name"}
    for field, prop in edit.items():
        if prop.get("type") in ("integer", "string", "boolean") and field in overrides:
            declared = overrides[field]["type"]
            assert prop["type"] in (declared if isinstance(declared, list) else [declared]), field
        if "minimum" in prop and field in overrides:
            assert overrides[field]["minimum"] >= prop["minimum"], field
    git = spec["ApplicationGitRepositoryRequest"]["properties"]
    ours = manifest_schema()["$defs"]["application_overrides"]["properties"]["git_repository"][
        "properties"
    ]
    assert set(ours) <= set(git)
    assert ours["provider"]["enum"] == spec["GitProviderEnum"]["enum"]
    assert (
        manifest_schema()["$defs"]["application_overrides"]["properties"]["build_mode"]["enum"]
        == spec["BuildModeEnum"]["enum"]
    )
    port = manifest_schema()["$defs"]["port"]["properties"]
    assert port["protocol"]["enum"] == spec["PortProtocolEnum"]["enum"]
    assert set(port) == set(spec["ServicePort"]["properties"]) - {"id"}


def test_a_yaml_1_1_word_where_text_is_wanted_is_the_text_an_editor_sees(tmp_path: Path) -> None:
    text = demo_manifest(overrides="git_repository:\n  branch: yes\ndescription: 0755")
    (cloneset,) = load_manifests([write(tmp_path, text)])
    assert cloneset.overrides == {"git_repository": {"branch": "yes"}, "description": "0755"}


def test_yaml_1_1_booleans_and_numbers_are_refused_at_their_line(tmp_path: Path) -> None:
    text = demo_manifest(overrides="memory: 0755\ncpu: 4:10", policy="{prune: yes}")
    assert problems(tmp_path, text) == [
        "15: spec.overrides.memory must be an integer, got '0755': YAML 1.1 reads 0755 as 493, "
        "YAML 1.2 as 755; write the number in plain decimal",
        "16: spec.overrides.cpu must be an integer, got '4:10': YAML 1.1 reads 4:10 as 250, "
        "YAML 1.2 as text; write the number in plain decimal",
        "17: spec.policy.prune must be true or false, got 'yes': write true or false "
        "(YAML 1.1 reads yes as true, YAML 1.2 as text)",
    ]


def test_values_the_api_would_refuse_are_checked_on_each_applications_merged_overrides(
    tmp_path: Path,
) -> None:
    web = (
        "name: web\noverrides:\n  ports:\n    - {internal_port: 80, is_default: true}\n"
        "    - {internal_port: 81}\n  max_running_instances: -1"
    )
    overrides = (
        "min_running_instances: 2\nmax_running_instances: 1\nports:\n"
        "  - {internal_port: 80, is_default: true}\n  - {internal_port: 80, is_default: true}"
    )
    text = demo_manifest(applications=("api", web), overrides=overrides)
    # web's own ports and max replace the manifest's: only api inherits the bad values
    assert problems(tmp_path, text) == [
        "22: min_running_instances 2 is greater than max_running_instances 1 (line 23); "
        "raise max_running_instances, or set it to -1 for no limit",
        "26: duplicate port: internal_port 80 is also at line 25; "
        "each port needs its own internal_port",
        "26: more than one default port: is_default is also true at line 25; "
        "Qovery takes exactly one",
    ]
    fixed = demo_manifest(applications=("api", web), overrides="min_running_instances: 2")
    (cloneset,) = load_manifests([write(tmp_path, fixed)])
    assert cloneset.name == "previews"
