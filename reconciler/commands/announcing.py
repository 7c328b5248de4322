"""What ``apply`` and ``reconcile`` both tell webhooks, without the loop's machinery.

``notify_apply`` is ``apply``'s one-shot use of the notifications (contract section 14),
``expiring_of`` the clones both tell about before they expire;
``token_strings`` are the token's forms to keep off the log and out of every notification.
Their own module, so that ``apply`` imports neither the metrics (``prometheus_client``)
nor the status server that only ``reconcile`` uses (``commands.watching``).

Neighbours: ``commands.apply``, ``commands.watching`` (the loop's ``Watch``);
``edges.notifying``, ``edges.connection``; ``core.events``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from reconciler.commands.arguments import PlanningOptions
from reconciler.core.errors import ReconcilerError
from reconciler.core.events import events_of_round
from reconciler.core.expiry import expiring_soon, parse_instant
from reconciler.core.model import CloneSet
from reconciler.core.outcomes import ApplyResult
from reconciler.core.plans import Change, Plan
from reconciler.edges.connection import resolve_connection
from reconciler.edges.notifying import Notifier
from reconciler.rendering.log import rfc3339_now


def expiring_of(plan: Plan, clonesets: Iterable[CloneSet]) -> tuple[Change, ...]:
    """The plan's clones that expire within their manifest's ``expiry_warning``, judged at
    the plan's clock: the ``expiring`` events."""
    now = parse_instant(plan.now)
    if now is None:
        return ()
    policies = {cloneset.name: cloneset.policy for cloneset in clonesets}
    return tuple(change for change, _ in expiring_soon(plan.changes, policies, now))


def notify_apply(
    urls: Sequence[str],
    plan: Plan,
    result: ApplyResult,
    secrets: Iterable[str],
    warn: Callable[[str], None],
    expiring: Sequence[Change] = (),
) -> None:
    """``apply --notify``: the events of this apply (and the ``expiring`` clones) to ``urls``
    (checked by ``notify_urls``), delivered before the command ends (bounded: a dead
    receiver delays the end by at most the notifier's drain)."""
    if not urls:
        return
    notifier = Notifier(
        urls,
        on_failure=lambda f: warn(
            f"warning: the {f.event} notification to {f.host} was not delivered: {f.problem}"
        ),
    )
    notifier.add_secrets(secrets)
    notifier.send(events_of_round(plan, result, (), rfc3339_now(), expiring))
    notifier.close()


def token_strings(options: PlanningOptions) -> tuple[str, ...]:
    """The token (read again: a mounted secret may rotate), to keep off the log and out of
    every notification: the Authorization value and the bare token."""
    if options.sandbox:
        return ()
    try:
        connection = resolve_connection(
            api_url=options.api_url, token_file=options.token_file, environ=os.environ
        )
    except ReconcilerError:
        return ()  # ``connect`` raises the same error, and the command reports it
    authorization = connection.authorization
    return (authorization, authorization.partition(" ")[2])
