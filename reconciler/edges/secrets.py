"""Secrets: reading declared secret values from the runner, and their keyed digests.

A manifest's ``{secret: {from_env: NAME}}`` is read from the reconciler's own environment,
``{secret: {from_file: PATH}}`` from a file (relative to the working directory; one trailing
newline is dropped, as editors add one). ``SecretReader`` reads each when it is needed and
never keeps, logs or quotes a value: its errors name the variable and the source only (never
the file's content, nor the bytes a decoder choked on). ``digests`` gives the planner the
keyed digest of every declared secret (``core.secrets``), read before any change is made, so
that a missing variable or file is an error before any change (contract section 10).

The digest key is ``RECONCILER_SECRET_KEY`` when set, else derived from the API token
(``Session.digest_key``). Neighbours: ``pipeline`` (digests), ``variable_writing`` (values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from reconciler.core.errors import ConfigError
from reconciler.core.secrets import secret_digest
from reconciler.core.variable_plans import secret_ref
from reconciler.core.variables import Declared, Sort

SECRET_KEY_ENV = "RECONCILER_SECRET_KEY"
MAX_SECRET_BYTES = 64 << 10


class SecretError(ConfigError):
    """A declared secret that cannot be read; the message names its source, never a value."""


class SecretReader:
    """Reads declared secrets from ``environ`` and files; digests them under ``key``."""

    def __init__(self, environ: Mapping[str, str], key: bytes) -> None:
        self._environ = environ
        self._key = key

    def __repr__(self) -> str:
        return "SecretReader(<secrets withheld>)"

    def value(self, declared: Declared) -> str:
        """The secret's value; ``SecretError`` naming its source when it cannot be read."""
        where = f"variables.{declared.key}"
        if declared.from_env is not None:
            found = self._environ.get(declared.from_env)
            if found is None:
                raise SecretError(
                    f"{where}: the environment variable {declared.from_env} is not set"
                )
            return found
        return _read_file(where, str(declared.from_file))

    def digest(self, declared: Declared) -> str:
        """The keyed digest of the secret's current value."""
        return secret_digest(self._key, declared.key, self.value(declared))

    def digests(self, declared: Iterable[Declared]) -> dict[str, str]:
        """The digest of every declared secret among ``declared``, by ``secret_ref``."""
        found: dict[str, str] = {}
        for item in declared:
            if item.sort is Sort.SECRET and secret_ref(item) not in found:
                found[secret_ref(item)] = self.digest(item)
        return found


def _read_file(where: str, path: str) -> str:
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise SecretError(f"{where}: cannot read {path}: {exc.strerror or 'error'}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise SecretError(f"{where}: {path} is larger than {MAX_SECRET_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(f"{where}: {path} is not UTF-8 text") from None
    return text[:-1] if text.endswith("\n") else text
