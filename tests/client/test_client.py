"""The Qovery client against the sandbox over loopback: every call, errors, retries, secrecy."""

from __future__ import annotations

import json
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from helpers_client import Demo, by_name, fast_client

from reconciler import sandbox as sandboxes
from reconciler.core.errors import (
    AmbiguousWriteError,
    ApiError,
    BadRequestError,
    BadResponseError,
    ConfigError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from reconciler.edges import http as http_module
from reconciler.edges.client import QoveryClient
from reconciler.edges.http import error_excerpt

MISSING_ID = "00000000-0000-4000-8000-000000000000"


def requests_to(
    sandbox: Any, method: str, fragment: str, *, at_least: int = 1, wait: float = 3.0
) -> list[dict[str, Any]]:
    """The sandbox's log entries for ``method ...fragment``.

    The sandbox logs a request once it has finished serving it, which can be just after the
    client saw the answer (or gave up on it): wait until ``at_least`` entries are there.
    """
    deadline = time.monotonic() + wait
    while True:
        found = [
            r for r in sandbox.requests() if r["method"] == method and r["path"].endswith(fragment)
        ]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


# -- every call


def test_reads_walk_the_demo_organization(client: QoveryClient) -> None:
    orgs = client.list_organizations()
    assert {o["name"] for o in orgs} >= {"Acme", "Globex"}
    demo = Demo(client)
    assert {p["name"] for p in client.list_projects(demo.acme)} == {"shop", "data"}
    assert {e["name"] for e in client.list_environments(demo.shop)} == {
        "staging",
        "production",
        "preview-101",
        "preview-102",
        "preview-103",
    }
    every_env = {e["name"] for e in client.list_organization_environments(demo.acme)}
    assert {"staging", "qa", "analytics"} <= every_env
    assert {a["name"] for a in demo.staging_apps} == {"api", "web", "worker"}
    assert client.get_application(demo.api)["name"] == "api"
    statuses = client.list_application_statuses(demo.staging)
    assert {s["id"] for s in statuses} == {a["id"] for a in demo.staging_apps}
    assert client.get_application_status(demo.api)["id"] == demo.api


def test_clone_edit_deploy_delete(client: QoveryClient) -> None:
    demo = Demo(client)
    clone = client.clone_application(demo.api, "api-copy", demo.preview)
    assert clone["name"] == "api-copy"
    assert clone["id"] != demo.api
    assert [a["id"] for a in client.list_applications(demo.preview)] == [clone["id"]]

    edited = client.edit_application(clone["id"], {**clone, "cpu": 250})
    assert edited["cpu"] == 250
    assert client.get_application(clone["id"])["cpu"] == 250

    status = client.deploy_application(clone["id"], "0123456789abcdef")
    assert status["id"] == clone["id"]
    assert client.get_application_status(clone["id"])["deployment_requests_count"] == 1

    client.delete_application(clone["id"])
    assert client.list_applications(demo.preview) == []
    with pytest.raises(NotFoundError):
        client.delete_application(clone["id"])


def test_request_count_counts_every_request(client: QoveryClient) -> None:
    Demo(client)
    assert client.request_count == 4


# -- authentication


def test_bearer_scheme_accepted(sandbox: Any) -> None:
    with fast_client(sandbox, scheme="Bearer") as c:
        assert by_name(c.list_organizations(), "Acme")


def test_wrong_token_is_unauthorized_and_not_retried(sandbox: Any) -> None:
    with QoveryClient(sandbox.url, "Token not-the-token", backoff_base=0.01) as c:
        with pytest.raises(UnauthorizedError) as caught:
            c.list_organizations()
        assert c.request_count == 1
    assert caught.value.status == 401
    assert caught.value.path == "/organization"
    assert "not-the-token" not in str(caught.value)


# -- error statuses


def test_forbidden_mapped(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 403,
                "body": json.dumps({"status": 403, "detail": "no access to this organization"}),
                "content_type": "application/json",
            }
        ]
    )
    with pytest.raises(ForbiddenError) as caught:
        client.list_organizations()
    assert caught.value.excerpt == "no access to this organization"
    assert "GET /organization" in str(caught.value)
    assert "HTTP 403" in str(caught.value)


