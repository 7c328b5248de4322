"""Faults the sandbox injects into Qovery paths: random rates and targeted rules.

``Faults`` is set at start (``reconciler sandbox --latency ... --error-rate ...``) or at run
time (``PUT /_sandbox/faults``). For each request on a Qovery path the server asks
``Faults.decide(method, path, template)`` for a ``Decision``:

- a ``rule`` (first match wins; ``times`` uses it up): ``respond`` (canned status, body,
  content type, headers), ``drop`` (close before acting), ``drop_after`` (act, then close
  without answering), ``truncate`` (act, send status and headers, half the body, close),
  ``delay`` (sleep ``seconds``, then act normally), ``trickle`` (act, send the body a few bytes
  at a time over ``seconds``);
- else the random faults: ``latency`` (sleep), ``rate_limit_rate`` (429 with
  ``Retry-After: retry_after``), ``error_rate`` (a 5xx), both before acting, and
  ``ambiguous_clone_rate`` (a clone is performed, then the connection is closed without an
  answer).

The random faults of a request come from its own generator, seeded with (seed, method, path
template, how many requests of that method and template came before): the n-th clone call
meets the same fault whatever the other requests and however the threads interleave. The
template (``/application/{id}/clone``) is the server's route; no seed draws one at ``set``.

Neighbours: ``server`` applies the decisions; this module does no I/O.
"""

from __future__ import annotations

import fnmatch
import random
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.problems import bad_request

ACTIONS = ("respond", "drop", "drop_after", "truncate", "delay", "trickle")
SETTINGS = (
    "latency",
    "error_rate",
    "rate_limit_rate",
    "retry_after",
    "ambiguous_clone_rate",
    "seed",
    "rules",
)
SERVER_ERRORS = (500, 502, 503, 504)


@dataclass
class Rule:
    """One targeted fault: requests matching ``method`` and ``path`` get ``action``."""

    action: str
    method: str = "*"
    path: str = "*"
    times: int | None = None
    status: int = 500
    body: str = ""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        method_ok = self.method == "*" or self.method.upper() == method
        return method_ok and fnmatch.fnmatchcase(path, self.path)


@dataclass(frozen=True)
class Decision:
    """What to do with one request. ``rule`` set: a rule matched; else the random faults."""

    rule: Rule | None = None
    latency: float = 0.0
    fail_status: int | None = None  # 429 or a 5xx, sent before acting
    retry_after: float = 1.0
    lose_clone: bool = False  # act, then close without answering (for a clone)


class Faults:
    """The fault settings of a running sandbox; thread-safe."""

    def __init__(self, **settings: Any) -> None:
        self._lock = threading.Lock()
        self.set(**settings)

    def set(self, **settings: Any) -> None:
        """Replace every setting (those not given return to "no fault")."""
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise bad_request(f"unknown fault settings: {', '.join(sorted(unknown))}")
        latency = _number(settings, "latency", 0.0)
        error_rate = _rate(settings, "error_rate")
        rate_limit_rate = _rate(settings, "rate_limit_rate")
        ambiguous = _rate(settings, "ambiguous_clone_rate")
        retry_after = _number(settings, "retry_after", 1.0)
        seed = settings.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise bad_request("seed must be an integer")
        rules = [_rule(r, i) for i, r in enumerate(settings.get("rules") or [])]
        with self._lock:
            self.latency, self.error_rate, self.rate_limit_rate = (
                latency,
                error_rate,
                rate_limit_rate,
            )
            self.ambiguous_clone_rate, self.retry_after = ambiguous, retry_after
            self.seed, self.rules = seed, rules
            self._base = seed if seed is not None else secrets.randbits(64)
            self._counts: Counter[tuple[str, str]] = Counter()

    def clear(self) -> None:
        self.set()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency": self.latency,
                "error_rate": self.error_rate,
                "rate_limit_rate": self.rate_limit_rate,
                "retry_after": self.retry_after,
                "ambiguous_clone_rate": self.ambiguous_clone_rate,
                "seed": self.seed,
                "rules": [vars(rule).copy() for rule in self.rules],
            }

    def decide(self, method: str, path: str, template: str | None = None) -> Decision:
        """The fault for this request; ``template`` (default ``path``) keys its generator."""
        key = (method, path if template is None else template)
        with self._lock:
            count = self._counts[key]
            self._counts[key] = count + 1
            for rule in self.rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                    return Decision(rule=rule)
            rates = (self.rate_limit_rate, self.error_rate, self.ambiguous_clone_rate)
            latency, retry_after = self.latency, self.retry_after
            draw = random.Random(f"{self._base}|{key[0]}|{key[1]}|{count}")
        # Always the same draws, in the same order: each rate has its own number.
        limited, errored = draw.random(), draw.random()
        status, lost = draw.choice(SERVER_ERRORS), draw.random()
        fail = None
        if limited < rates[0]:
            fail = 429
        elif errored < rates[1]:
            fail = status
        is_clone = method == "POST" and path.endswith("/clone")
        return Decision(
            latency=latency,
            fail_status=fail,
            retry_after=retry_after,
            lose_clone=is_clone and lost < rates[2],
        )


def _number(settings: dict[str, Any], key: str, default: float) -> float:
    value = settings.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise bad_request(f"{key} must be a number of seconds, at least 0")
    return float(value)


def _rate(settings: dict[str, Any], key: str) -> float:
    value = _number(settings, key, 0.0)
    if value > 1:
        raise bad_request(f"{key} must be a rate from 0 to 1")
    return value


def _rule(raw: Any, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise bad_request(f"rules[{index}] must be an object")
    known = {
        "action",
        "method",
        "path",
        "times",
        "status",
        "body",
        "content_type",
        "headers",
        "seconds",
    }
    unknown = set(raw) - known
    if unknown:
        raise bad_request(f"rules[{index}]: unknown keys {', '.join(sorted(unknown))}")
    if raw.get("action") not in ACTIONS:
        raise bad_request(f"rules[{index}].action must be one of {', '.join(ACTIONS)}")
    try:
        return Rule(
            action=raw["action"],
            method=str(raw.get("method", "*")),
            path=str(raw.get("path", "*")),
            times=None if raw.get("times") is None else int(raw["times"]),
            status=int(raw.get("status", 500)),
            body=str(raw.get("body", "")),
            content_type=str(raw.get("content_type", "application/json")),
            headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()},
            seconds=float(raw.get("seconds", 0.0)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise bad_request(f"rules[{index}]: {exc}") from None
