"""Connection settings (contract section 2): URL rules, token sources, auth scheme, secrecy."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.core.errors import ConfigError
from reconciler.edges.connection import (
    DEFAULT_API_URL,
    Connection,
    looks_like_jwt,
    redact,
    resolve_connection,
)

SECRET = "qov-SECRET-4a7f19c2"


def _segment(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


JWT = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment({'sub': 'me'})}.c2lnbmF0dXJl"


def resolve(
    api_url: str | None = None, token_file: str | None = None, **environ: str
) -> Connection:
    environ.setdefault("QOVERY_API_TOKEN", SECRET)
    return resolve_connection(api_url=api_url, token_file=token_file, environ=environ)


# -- URL


def test_url_defaults_to_qovery() -> None:
    assert resolve().base_url == DEFAULT_API_URL


def test_url_flag_wins_over_environment() -> None:
    conn = resolve("https://flag.example/", QOVERY_API_URL="https://env.example")
    assert conn.base_url == "https://flag.example"


def test_url_from_environment_trailing_slashes_stripped() -> None:
    assert resolve(QOVERY_API_URL="https://env.example/api/").base_url == (
        "https://env.example/api"
    )


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8080", "http://127.0.0.1:1", "http://127.9.9.9", "http://[::1]:80/"],
)
def test_plain_http_allowed_to_loopback(url: str) -> None:
    assert resolve(url).base_url == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://api.qovery.com", "http://10.0.0.1", "http://[::2]"])
def test_plain_http_refused_to_remote_host(url: str) -> None:
    with pytest.raises(ConfigError, match="https://"):
        resolve(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.qovery.com",
        "api.qovery.com",
        "https://",
        "https://host:notaport",
        "https://user:pw@host",
        "https://host/?token=x",
        "https://host/api#",  # an empty fragment: every path joined after it would be lost
        "https://host/api?",
    ],
)
def test_malformed_urls_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="API URL"):
        resolve(url)


# -- token sources


def test_token_from_environment_is_stripped() -> None:
    assert resolve(QOVERY_API_TOKEN=f"  {SECRET}\n").authorization == f"Token {SECRET}"


def test_token_file_wins_and_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"{SECRET}\n")
    conn = resolve(token_file=str(path), QOVERY_API_TOKEN="other-token")
    assert conn.authorization == f"Token {SECRET}"


def test_missing_token_says_how_to_give_one() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_connection(api_url=None, token_file=None, environ={})
    message = str(caught.value)
    assert "QOVERY_API_TOKEN" in message
    assert "--token-file" in message


def test_missing_token_file_named_not_read(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    with pytest.raises(ConfigError, match=r"nope.*does not exist"):
        resolve(token_file=missing)


def test_empty_token_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_text("  \n")
    with pytest.raises(ConfigError, match="empty"):
        resolve(token_file=str(path))


def test_directory_as_token_file_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=str(tmp_path.name)):
        resolve(token_file=str(tmp_path))


def test_undecodable_token_file_refused_without_content(tmp_path: Path) -> None:
    # (A file without read permission cannot be tested here: CI runs as root, which reads
    # files whatever their mode. A directory, above, and bad bytes both fail the read.)
    path = tmp_path / "garbled"
    path.write_bytes(b"\xff\xfe" + SECRET.encode())
    with pytest.raises(ConfigError) as caught:
        resolve(token_file=str(path))
    assert "garbled" in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "token", [f"{SECRET} x", f"{SECRET}\nX-Evil: 1", f"{SECRET}\x00", f"{SECRET}é"]
)
def test_header_breaking_tokens_refused_without_printing(tmp_path: Path, token: str) -> None:
    path = tmp_path / "token"
    path.write_text(token, encoding="utf-8")
    for kwargs in ({"token_file": str(path)}, {"QOVERY_API_TOKEN": token}):
        with pytest.raises(ConfigError, match="cannot be sent in a header") as caught:
            resolve(**kwargs)
        assert SECRET not in str(caught.value)
        assert SECRET not in repr(caught.value)


# -- scheme


def test_jwt_sent_as_bearer() -> None:
    assert looks_like_jwt(JWT)
    assert resolve(QOVERY_API_TOKEN=JWT).authorization == f"Bearer {JWT}"


@pytest.mark.parametrize(
    "token",
    [
        SECRET,
        "a.b.c",  # three segments, but the first is not JSON
        f"{_segment([1, 2])}.{_segment({})}.sig",  # JSON, but not an object
        f"{_segment({'alg': 'none'})}.{_segment({})}",  # two segments only
        f"{_segment({'alg': 'none'})}!.{_segment({})}.sig",  # not base64url
    ],
)
def test_other_tokens_sent_as_token(token: str) -> None:
    assert not looks_like_jwt(token)
    assert resolve(QOVERY_API_TOKEN=token).authorization == f"Token {token}"


def test_token_type_forces_the_scheme() -> None:
    assert resolve(QOVERY_API_TOKEN=JWT, QOVERY_TOKEN_TYPE="token").authorization.startswith(
        "Token "
    )
    assert resolve(QOVERY_TOKEN_TYPE="Bearer").authorization == f"Bearer {SECRET}"


def test_unknown_token_type_refused() -> None:
    with pytest.raises(ConfigError, match="QOVERY_TOKEN_TYPE"):
        resolve(QOVERY_TOKEN_TYPE="basic")


# -- secrecy


def test_connection_repr_and_str_hide_the_header() -> None:
    conn = resolve()
    assert SECRET not in repr(conn)
    assert SECRET not in str(conn)
    assert "https://api.qovery.com" in repr(conn)


def test_redact_removes_token_and_header_value() -> None:
    text = f"echo: Token {SECRET} and {SECRET}"
    assert SECRET not in redact(text, f"Token {SECRET}")
    assert redact(text, "") == text


# -- an empty URL is a mistake, never the default


@pytest.mark.parametrize("where", ["flag", "variable"])
def test_empty_api_url_is_refused_never_the_default(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    if where == "flag":
        result = cli("plan", manifest, "--api-url", "")  # QOVERY_API_URL is the sandbox
        assert "--api-url is empty" in result.err, result
    else:
        monkeypatch.setenv("QOVERY_API_URL", "  ")
        result = cli("plan", manifest)
        assert "QOVERY_API_URL is set but empty" in result.err, result
    assert result.code == 1 and result.out == ""
    assert len(result.err.strip().splitlines()) == 1  # refused at once: no connection tried


# -- the token file is a file, never a stream


@pytest.mark.timeout(10)
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_token_file_that_is_a_fifo_or_a_device_is_refused_unread(
    cli: Callable[..., Any], tmp_path: Path, kind: str
) -> None:
    if kind == "fifo":
        path = str(tmp_path / "token-fifo")
        os.mkfifo(path)  # nobody writes to it: opening it for reading would block
    else:
        path = "/dev/zero"  # reading it would never end
    result = cli("plan", write_manifest(tmp_path, demo_manifest()), "--token-file", path)
    assert result.code == 1, result
    assert "is not a regular file" in result.err and path in result.err
    assert result.out == ""


# -- the token typed where something else is expected is never echoed


def _misplaced(url: str, token: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Ways to type the token where a path, a scheme or a URL belongs: (flags, variables)."""
    host = url.removeprefix("http://")
    return {
        "token file is the token": (["--token-file", token], {}),
        "token file is a jwt": (["--token-file", JWT], {}),
        "token type is the token": ([], {"QOVERY_TOKEN_TYPE": token}),
        "url query": (["--api-url", f"{url}/?token={token}"], {}),
        "url fragment": (["--api-url", f"{url}#{token}"], {}),
        "url user": (["--api-url", f"http://{token}@{host}"], {}),
        "url password": (["--api-url", f"http://me:{token}@{host}"], {}),
        "url path": (["--api-url", f"{url}/{token}"], {}),
        "url port": (["--api-url", f"http://127.0.0.1:{token}"], {}),
        "url is the token": (["--api-url", token], {}),
        "url variable is the token": ([], {"QOVERY_API_URL": token}),
        "url variable is a jwt": ([], {"QOVERY_API_URL": JWT}),
    }


CASES = sorted(_misplaced("http://127.0.0.1:1", "token"))


@pytest.mark.parametrize("case", CASES)
def test_token_typed_where_something_else_belongs_is_never_echoed(
    cli: Callable[..., Any],
    sandbox: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    token = sandbox.token
    flags, variables = _misplaced(sandbox.url, token)[case]
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    result = cli("plan", write_manifest(tmp_path, demo_manifest()), *flags)
    assert result.code == 1, result
    assert result.err.startswith("error: ") and "Traceback" not in result.err
    said = result.out + result.err
    for secret in (token, quote(token, safe=""), JWT, JWT.split(".")[1], JWT.split(".")[2]):
        assert secret not in said, (case, said)
