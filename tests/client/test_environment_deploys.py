"""The environment-wide deploys (``edges.deploying``) through the executor, against the
sandbox over loopback: one request per environment, a lost answer, a refused request, a
clone whose writes failed, and the status reads per poll."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from helpers_executing import Demo

from reconciler.core.model import Deploy, Policy
from reconciler.edges.client import QoveryClient
from reconciler.edges.executing import DeployWait, execute
from reconciler.sandbox import RunningSandbox

FAST_WAIT = DeployWait(timeout=5.0, first_delay=0.05, max_delay=0.1)
ON_CREATE = Policy(deploy=Deploy.ON_CREATE)
SERVICE_DEPLOY = "/environment/*/service/deploy"


@pytest.fixture
def demo(sandbox: RunningSandbox) -> Iterator[Demo]:
    demo = Demo(sandbox)
    with demo.client:
        yield demo


def paths(demo: Demo, method: str, suffix: str) -> list[str]:
    return [
        r["path"]
        for r in demo.sandbox.requests()
        if r["method"] == method and r["path"].endswith(suffix)
    ]


def test_two_environments_get_one_request_each_and_one_status_read_per_poll(
    demo: Demo,
) -> None:
    demo.sandbox.deploy_seconds = 0.3
    plan = demo.plan(demo.desired(policy=ON_CREATE))
    demo.sandbox.clear_requests()
    result = execute(plan, demo.client, deploy_wait=FAST_WAIT)
    assert [o.message for o in result.outcomes] == ["created, deployed"] * 4
    deploys = paths(demo, "POST", "/service/deploy")
    assert sorted(deploys) == sorted(
        f"/environment/{demo.env(env).id}/service/deploy" for env in ("preview-101", "preview-102")
    )
    reads = paths(demo, "GET", "/statuses")
    assert reads and reads.count(reads[0]) == len(reads) / 2  # one per environment per poll
    assert paths(demo, "POST", "/status") == [] and paths(demo, "GET", "/status") == []


def test_a_lost_answer_whose_deploy_took_is_not_sent_again(demo: Demo) -> None:
    demo.sandbox.deploy_seconds = 1.0
    plan = demo.plan(demo.desired(apps=("api",), targets=("preview-101",), policy=ON_CREATE))
    rule = {"action": "drop_after", "method": "POST", "path": SERVICE_DEPLOY, "times": 1}
    demo.sandbox.set_faults(rules=[rule])
    demo.sandbox.clear_requests()
    (outcome,) = execute(plan, demo.client, deploy_wait=FAST_WAIT).outcomes
    assert outcome.message == "created, deployed", outcome
    assert len(paths(demo, "POST", "/service/deploy")) == 1


def test_a_refused_request_fails_that_environment_only(demo: Demo) -> None:
    demo.sandbox.deploy_seconds = 0.0
    plan = demo.plan(demo.desired(apps=("api",), policy=ON_CREATE))
    refused = f"/environment/{demo.env('preview-102').id}/service/deploy"
    rule = {"action": "respond", "method": "POST", "path": refused, "status": 400}
    demo.sandbox.set_faults(rules=[rule])
    first, second = execute(plan, demo.client, deploy_wait=FAST_WAIT).outcomes
    assert (first.result, first.message) == ("ok", "created, deployed")
    assert second.result == "failed" and "deploy request was refused" in second.message


def test_a_clone_whose_writes_failed_is_not_deployed_and_the_others_are(demo: Demo) -> None:
    demo.sandbox.deploy_seconds = 0.0
    plan = demo.plan(demo.desired(targets=("preview-101",), policy=ON_CREATE))
    rule = {"action": "respond", "method": "PUT", "path": "/application/*", "status": 400}
    demo.sandbox.set_faults(rules=[{**rule, "times": 2}])  # the web clone's edit, marked alone
    outcomes = execute(plan, demo.client, deploy_wait=FAST_WAIT, parallelism=1).outcomes
    assert [o.result for o in outcomes] == ["failed", "ok"], outcomes
    assert outcomes[1].message == "created, deployed"
    assert len(paths(demo, "POST", "/service/deploy")) == 1
    deployments = demo.sandbox.state()["deployments"]
    failed, deployed = (demo.clone_of("preview-101", name)["id"] for name in ("api", "web"))
    assert failed not in deployments or deployments[failed]["count"] == 0
    assert deployments[deployed]["count"] == 1


class _Meeting(QoveryClient):
    """The real client; its first deploy request of each environment, and its first status
    read of each, wait at a barrier until the other environment's is in flight too."""

    def __init__(self, url: str, authorization: str) -> None:
        super().__init__(url, authorization, backoff_base=0.001)
        self.deploys = threading.Barrier(2, timeout=10)
        self.reads = threading.Barrier(2, timeout=10)
        self.met: list[str] = []

    def _meet(self, barrier: threading.Barrier, what: str) -> None:
        if barrier.n_waiting or what not in self.met:
            try:
                barrier.wait()
                self.met.append(what)
            except threading.BrokenBarrierError:
                pass

    def deploy_environment(self, environment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._meet(self.deploys, "deploys")
        return super().deploy_environment(environment_id, body)

    def environment_statuses(self, environment_id: str) -> dict[str, Any]:
        self._meet(self.reads, "reads")
        return super().environment_statuses(environment_id)


def test_the_environments_deploys_and_status_reads_are_in_flight_together(
    demo: Demo,
) -> None:
    demo.sandbox.deploy_seconds = 0.1
    plan = demo.plan(demo.desired(apps=("api",), policy=ON_CREATE))  # two environments
    client = _Meeting(demo.sandbox.url, f"Token {demo.sandbox.token}")
    with client:
        result = execute(plan, client, parallelism=2, deploy_wait=FAST_WAIT)
    assert [o.message for o in result.outcomes] == ["created, deployed"] * 2
    assert not client.deploys.broken and not client.reads.broken, "one environment at a time"
    assert {"deploys", "reads"} <= set(client.met)
