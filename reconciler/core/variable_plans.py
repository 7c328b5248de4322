"""Declared against observed variables of one clone: its drift and its writes. Pure.

``compare`` takes a clone's declarations (``variables.Declared``), the variables the API
lists as visible at the clone's scope (its own, the environment's and project's, the
environment's built-ins) and the digests of its declared secrets, and answers:

- ``writes``: what brings the clone's own variables to the declaration, in the order they
  must be sent (deletes first, so that a key is free before it is created again);
- ``drift``: one ``DriftItem`` per differing declared key, ``path: variables.KEY``,
  ``origin: variable``; a secret only ever shows as ``(secret)``;
- ``secrets_changed``: a declared secret whose recorded digest is missing or another (it is
  rewritten whatever ``on_drift`` says: contract section 10);
- ``problems``: aliases whose target does not exist in the clone's environment, naming what
  does.

Only declared keys are looked at, and only the clone's own scope is ever written: a key that
exists at environment or project scope becomes an override of it, never a second variable.
``declaration_digest`` is what the ownership marker adds for a clone's variables, so that a
changed declaration is told from drift. Neighbours: ``variables`` (declarations, writes),
``secrets`` (digests), ``planning`` and ``edges.executing`` (the callers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reconciler.core.model import DesiredClone, ObservedApplication
from reconciler.core.plans import DriftItem, Origin
from reconciler.core.secrets import recorded_digest
from reconciler.core.variables import Declared, Op, Sort, VariableWrite, scope_of

HIGHER_SCOPES = ("ENVIRONMENT", "PROJECT")
BUILT_IN = "BUILT_IN"
SECRET = "(secret)"
PREFIX = "variables."

Variable = Mapping[str, Any]
"""One ``VariableResponse`` of the API."""


def secret_ref(declared: Declared) -> str:
    """The key of a declared secret in a digest mapping: its variable key and its source."""
    return f"{declared.key}\0{declared.from_env or ''}\0{declared.from_file or ''}"


def declaration_digest(declared: Sequence[Declared], ignore: Sequence[str] = ()) -> str:
    """A short digest of a clone's variable declarations (ignored keys aside)."""
    kept = [d.as_document() for d in declared if PREFIX + d.key not in ignore]
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class VariablePlan:
    """What ``compare`` found for one clone."""

    writes: tuple[VariableWrite, ...] = ()
    drift: tuple[DriftItem, ...] = ()
    secrets_changed: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


NO_VARIABLES = VariablePlan()  # a clone that declares none


class _Seen:
    """The variables visible at a clone's scope, sorted by where they live."""

    def __init__(self, visible: Sequence[Variable], scope: str) -> None:
        self.own = {str(v.get("key")): v for v in visible if v.get("scope") == scope}
        self.higher = {str(v.get("key")): v for v in visible if v.get("scope") in HIGHER_SCOPES}
        for v in visible:  # the nearer scope wins: ENVIRONMENT over PROJECT
            if v.get("scope") == "ENVIRONMENT":
                self.higher[str(v.get("key"))] = v
        self.builtins = [v for v in visible if v.get("scope") == BUILT_IN]

    def alias_target(self, declared: Declared) -> Variable | str:
        """The variable an alias declaration points at, or why there is none."""
        if declared.sort is Sort.ALIAS:
            found = self.higher.get(str(declared.value))
            if found is not None:
                return found
            keys = ", ".join(sorted(self.higher)) or "none"
            return (
                f"variables.{declared.key}: no variable {declared.value} at environment or "
                f"project scope here (there are: {keys})"
            )
        return self._builtin(declared)

    def _builtin(self, declared: Declared) -> Variable | str:
        service = str(declared.service).casefold()
        mine = [v for v in self.builtins if str(v.get("service_name", "")).casefold() == service]
        suffix = f"_{declared.value}"
        for v in sorted(mine, key=lambda v: str(v.get("key"))):
            if str(v.get("key", "")).endswith(suffix):
                return v
        if not mine:
            names = sorted(
                {str(v.get("service_name")) for v in self.builtins if v.get("service_name")}
            )
            return (
                f"variables.{declared.key}: no service {declared.service!r} with built-in "
                f"variables here (services: {', '.join(names) or 'none'})"
            )
        keys = ", ".join(sorted(str(v.get("key")) for v in mine))
        return (
            f"variables.{declared.key}: service {declared.service!r} has no built-in ending "
            f"with {suffix} (it has: {keys})"
        )


