"""Connection settings: which API URL to talk to, and the Authorization header to send.

Reads the ``--api-url`` / ``--token-file`` flags and the ``QOVERY_API_URL``,
``QOVERY_API_TOKEN`` and ``QOVERY_TOKEN_TYPE`` variables (contract section 2) and checks
them before any request is made: ``http://`` only to a loopback host, a token that can travel
in a header, the ``Bearer`` scheme for a JWT and ``Token`` for anything else.

The token never appears in a message, a ``repr`` or a ``str``: errors name the file or the
variable, never the content.

Neighbours: ``commands.common`` calls ``resolve_connection`` and hands the result to
``client.QoveryClient``; ``errors`` holds ``ConfigError``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from reconciler.core.errors import ConfigError
from reconciler.edges.inputs import NotARegularFile, TooLarge, read_regular

DEFAULT_API_URL = "https://api.qovery.com"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_REDACTED = "***"
_HIDDEN_URL = "the API URL (not shown: it holds what looks like a token)"
MAX_TOKEN_FILE_BYTES = 64 << 10  # far above any token; a larger file is not one
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_OPAQUE = re.compile(r"[A-Za-z0-9_\-+=~]{20,}")  # no dot, slash or space: not a path


@dataclass(frozen=True)
class Connection:
    """Where the API is and how to authenticate; ``repr``/``str`` never show the header."""

    base_url: str
    authorization: str = field(repr=False)

    def __str__(self) -> str:
        return f"Connection(base_url={self.base_url!r})"


def resolve_connection(
    *, api_url: str | None, token_file: str | None, environ: Mapping[str, str]
) -> Connection:
    """Build the connection from the flags, falling back on the environment variables."""
    token = _read_token(token_file, environ)
    url = check_api_url(_chosen_url(api_url, environ), secrets=(token,))
    scheme = _choose_scheme(token, environ.get("QOVERY_TOKEN_TYPE"))
    return Connection(base_url=url, authorization=f"{scheme} {token}")


def _chosen_url(api_url: str | None, environ: Mapping[str, str]) -> str:
    """The flag, else the variable, else the default; an empty one is a mistake, not a default."""
    if api_url is not None:
        if not api_url.strip():
            raise ConfigError(
                "--api-url is empty: give the API URL, or leave the flag out for "
                "$QOVERY_API_URL or the default https://api.qovery.com"
            )
        return api_url
    from_environment = environ.get("QOVERY_API_URL")
    if from_environment is None:
        return DEFAULT_API_URL
    if not from_environment.strip():
        raise ConfigError(
            "QOVERY_API_URL is set but empty: give the API URL, or unset it for the default "
            "https://api.qovery.com"
        )
    return from_environment


def check_api_url(url: str, *, secrets: tuple[str, ...] = ()) -> str:
    """Return ``url`` without its trailing slash, or raise ConfigError if it is unusable.

    A message shows the URL without its credentials, query and fragment, and not at all when
    what is left holds one of ``secrets`` or looks like a token; a URL holding one of
    ``secrets`` (the token) is refused: the token travels in the header only.
    """
    url = url.strip()
    what = _url_label(url, secrets)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        shown = _shown(str(exc), secrets) if what != _HIDDEN_URL else None
        reason = shown or "it cannot be parsed"
        raise ConfigError(f"{what} is not valid: {reason}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{what} must be an http(s) URL with a host, e.g. https://api.qovery.com")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{what} must not hold credentials; give the token apart")
    if parts.query or parts.fragment or "?" in url or "#" in url:  # an empty one too
        raise ConfigError(f"{what} must not have a query string or a fragment")
    if any(secret and secret in url for secret in _url_forms(secrets)):
        raise ConfigError(f"{what} holds the API token; give the URL alone")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigError(
            f"{what} uses plain http:// to a remote host, which would send the "
            "token unencrypted; use https:// (http:// is allowed only to localhost)"
        )
    return url.rstrip("/")


def _url_label(url: str, secrets: tuple[str, ...]) -> str:
    """``the API URL 'https://host/path'`` (no credentials, query or fragment), or no value."""
    try:
        parts = urlsplit(url)
        shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    except ValueError:
        shown = url
    pieces = [shown, *re.split(r"[/:@?#&=;,]+", url)]
    if any(looks_like_secret(piece) for piece in pieces) or _holds(url, secrets):
        return _HIDDEN_URL
    return f"the API URL {shown!r}"


def _shown(value: str, secrets: tuple[str, ...]) -> str | None:
    """``value`` if it may be printed: it holds no secret and does not look like a token."""
    if _holds(value, secrets) or looks_like_secret(value):
        return None
    return value


def _holds(value: str, secrets: tuple[str, ...]) -> bool:
    return any(form in value for form in _url_forms(secrets))


def _url_forms(secrets: tuple[str, ...]) -> list[str]:
    """Each secret as it is, and URL-encoded."""
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
    return sorted(forms)


def looks_like_secret(value: str) -> bool:
    """A JWT, or one long opaque word mixing letters and digits (an API token's look)."""
    text = value.strip()
    if looks_like_jwt(text):
        return True
    return bool(
        _OPAQUE.fullmatch(text)
        and any(c.isalpha() for c in text)
        and any(c.isdigit() for c in text)
    )


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _read_token(token_file: str | None, environ: Mapping[str, str]) -> str:
    from_environment = environ.get("QOVERY_API_TOKEN", "").strip()
    if token_file is not None:
        origin = _file_label(token_file, (from_environment,))
        token = _read_token_file(token_file, origin)
    else:
        token = from_environment
        origin = "QOVERY_API_TOKEN"
        if not token:
            raise ConfigError(
                "no API token: set QOVERY_API_TOKEN, or pass --token-file FILE "
                "(a file holding the token), or use --sandbox"
            )
    if not _is_header_safe(token):
        raise ConfigError(
            f"the token in {origin} contains whitespace, control or non-ASCII characters "
            "and cannot be sent in a header; check that it holds the token only"
        )
    return token


def _file_label(path: str, secrets: tuple[str, ...]) -> str:
    """``the token file 'PATH'``, or no name when the path is (or looks like) the token."""
    if _shown(path, secrets) is None:
        return (
            "the token file given to --token-file (its name looks like a token, so it is not "
            "shown; --token-file takes the path of a file that holds the token)"
        )
    return f"the token file {path!r}"


def _read_token_file(path: str, label: str) -> str:
    """The token in ``path``: a regular file only (a FIFO or a device is never read), by
    the one rule of ``inputs.read_regular``."""
    try:
        data = read_regular(path, MAX_TOKEN_FILE_BYTES)
        token = data.decode("utf-8").strip()
    except TooLarge:
        raise ConfigError(f"{label} is too large to hold a token") from None
    except NotARegularFile:
        raise ConfigError(
            f"{label} is not a regular file (a directory, a FIFO or a "
            "device); give the path of a file that holds the token"
        ) from None
    except FileNotFoundError:
        raise ConfigError(f"{label} does not exist") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{label} is not UTF-8 text") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot read {label}: {reason}") from None
    if not token:
        raise ConfigError(f"{label} is empty")
    return token