def test_unknown_application_is_not_found(client: QoveryClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_application(MISSING_ID)
    assert caught.value.path == f"/application/{MISSING_ID}"
    assert client.request_count == 1


def test_clone_onto_a_taken_name_is_a_conflict_sent_once(
    client: QoveryClient, sandbox: Any
) -> None:
    demo = Demo(client)
    with pytest.raises(ConflictError) as caught:
        client.clone_application(demo.api, "WEB", demo.staging)
    assert caught.value.status == 409
    assert len(requests_to(sandbox, "POST", "/clone")) == 1


def test_invalid_edit_is_a_bad_request(client: QoveryClient) -> None:
    demo = Demo(client)
    with pytest.raises(BadRequestError) as caught:
        client.edit_application(demo.api, {"name": "api", "cpu": "lots"})
    assert "cpu" in caught.value.excerpt


def test_other_4xx_is_a_bad_request(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[{"action": "respond", "method": "GET", "path": "/organization", "status": 418}]
    )
    with pytest.raises(BadRequestError, match="HTTP 418"):
        client.list_organizations()


# -- retries


def test_rate_limit_waits_out_retry_after(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "times": 2,
                "action": "respond",
                "status": 429,
                "headers": {"Retry-After": "0.1"},
            }
        ]
    )
    started = time.monotonic()
    assert by_name(client.list_organizations(), "Acme")
    assert time.monotonic() - started >= 0.2
    assert client.request_count == 3
    assert len(requests_to(sandbox, "GET", "/organization", at_least=3)) == 3


def test_rate_limit_that_persists_raises(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[{"method": "GET", "path": "/organization", "status": 429, "action": "respond"}]
    )
    with pytest.raises(RateLimitedError, match="3 retries"):
        client.list_organizations()
    assert client.request_count == 4


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_retried_up_to_the_limit(
    client: QoveryClient, sandbox: Any, status: int
) -> None:
    sandbox.set_faults(
        rules=[{"action": "respond", "method": "GET", "path": "/organization", "status": status}]
    )
    with pytest.raises(ServerError) as caught:
        client.list_organizations()
    assert caught.value.status == status
    assert client.request_count == 4  # 1 + max_retries
    assert len(requests_to(sandbox, "GET", "/organization", at_least=4)) == 4


def test_not_implemented_is_not_retried(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[{"action": "respond", "method": "GET", "path": "/organization", "status": 501}]
    )
    with pytest.raises(ServerError):
        client.list_organizations()
    assert client.request_count == 1


@pytest.mark.parametrize(
    ("fault", "times"),
    [
        ({"action": "respond", "status": 503}, 2),  # a gateway error, twice
        ({"action": "respond", "status": 500}, 1),  # an internal error on a read
        ({"action": "drop"}, 1),  # a dropped connection
    ],
    ids=["gateway-error", "internal-error", "dropped"],
)
def test_a_transient_failure_on_a_read_is_retried_until_it_succeeds(
    client: QoveryClient, sandbox: Any, fault: dict[str, Any], times: int
) -> None:
    rule = {"method": "GET", "path": "/organization", "times": times, **fault}
    sandbox.set_faults(rules=[rule])
    assert by_name(client.list_organizations(), "Acme")
    assert client.request_count == times + 1


def test_read_timeout_retried(sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "delay",
                "seconds": 1.0,
                "times": 1,
            }
        ]
    )
    with fast_client(sandbox, timeout=0.2) as c:
        assert by_name(c.list_organizations(), "Acme")
        assert c.request_count == 2


