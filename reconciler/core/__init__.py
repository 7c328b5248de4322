"""The pure core: values and decisions, no I/O.

Nothing here imports httpx, yaml, pathlib or any module of ``reconciler.edges``,
``reconciler.rendering`` or above (import-linter holds it). Manifests arrive as
``model.CloneSet``; ``resolving`` turns names into ids and collects every problem;
``planning`` pairs desired clones with observed services and decides; ``guarding`` refuses a
plan that deletes too much; ``plans`` is the value apply consumes and the JSON document users
read; ``events`` says what a round tells the world (notifications, clone states) and
``budget`` how long to wait for the API's request budget. Tested with plain data:
``pytest tests/core``.
"""
