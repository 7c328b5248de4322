"""The pure core: values and decisions, no I/O.

Nothing here imports httpx, yaml, pathlib or any module of ``reconciler.edges``,
``reconciler.rendering`` or above (import-linter holds it). Manifests arrive as
``model.CloneSet``; ``resolving`` turns names into ids and collects every problem;
``planning`` pairs desired clones with observed services and decides; ``guarding`` refuses a
plan that deletes too much; ``plans`` is the value apply consumes and the JSON document users
read. Tested with plain data: ``pytest tests/core``.
"""
