"""The observed state, indexed for planning: services by environment and name, and by id,
each one's compared (normalised) configuration computed once; environments can be added
as they are listed (``plan_ahead``). Pure.

Neighbours: ``planning`` (the only user), ``kinds`` (each kind normalises its own),
``ownership`` (``name_key``: names compare as Qovery compares them).
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.core.kinds import DEFAULT_KIND, kind_named
from reconciler.core.model import JSON, ObservedApplication, ObservedState
from reconciler.core.ownership import Application, name_key


class ObservedIndex:
    """The observed state, indexed: applications by environment and name, and by id."""

    def __init__(self, observed: ObservedState) -> None:
        self.failed = observed.failed
        self.by_name: dict[str, dict[str, ObservedApplication]] = {}
        self.by_id: dict[str, ObservedApplication] = {}
        self.environments: dict[str, tuple[ObservedApplication, ...]] = {}
        self._normalised: dict[str, dict[str, JSON]] = {}
        for env_id, apps in observed.applications.items():
            self.add(env_id, apps)

    def add(self, env_id: str, apps: tuple[ObservedApplication, ...]) -> None:
        """The services of one more environment (``plan_ahead`` adds them as they are
        listed); an environment is added once."""
        names = self.by_name.setdefault(env_id, {})
        for app in apps:
            names.setdefault(name_key(app.name), app)
            self.by_id[app.id] = app
        self.environments[env_id] = apps

    def find(self, env_id: str, name: str) -> ObservedApplication | None:
        """``ownership.find_named`` over the environment's listing, indexed."""
        names = self.by_name.get(env_id)
        return names.get(name_key(name)) if names is not None else None

    def compared(self, config: Application) -> Mapping[str, JSON]:
        """The normalised configuration of a listed application's ``config``."""
        app = self.by_id.get(str(config.get("id", "")))
        if app is not None and app.config is config:
            return self.normalised(app)
        return kind_named(app.kind if app is not None else DEFAULT_KIND).normalise(config)

    def normalised(self, app: ObservedApplication) -> dict[str, JSON]:
        """The app's compared configuration, computed once per application: the one the
        observer derived (``derivations``) as it is when it is a dict, never copied (read,
        never written, as every other holder of it)."""
        cached = self._normalised.get(app.id)
        if cached is None:
            known = app.normalised
            if type(known) is dict:
                cached = known
            elif known is not None:
                cached = dict(known)
            else:
                cached = kind_named(app.kind).normalise(app.config)
            self._normalised[app.id] = cached
        return cached
