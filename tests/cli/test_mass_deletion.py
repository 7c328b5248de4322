"""Contract 18, "no mass deletion by accident", through the real CLI and the sandbox.

Six clones are owned first (api and web in preview-101..103, by ``match: preview-*`` under
``prune: true``); then the manifest changes the way a person errs or retires it, and plan,
apply --auto-approve and reconcile are run against the result."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.core.ownership import read_marker
from reconciler.sandbox import RunningSandbox

Cli = Callable[..., Any]
PREVIEWS = ("preview-101", "preview-102", "preview-103")
SELECTOR = 'environment: {match: "preview-*"}'
TYPO = 'environment: {match: "preveiw-*"}'


def write(tmp_path: Path, targets: Sequence[str] = (SELECTOR,), policy: str = "") -> str:
    text = demo_manifest(targets=targets, policy="{prune: true" + policy + "}")
    return write_manifest(tmp_path, text)


def owned(sandbox: RunningSandbox) -> list[str]:
    """The owned clones, as ``environment/name``."""
    found = []
    for env in PREVIEWS:
        for app in sandbox.applications(env):
            if read_marker(app.get("description")) is not None:
                found.append(f"{env}/{app['name']}")
    return sorted(found)


def deletes(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["method"] == "DELETE"]


@pytest.fixture
def six_owned(cli: Cli, sandbox: RunningSandbox, tmp_path: Path) -> list[str]:
    result = cli("apply", write(tmp_path), "--auto-approve")
    assert result.code == 0, result
    clones = owned(sandbox)
    assert len(clones) == 6
    sandbox.clear_requests()
    return clones


def test_a_typo_in_a_selector_under_prune_deletes_nothing(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    manifest = write(tmp_path, targets=(TYPO,))

    plan = cli("plan", manifest)
    assert plan.code == 1, plan
    assert f"{manifest}:12:28: manifest previews: selector 'preveiw-*' in shop" in plan.err
    assert "matches no environment, and the plan deletes 6 clones it owns there" in plan.err
    assert "the plan deletes 6 of the 6 clones it owns, more than half" in plan.err
    assert "--allow-deletes" in plan.err and "Traceback" not in plan.err
    assert "- previews." not in plan.out  # the refusal is an error, not a list of deletes
    assert cli("plan", manifest, "--json").code == 1

    apply = cli("apply", manifest, "--auto-approve")
    assert apply.code == 1, apply
    assert "manifest previews" in apply.err

    reconcile = cli("reconcile", manifest)
    assert reconcile.code == 1, reconcile
    events = [json.loads(line) for line in reconcile.out.splitlines()]
    (error,) = [e for e in events if e["event"] == "error"]
    assert error["kind"] == "DeletionRefused"
    assert "manifest previews: selector 'preveiw-*'" in error["message"]
    assert events[-1]["event"] == "round_end" and events[-1]["exit_code"] == 1

    assert deletes(sandbox) == []
    assert owned(sandbox) == six_owned


def test_allow_deletes_lets_an_intended_deletion_through(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    manifest = write(tmp_path, targets=(TYPO,))
    plan = cli("plan", manifest, "--allow-deletes")
    assert plan.code == 0, plan
    assert "6 to delete" in plan.out
    result = cli("apply", manifest, "--auto-approve", "--allow-deletes")
    assert result.code == 0, result
    assert len(deletes(sandbox)) == 6 and owned(sandbox) == []


def test_allow_empty_lets_a_selector_that_matches_nothing_retire_its_clones(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    manifest = write(tmp_path, targets=(TYPO,), policy=", allow_empty: true")
    reconcile = cli("reconcile", manifest)
    assert reconcile.code == 0, reconcile
    assert owned(sandbox) == []


def test_more_deletes_than_max_deletes_are_refused_even_for_a_retirement(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    manifest = write(tmp_path, targets=(), policy=", max_deletes: 5")
    plan = cli("plan", manifest)
    assert plan.code == 1, plan
    assert f"{manifest}:4:9: manifest previews: the plan deletes 6 of the 6 clones" in plan.err
    assert "more than policy.max_deletes (5)" in plan.err
    assert "more than half" not in plan.err  # targets: [] means to retire every clone
    assert cli("apply", manifest, "--auto-approve").code == 1
    assert cli("reconcile", manifest).code == 1
    assert deletes(sandbox) == [] and owned(sandbox) == six_owned

    write(tmp_path, targets=(), policy=", max_deletes: 6")
    assert cli("apply", manifest, "--auto-approve").code == 0
    assert owned(sandbox) == []


def test_retiring_a_manifest_with_empty_targets_needs_no_flag(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    manifest = write(tmp_path, targets=())
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    assert "0 created, 0 updated, 6 deleted" in result.out
    assert owned(sandbox) == []


def test_deleting_more_than_half_of_the_owned_clones_is_refused(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    manifest = write(tmp_path, targets=("environment: preview-101",))
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 1, result
    assert "manifest previews: the plan deletes 4 of the 6 clones it owns, more than half" in (
        result.err
    )
    assert deletes(sandbox) == []

    targeted = ("--target", "previews.api[shop/preview-102]")
    one = cli("apply", manifest, "--auto-approve", *targeted)  # 1 of 6: what is carried out
    assert one.code == 0, one
    assert len(deletes(sandbox)) == 1

    halved = write(tmp_path, targets=("environment: preview-101", "environment: preview-103"))
    assert cli("apply", halved, "--auto-approve").code == 0  # 1 of the 5 left
    assert owned(sandbox) == [
        "preview-101/api",
        "preview-101/web",
        "preview-103/api",
        "preview-103/web",
    ]


def test_policy_max_deletes_must_be_a_whole_number_of_zero_or_more(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("validate", write(tmp_path, policy=", max_deletes: -1"))
    assert result.code == 1, result
    assert "max_deletes" in result.err
    assert cli("validate", write(tmp_path, policy=", max_deletes: 0, allow_empty: true")).code == 0


def test_a_saved_plan_is_held_to_the_guard_again_when_it_is_applied(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, six_owned: list[str]
) -> None:
    """A plan file is not a licence: one saved with --allow-deletes deletes nothing when it is
    applied without the flag, and everything it planned with it."""
    manifest = write(tmp_path, targets=(TYPO,))
    saved = tmp_path / "plan.json"
    made = cli("plan", manifest, "--allow-deletes", "--out", str(saved))
    assert made.code == 0, made

    refused = cli("apply", "--plan", str(saved))
    assert refused.code == 1, refused
    assert "manifest previews" in refused.err and "--allow-deletes" in refused.err
    assert deletes(sandbox) == [] and owned(sandbox) == six_owned

    allowed = cli("apply", "--plan", str(saved), "--allow-deletes")
    assert allowed.code == 0, allowed
    assert owned(sandbox) == []