def test_dropped_clone_is_ambiguous_and_never_resent(client: QoveryClient, sandbox: Any) -> None:
    demo = Demo(client)
    sandbox.set_faults(rules=[{"method": "POST", "path": "*/clone", "action": "drop_after"}])
    with pytest.raises(AmbiguousWriteError) as caught:
        client.clone_application(demo.api, "api-lost", demo.preview)
    assert caught.value.path == f"/application/{demo.api}/clone"
    assert len(requests_to(sandbox, "POST", "/clone")) == 1
    sandbox.clear_faults()
    # the server did act: the caller finds the clone by reading the environment again
    assert by_name(client.list_applications(demo.preview), "api-lost")


def test_clone_timeout_is_ambiguous(sandbox: Any) -> None:
    with fast_client(sandbox, timeout=0.2) as c:
        demo = Demo(c)
        sandbox.set_faults(
            rules=[{"method": "POST", "path": "*/clone", "action": "delay", "seconds": 0.5}]
        )
        with pytest.raises(AmbiguousWriteError):
            c.clone_application(demo.api, "api-slow", demo.preview)
    assert len(requests_to(sandbox, "POST", "/clone")) == 1


def test_clone_server_error_is_ambiguous(client: QoveryClient, sandbox: Any) -> None:
    demo = Demo(client)
    sandbox.set_faults(
        rules=[{"action": "respond", "method": "POST", "path": "*/clone", "status": 503}]
    )
    with pytest.raises(AmbiguousWriteError) as caught:
        client.clone_application(demo.api, "api-5xx", demo.preview)
    assert caught.value.status == 503
    assert len(requests_to(sandbox, "POST", "/clone")) == 1


def test_clone_rate_limited_is_retried(client: QoveryClient, sandbox: Any) -> None:
    demo = Demo(client)
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "POST",
                "path": "*/clone",
                "status": 429,
                "times": 1,
                "headers": {"Retry-After": "0"},
            }
        ]
    )
    assert client.clone_application(demo.api, "api-later", demo.preview)["name"] == "api-later"
    assert len(requests_to(sandbox, "POST", "/clone", at_least=2)) == 2


def test_deploy_in_progress_is_retried(client: QoveryClient, sandbox: Any) -> None:
    demo = Demo(client)
    sandbox.set_faults(
        rules=[
            {"action": "respond", "method": "POST", "path": "*/deploy", "status": 409, "times": 2}
        ]
    )
    assert client.deploy_application(demo.api, "abc123")["id"] == demo.api
    assert len(requests_to(sandbox, "POST", "/deploy", at_least=3)) == 3


def test_delete_whose_answer_was_lost_counts_as_done(client: QoveryClient, sandbox: Any) -> None:
    demo = Demo(client)
    clone = client.clone_application(demo.api, "api-gone", demo.preview)
    sandbox.set_faults(
        rules=[{"method": "DELETE", "path": "/application/*", "action": "drop_after", "times": 1}]
    )
    client.delete_application(clone["id"])
    assert len(requests_to(sandbox, "DELETE", clone["id"], at_least=2)) == 2
    assert client.list_applications(demo.preview) == []


def test_connection_refused_retried_then_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with QoveryClient(f"http://127.0.0.1:{port}", "Token x", max_retries=2, backoff_base=0.01) as c:
        with pytest.raises(TransportError) as caught:
            c.clone_application("a", "b", "c")
        assert c.request_count == 3
    assert not isinstance(caught.value, AmbiguousWriteError)  # never reached the server
    assert "could not connect" in str(caught.value)


# -- bad bodies


def test_html_on_success_is_a_bad_response(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "GET",
                "path": "/organization",
                "status": 200,
                "content_type": "text/html",
                "body": "<html><body><h1>Welcome to the proxy</h1></body></html>",
            }
        ]
    )
    with pytest.raises(BadResponseError) as caught:
        client.list_organizations()
    assert "not valid JSON" in str(caught.value)
    assert "text/html" in str(caught.value)
    assert caught.value.excerpt == "Welcome to the proxy"


