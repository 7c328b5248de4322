"""core.deploying with plain data: which clones deploy, at which version, in which body."""

from __future__ import annotations

import pytest

from reconciler.core.deploying import (
    HEAD,
    Deployment,
    deploys_existing,
    deploys_new,
    head_of,
    request_body,
    version_of,
)
from reconciler.core.model import Deploy, Policy

SOURCE = {
    "git_repository": {
        "url": "https://github.com/acme/api.git",
        "branch": "main",
        "deployed_commit_id": "c0ffee",
    }
}


def test_true_is_on_create_and_a_bad_word_is_refused() -> None:
    assert Deploy.of(True) is Deploy.ON_CREATE and Deploy.of(False) is Deploy.NEVER
    assert Deploy.of("on_change") is Deploy.ON_CHANGE
    with pytest.raises(ValueError):
        Deploy.of("maybe")


@pytest.mark.parametrize(
    ("deploy", "status", "state", "wrote", "expected"),
    [
        (Deploy.NEVER, "NEVER_DEPLOYED", None, True, False),
        (Deploy.ON_CREATE, "NEVER_DEPLOYED", None, False, True),
        (Deploy.ON_CREATE, "OUT_OF_DATE", None, True, False),
        (Deploy.ON_CHANGE, "UP_TO_DATE", "DEPLOYED", True, True),
        (Deploy.ON_CHANGE, "UP_TO_DATE", "DEPLOYED", False, False),
        (Deploy.ON_CHANGE, "OUT_OF_DATE", "DEPLOYED", False, True),
        (Deploy.ON_CHANGE, "OUT_OF_DATE", "STOPPED", True, False),  # stopped or expired
    ],
)
def test_which_existing_clones_deploy(
    deploy: Deploy, status: str, state: str | None, wrote: bool, expected: bool
) -> None:
    assert deploys_existing(Policy(deploy=deploy), status, state, wrote=wrote) is expected


def test_new_clones_deploy_unless_deploy_is_false() -> None:
    assert deploys_new(Policy(deploy=Deploy.ON_CHANGE)) and not deploys_new(Policy())


def test_an_application_on_its_own_branch_deploys_that_branch_head() -> None:
    assert version_of("application", SOURCE, {"git_repository": {"branch": "pr-7"}}) == HEAD
    other_repo = {"git_repository": {"url": "https://github.com/acme/fork"}}
    assert version_of("application", SOURCE, other_repo) == HEAD
    same = {"git_repository": {"url": "https://github.com/acme/api", "branch": "main"}}
    assert version_of("application", SOURCE, same) == "c0ffee"
    assert version_of("application", SOURCE, {"cpu": 250}) == "c0ffee"


def test_a_job_built_from_git_on_its_own_branch_deploys_that_branch_head() -> None:
    repo = {"url": "https://github.com/acme/cleaner", "branch": "main", "deployed_commit_id": "c1"}
    source = {"source": {"docker": {"git_repository": repo}}}
    own = {"source": {"docker": {"git_repository": {**repo, "branch": "pr-7"}}}}
    assert version_of("job", source, own) == HEAD
    assert version_of("job", source, source) == "c1"
    image = {"source": {"image": {"image_name": "acme/seed", "tag": "2.0"}}}
    assert version_of("job", image, {"source": {"image": {"tag": "pr-7"}}}) == "2.0"
    assert version_of("container", {"tag": "1.0"}, {"tag": "pr-7"}) == "1.0"


def test_a_container_deploys_its_own_tag_and_the_body_groups_kinds() -> None:
    body = request_body(
        [
            Deployment("application", "a1", "c0ffee", {}),
            Deployment("container", "c1", "1.0", {"tag": "pr-7"}),
            Deployment("job", "j1", "2.0", {"source": {"image": {"tag": "3.0"}}}),
        ]
    )
    assert body == {
        "applications": [{"application_id": "a1", "git_commit_id": "c0ffee"}],
        "containers": [{"id": "c1", "image_tag": "pr-7"}],
        "jobs": [{"id": "j1", "image_tag": "3.0"}],
    }


def test_the_head_is_the_first_commit_listed() -> None:
    assert head_of([{"git_commit_id": "new"}, {"git_commit_id": "old"}]) == "new"
    assert head_of([]) is None