def _is_header_safe(token: str) -> bool:
    """Only visible ASCII: no space, tab, newline, control or non-ASCII character."""
    return all("\x21" <= char <= "\x7e" for char in token)


def _choose_scheme(token: str, forced: str | None) -> str:
    if forced is not None and forced.strip():
        choice = forced.strip().lower()
        if choice == "bearer":
            return "Bearer"
        if choice == "token":
            return "Token"
        shown = _shown(forced.strip(), (token,))
        given = (
            f"not {shown!r}"
            if shown is not None and len(shown) <= 16
            else (
                "and its value is not shown: it looks like a token (the token goes in "
                "QOVERY_API_TOKEN or a --token-file)"
            )
        )
        raise ConfigError(f"QOVERY_TOKEN_TYPE must be 'bearer' or 'token', {given}")
    return "Bearer" if looks_like_jwt(token) else "Token"


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated base64url segments, the first decoding to a JSON object."""
    segments = token.split(".")
    if len(segments) != 3 or not all(segments[:2]):
        return False
    if not all(_BASE64URL.fullmatch(segment) for segment in segments):
        return False
    header = segments[0]
    try:
        raw = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        decoded = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict)


def redact(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` (and of its token part) replaced.

    URL-encoded forms are replaced too (``%2F`` or ``%2f``, ``+`` or ``%20``): a server that
    echoes a request's URL or form body back would show them.
    """
    forms = _secret_forms(secret)
    if not forms:
        return text
    return re.sub("|".join(_form_pattern(form) for form in forms), _REDACTED, text)


def _secret_forms(secret: str) -> list[str]:
    """The secret, its bare token (for an ``Authorization`` value), and their URL-encoded
    forms; longest first."""
    plain = {secret.strip()}
    scheme, _, token = secret.strip().partition(" ")
    if token and scheme.lower() in ("token", "bearer"):
        plain.add(token.strip())
    forms = {form for value in plain for form in (value, quote(value, safe=""), quote_plus(value))}
    return sorted((f for f in forms if f), key=len, reverse=True)


def _form_pattern(form: str) -> str:
    """A regular expression for ``form`` whose percent-escapes match in either case."""
    pieces = re.split(r"(%[0-9A-F]{2})", form)
    return "".join(
        f"%(?i:{re.escape(piece[1:])})"
        if re.fullmatch(r"%[0-9A-F]{2}", piece)
        else re.escape(piece)
        for piece in pieces
    )