def shown(variable: Variable | None) -> str | None:
    """How an observed variable reads in a plan: never a secret's value."""
    if variable is None:
        return None
    if variable.get("variable_type") == "ALIAS":
        aliased = variable.get("aliased_variable")
        key = aliased.get("key") if isinstance(aliased, Mapping) else None
        return f"alias of {key}"
    if variable.get("is_secret") is True:
        return SECRET
    value = variable.get("value")
    return value if isinstance(value, str) else None


def compare(
    declared: Sequence[Declared],
    visible: Sequence[Variable],
    *,
    scope: str,
    digests: Mapping[str, str],
    ignore: Sequence[str] = (),
) -> VariablePlan:
    """The writes and drift that bring the clone's own variables to ``declared``."""
    seen = _Seen(visible, scope)
    writes: list[VariableWrite] = []
    problems: list[str] = []
    changed: list[str] = []
    for item in declared:
        if PREFIX + item.key in ignore:
            continue
        write = _decide(item, seen, digests)
        if isinstance(write, str):
            problems.append(write)
        elif write is not None:
            writes.append(write)
            if item.sort is Sort.SECRET and write.variable_id is not None:
                changed.append(item.key)
    ordered = sorted(writes, key=lambda w: (w.op not in (Op.DELETE, Op.RECREATE), w.key))
    drift = tuple(DriftItem(PREFIX + w.key, w.after, w.before, Origin.VARIABLE) for w in ordered)
    return VariablePlan(tuple(ordered), drift, tuple(changed), tuple(problems))


def _decide(item: Declared, seen: _Seen, digests: Mapping[str, str]) -> VariableWrite | str | None:
    own = seen.own.get(item.key)
    before = shown(own)
    if item.sort is Sort.ABSENT:
        if own is None:
            return None
        return VariableWrite(item.key, Op.DELETE, item, before, None, _id(own))
    if item.sort in (Sort.ALIAS, Sort.BUILTIN):
        return _alias(item, own, seen)
    higher = seen.higher.get(item.key)
    parent = _id(higher) if higher is not None else None
    if item.sort is Sort.SECRET:
        digest = digests.get(secret_ref(item))
        if digest is None:
            return f"variables.{item.key}: its secret was not read"
        if higher is not None and higher.get("is_secret") is not True:
            return (
                f"variables.{item.key}: {item.key} is a plain variable at {higher.get('scope')} "
                "scope; an override of it would not be secret"
            )
        fits = _shaped(own, higher, secret=True)
        if fits and recorded_digest(own.get("description") if own else None) == digest:
            return None
        if own is not None and before != SECRET:  # what becomes a secret shows no value
            before = "(not a secret)"
        after = SECRET if own is None or not fits else "(secret changed)"
        return _write(item, own, fits, before, after, parent, digest=digest)
    fits = _shaped(own, higher, secret=False)
    if fits and own is not None and own.get("value") == item.value:
        return None
    return _write(item, own, fits, before, item.value, parent)


def _write(
    item: Declared,
    own: Variable | None,
    fits: bool,
    before: str | None,
    after: str | None,
    parent: str | None,
    digest: str | None = None,
) -> VariableWrite:
    """Create when missing, edit when of the right sort, else delete and create."""
    op = Op.CREATE if own is None else Op.EDIT if fits else Op.RECREATE
    kept = own.get("description") if own is not None and op is Op.EDIT else None
    return VariableWrite(
        item.key,
        op,
        item,
        before,
        after,
        variable_id=_id(own) if own is not None else None,
        parent_id=parent,
        override=parent is not None,
        digest=digest,
        description=kept if isinstance(kept, str) else None,
    )


