"""Notifications: each event POSTed to every ``--notify`` URL, in the background.

``Notifier.send(events)`` only queues: one worker thread delivers, so a slow or dead
receiver never stalls a round. Each delivery (one event to one URL) is retried with
exponential backoff on a failure to connect, a timeout or an answer other than 2xx, each
attempt bounded by ``attempt_timeout`` and the whole delivery by ``deadline``; then it is
given up and reported through ``on_failure`` (reconcile logs it as a ``notify_failed``
warning). ``close`` waits for the queue at most ``drain`` seconds: the program never hangs
on a receiver.

The body is the event's JSON (contract section 14), or Slack's ``{"text": ...}`` for a URL
whose host is Slack's incoming-webhook host. Before it is sent, every string the notifier
was told is secret (the API token) is replaced by ``***`` in it, as the log does. A webhook
URL is a secret of its own (Slack's is): failures name only its host.

Neighbours: ``core.events`` (the events), ``http.post_json`` (the POST), ``commands``
(``reconcile`` and ``apply`` make one from ``--notify`` / ``RECONCILER_NOTIFY_URL``).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.core.errors import ApiError, UsageError
from reconciler.core.events import Event
from reconciler.edges.http import post_json

SLACK_HOSTS = ("hooks.slack.com",)
ENVIRONMENT_VARIABLE = "RECONCILER_NOTIFY_URL"
REDACTED = "***"


def notify_urls(flags: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """The URLs of ``--notify`` and ``RECONCILER_NOTIFY_URL`` (comma-separated), checked:
    ``http`` or ``https`` with a host (a ``UsageError`` naming only the bad URL's position)."""
    from_env = [u.strip() for u in environ.get(ENVIRONMENT_VARIABLE, "").split(",")]
    urls = tuple(dict.fromkeys(u for u in (*flags, *from_env) if u))
    for index, url in enumerate(urls, start=1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"notification URL #{index} is not an http:// or https:// URL with a host"
            )
    return urls


def is_slack(url: str) -> bool:
    """Whether ``url`` is a Slack incoming webhook (it takes ``{"text": ...}``)."""
    return (urlsplit(url).hostname or "").lower() in SLACK_HOSTS


def body_for(url: str, event: Event) -> dict[str, object]:
    """What ``url`` receives for ``event``."""
    if is_slack(url):
        return {"text": event.summary()}
    return dict(event.document())


@dataclass(frozen=True)
class DeliveryFailure:
    """A delivery given up: the receiver's host, the event, and the last problem met."""

    host: str
    event: str
    address: str | None
    problem: str
    attempts: int


class Notifier:
    """Delivers events to ``urls`` from one background thread."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        on_failure: Callable[[DeliveryFailure], None] = lambda failure: None,
        attempt_timeout: float = 5.0,
        deadline: float = 60.0,
        backoff: float = 0.5,
        drain: float = 10.0,
    ) -> None:
        self._urls = tuple(urls)
        self._on_failure = on_failure
        self._attempt_timeout, self._deadline = attempt_timeout, deadline
        self._backoff, self._drain = backoff, drain
        self._secrets: tuple[str, ...] = ()
        self._queue: queue.Queue[tuple[str, Event] | None] = queue.Queue()
        self._closing = threading.Event()
        self._worker = threading.Thread(target=self._work, name="notifier", daemon=True)
        if self._urls:
            self._worker.start()

    def __repr__(self) -> str:  # never the URLs: they may hold a secret
        return f"Notifier(urls={len(self._urls)})"

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Also replace these strings by ``***`` in every body sent from now on."""
        known = {*self._secrets, *(s for s in secrets if s)}
        self._secrets = tuple(sorted(known, key=len, reverse=True))

    def send(self, events: Iterable[Event]) -> None:
        """Queue each event for every URL; returns at once."""
        for event in events:
            for url in self._urls:
                self._queue.put((url, event))

    def close(self) -> None:
        """Deliver what is queued for at most ``drain`` seconds, then stop."""
        if not self._urls:
            return
        self._queue.put(None)
        self._worker.join(self._drain)
        self._closing.set()  # a delivery still retrying gives up at its next wait

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            self._deliver(*item)

    def _deliver(self, url: str, event: Event) -> None:
        started, attempts, problem = time.monotonic(), 0, ""
        data = json.loads(self._redacted(json.dumps(body_for(url, event), default=str)))
        while True:
            attempts += 1
            remaining = self._deadline - (time.monotonic() - started)
            try:
                status = post_json(url, data, timeout=min(self._attempt_timeout, remaining))
            except ApiError as exc:
                problem = str(exc)
            else:
                if 200 <= status < 300:
                    return
                problem = f"answered HTTP {status}"
            pause = self._backoff * 2 ** (attempts - 1)
            if time.monotonic() - started + pause >= self._deadline or self._closing.wait(pause):
                break
        host = urlsplit(url).hostname or "?"
        self._on_failure(DeliveryFailure(host, event.event.value, event.address, problem, attempts))

    def _redacted(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text