def test_html_error_page_excerpt_has_no_tags(client: QoveryClient, sandbox: Any) -> None:
    page = (
        "<html><head><style>h1 {color: red}</style><title>502</title></head>"
        "<body><h1>Bad   Gateway</h1>\n<p>nginx &amp; friends</p></body></html>"
    )
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "GET",
                "path": "/organization",
                "status": 502,
                "content_type": "text/html",
                "body": page,
            }
        ]
    )
    with pytest.raises(ServerError) as caught:
        client.list_organizations()
    assert caught.value.excerpt == "502 Bad Gateway nginx & friends"


def test_truncated_json_is_a_bad_response(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "GET",
                "path": "/organization",
                "status": 200,
                "body": '{"results": [{"id": "5f0c", "na',
            }
        ]
    )
    with pytest.raises(BadResponseError, match=r"not valid JSON.*truncated"):
        client.list_organizations()


def test_body_cut_short_is_retried_then_a_transport_error(
    client: QoveryClient, sandbox: Any
) -> None:
    sandbox.set_faults(rules=[{"method": "GET", "path": "/organization", "action": "truncate"}])
    with pytest.raises(TransportError, match="dropped before a complete response"):
        client.list_organizations()
    assert client.request_count == 4


def test_body_cut_short_on_clone_is_ambiguous(client: QoveryClient, sandbox: Any) -> None:
    demo = Demo(client)
    sandbox.set_faults(rules=[{"method": "POST", "path": "*/clone", "action": "truncate"}])
    with pytest.raises(AmbiguousWriteError):
        client.clone_application(demo.api, "api-cut", demo.preview)
    assert len(requests_to(sandbox, "POST", "/clone")) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"results": "nope"},
        {"results": [1, 2]},
        {"results": [{"name": "no id"}]},
        {"items": []},
        [],
    ],
)
def test_wrong_shape_lists_are_bad_responses(
    client: QoveryClient, sandbox: Any, body: object
) -> None:
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "GET",
                "path": "/organization",
                "status": 200,
                "content_type": "application/json",
                "body": json.dumps(body),
            }
        ]
    )
    with pytest.raises(BadResponseError, match="unexpected response shape"):
        client.list_organizations()


def test_application_without_id_is_a_bad_response(client: QoveryClient, sandbox: Any) -> None:
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "GET",
                "path": f"/application/{MISSING_ID}",
                "status": 200,
                "content_type": "application/json",
                "body": json.dumps({"name": "api"}),
            }
        ]
    )
    with pytest.raises(BadResponseError, match="'id'"):
        client.get_application(MISSING_ID)


def test_error_excerpt_rules() -> None:
    assert error_excerpt('{"status": 400, "detail": "cpu too big"}') == "cpu too big"
    assert error_excerpt("a\n\n  b\tc") == "a b c"
    long = error_excerpt("x" * 1000)
    assert len(long) == 200
    assert long.endswith("…")


# -- secrecy


SECRET = "qov-SECRET-d3adb33f-77"


def test_token_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[ApiError] = []
    with sandboxes.start(token=SECRET) as sb:
        sb.set_faults(
            rules=[
                {
                    "action": "respond",
                    "method": "GET",
                    "path": "/organization",
                    "times": 1,
                    "status": 400,
                    "body": f"you sent Authorization: Token {SECRET}",
                    "content_type": "text/plain",
                },
                {"method": "GET", "path": "/project/*", "action": "drop"},
            ]
        )
        with QoveryClient(sb.url, f"Token {SECRET}", max_retries=1, backoff_base=0.01) as c:
            assert SECRET not in repr(c)
            assert SECRET not in str(c)
            for call in (
                c.list_organizations,
                lambda: c.list_environments(MISSING_ID),
                lambda: c.get_application(MISSING_ID),
                lambda: c.clone_application(MISSING_ID, "x", MISSING_ID),
            ):
                with pytest.raises(ApiError) as caught:
                    call()
                errors.append(caught.value)
            assert by_name(c.list_organizations(), "Acme")
    assert errors[0].status == 400
    assert "you sent Authorization" in errors[0].excerpt
    for error in errors:
        assert SECRET not in str(error)
        assert SECRET not in repr(error)
        assert SECRET not in error.excerpt
        assert error.__cause__ is None
        assert error.__context__ is None  # no httpx exception (and its request) attached
    assert caplog.records  # -v logging is there...
    assert "GET /organization" in caplog.text
    assert SECRET not in caplog.text  # ...and never holds the token