def _alias(item: Declared, own: Variable | None, seen: _Seen) -> VariableWrite | str | None:
    target = seen.alias_target(item)
    if isinstance(target, str):
        return target
    if item.key in seen.higher:
        return (
            f"variables.{item.key}: {item.key} exists at {seen.higher[item.key].get('scope')} "
            "scope; an alias cannot take its key"
        )
    after = f"alias of {target.get('key')}"
    aliased = own.get("aliased_variable") if own is not None else None
    if isinstance(aliased, Mapping) and aliased.get("id") == target.get("id"):
        return None
    op = Op.CREATE if own is None else Op.RECREATE
    own_id = _id(own) if own is not None else None
    return VariableWrite(item.key, op, item, shown(own), after, own_id, parent_id=_id(target))


def _shaped(own: Variable | None, higher: Variable | None, *, secret: bool) -> bool:
    """Whether the clone's own variable can be edited into the declaration (else recreated)."""
    if own is None:
        return False
    if bool(own.get("is_secret")) != secret:
        return False
    kind = own.get("variable_type")
    if higher is None:
        return kind == "VALUE"
    overridden = own.get("overridden_variable")
    return (
        kind == "OVERRIDE"
        and isinstance(overridden, Mapping)
        and overridden.get("id") == higher.get("id")
    )


def _id(variable: Variable) -> str:
    return str(variable.get("id", ""))


def for_clone(
    clone: DesiredClone, visible: Sequence[Variable] | None, digests: Mapping[str, str]
) -> VariablePlan:
    """``compare`` for one desired clone; ``visible``: ``None`` when they were not read."""
    if not clone.variables:
        return NO_VARIABLES
    if visible is None:
        return VariablePlan(problems=("the clone's variables were not read",))
    scope = scope_of(clone.kind)
    return compare(clone.variables, visible, scope=scope, digests=digests, ignore=clone.ignore)


def of_clone(
    clone: DesiredClone,
    target: ObservedApplication | None,
    seen: Mapping[str, Sequence[Variable]],
    digests: Mapping[str, str],
) -> VariablePlan:
    """What becomes of a clone's variables, compared once: for an existing clone, ``for_clone``
    of what it holds; for a clone still to be made (whose writes are decided once it exists),
    only the problems its aliases meet in what its environment holds (read when it declares
    one). Non-empty ``problems``: why they cannot be planned (an alias with no target…)."""
    if target is not None:
        return for_clone(clone, seen.get(target.id), digests)
    if not clone.variables:
        return NO_VARIABLES
    return VariablePlan(problems=new_clone_problems(clone, seen.get(clone.target_env.id)))


def new_clone_problems(clone: DesiredClone, visible: Sequence[Variable] | None) -> tuple[str, ...]:
    """Why a clone still to be made could not have its aliases, from what its environment
    holds (``visible``: read at environment scope when it declares one; else ``None``)."""
    aliases = [d for d in clone.variables if d.sort in (Sort.ALIAS, Sort.BUILTIN)]
    if visible is None or not aliases:
        return ()
    found = compare(aliases, visible, scope=scope_of(clone.kind), digests={}, ignore=clone.ignore)
    return found.problems


def marker_digest(config_digest: str, declared: Sequence[Declared], ignore: Sequence[str]) -> str:
    """The digest the marker records: the configuration's, and the variables' when declared
    (a clone without variables keeps the digest it always had)."""
    if not declared:
        return config_digest
    return _marker_digest(config_digest, tuple(declared), tuple(ignore))


@lru_cache(maxsize=4096)
def _marker_digest(
    config_digest: str, declared: tuple[Declared, ...], ignore: tuple[str, ...]
) -> str:
    """``marker_digest``, remembered: a plan asks it of each clone several times, and the
    clones of one entry declare the same variables."""
    text = f"{config_digest}/{declaration_digest(declared, ignore)}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def applied(found: VariablePlan, *, everything: bool) -> tuple[VariableWrite, ...]:
    """The writes a change carries out: all of them when it corrects or applies a changed
    declaration; else only the secrets to rewrite (whatever ``on_drift`` says)."""
    if everything or not found.writes:
        return found.writes
    return tuple(w for w in found.writes if w.key in found.secrets_changed)
