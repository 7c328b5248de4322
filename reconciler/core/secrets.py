"""Secret digests: how a secret is compared without ever being read back. Pure.

Qovery never returns a secret's value, so the reconciler records, in the secret variable's
own ``description``, a keyed digest of the value it wrote: HMAC-SHA256 over the variable's
key and value, keyed by ``RECONCILER_SECRET_KEY`` or, when that is unset, by a key derived
from the API token (a new token rewrites the secrets once). Never a bare hash: without the
key, the digest tells nothing about the value, not even whether two secrets are equal.

``recorded_digest`` reads the digest back from a description; ``digest_key`` derives the key;
``secret_digest`` computes one. Neighbours: ``edges.secrets`` reads the values and the key's
sources, ``variable_plans`` compares.
"""

from __future__ import annotations

import hashlib
import hmac
import re

DIGEST_LABEL = "reconciler hmac-sha256:"
"""How a description records the digest of the secret's value."""
_RECORDED = re.compile(re.escape(DIGEST_LABEL) + r"([0-9a-f]{32})")
_DERIVATION = b"reconciler: secret digest key v1"


def digest_key(secret_key: str | None, token: str) -> bytes:
    """The HMAC key: ``RECONCILER_SECRET_KEY`` when set, else one derived from the token."""
    if secret_key:
        return secret_key.encode()
    return hmac.new(token.encode(), _DERIVATION, hashlib.sha256).digest()


def secret_digest(key: bytes, variable_key: str, value: str) -> str:
    """The keyed digest of a secret value under its variable key (32 hex digits)."""
    message = variable_key.encode() + b"\0" + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def described(digest: str) -> str:
    """The description a secret is written with: its digest, labelled."""
    return f"{DIGEST_LABEL}{digest}"


def recorded_digest(description: object) -> str | None:
    """The digest a secret's description records, or ``None``."""
    found = _RECORDED.search(description) if isinstance(description, str) else None
    return found.group(1) if found else None