ODD_SECRET = "tok/SECRET+9f8e7d6c5b4a=="  # changes when URL-encoded


def _echoes(token: str) -> dict[str, str]:
    """The token as a server may echo it back."""
    return {
        "raw": token,
        "url-encoded": quote(token, safe=""),
        "url-encoded, lower hex": quote(token, safe="").replace("%2F", "%2f"),
        "form-encoded": quote_plus(token),
        "Token header": f"Token {token}",
        "Bearer header": f"Bearer {token}",
    }


def _fragments(text: str, size: int = 6) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


@pytest.mark.parametrize("body_kind", ["json detail", "plain text", "html"])
@pytest.mark.parametrize("form", sorted(_echoes("t")))
def test_an_echoed_token_is_redacted_before_the_excerpt_is_cut(form: str, body_kind: str) -> None:
    """The token at the edge of the cut: no fragment of it (in any form) survives."""
    echoed = _echoes(ODD_SECRET)[form]
    for padding in (190, 194, 197):  # the cut falls inside the echoed token
        text = "x" * padding + echoed + " and more after it"
        body = {
            "json detail": json.dumps({"status": 400, "detail": text}),
            "plain text": text,
            "html": f"<html><body><p>{text}</p></body></html>",
        }[body_kind]
        with sandboxes.start(token=ODD_SECRET) as sb:
            sb.set_faults(
                rules=[
                    {
                        "action": "respond",
                        "method": "GET",
                        "path": "/organization",
                        "status": 400,
                        "body": body,
                        "content_type": "text/plain",
                    }
                ]
            )
            with fast_client(sb) as c, pytest.raises(BadRequestError) as caught:
                c.list_organizations()
        said = str(caught.value)
        assert "x" * 20 in said  # the excerpt is there, cut to length
        for secret in (ODD_SECRET, quote(ODD_SECRET, safe=""), quote_plus(ODD_SECRET)):
            leaked = [f for f in _fragments(secret) if f.lower() in said.lower()]
            assert not leaked, (padding, said)


# -- pool and threads


def test_parallel_calls_bounded_by_the_pool(sandbox: Any) -> None:
    sandbox.set_faults(latency=0.05)
    with fast_client(sandbox, max_connections=3) as c:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: c.list_organizations(), range(12)))
        assert c.request_count == 12
    assert all(by_name(r, "Acme") for r in results)
    peak = sandbox.stats()["peak_in_flight"]
    assert 1 < peak <= 3


def test_header_breaking_authorization_refused_before_any_request() -> None:
    with pytest.raises(ConfigError, match="cannot be sent") as caught:
        QoveryClient("http://127.0.0.1:9", f"Token {SECRET}\r\nX-Evil: 1")
    assert SECRET not in str(caught.value)


def test_a_trickled_answer_is_cut_at_the_whole_request_deadline(sandbox: Any) -> None:
    # httpx's read timeout restarts with every chunk; the client's deadline does not.
    sandbox.set_faults(
        rules=[{"method": "GET", "path": "/organization", "action": "trickle", "seconds": 3}]
    )
    started = time.monotonic()
    with (
        QoveryClient(sandbox.url, sandbox.authorization, timeout=0.5, max_retries=0) as slow,
        pytest.raises(TransportError, match=r"no complete response within 0\.5s"),
    ):
        slow.list_organizations()
    assert time.monotonic() - started < 2.0


def test_an_oversized_answer_is_refused_not_buffered(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_module, "MAX_BODY_BYTES", 1024)
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 200,
                "body": '{"results": [' + '"x",' * 2000 + '"x"]}',
            }
        ]
    )
    with fast_client(sandbox) as small, pytest.raises(TransportError, match="larger than"):
        small.list_organizations()
    assert len(requests_to(sandbox, "GET", "/organization")) == 1  # not retried
