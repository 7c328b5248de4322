"""Declared variables: parsing, templating and the key-by-key merge (core.variables)."""

from __future__ import annotations

import pytest

from reconciler.core.variables import (
    DeclarationError,
    Declared,
    Sort,
    declare,
    merge_layers,
    parse,
    scope_of,
)

VALUES = {"app": "api", "name": "api-pr", "environment": "preview-101", "project": "shop"}


def test_every_sort_of_declaration_parses() -> None:
    raw = {
        "LOG_LEVEL": "debug",
        "PUBLIC_URL": "https://{name}-{environment}.{project}.acme.dev/{app}",
        "WORKERS": 4,
        "DEBUG": True,
        "CACHE_HOST": {"alias": "REDIS_HOST"},
        "DATABASE_URL": {"alias": {"service": "postgres", "builtin": "DATABASE_URL_INTERNAL"}},
        "STRIPE_KEY": {"secret": {"from_env": "PREVIEW_STRIPE_KEY"}},
        "CERT": {"secret": {"from_file": "certs/key.pem"}},
        "LEGACY_FLAG": None,
    }
    by_key = {d.key: d for d in declare(raw, VALUES)}
    assert by_key["PUBLIC_URL"].value == "https://api-pr-preview-101.shop.acme.dev/api"
    assert by_key["WORKERS"] == Declared("WORKERS", Sort.PLAIN, "4")
    assert by_key["DEBUG"].value == "true"
    assert by_key["CACHE_HOST"] == Declared("CACHE_HOST", Sort.ALIAS, "REDIS_HOST")
    assert by_key["DATABASE_URL"] == Declared(
        "DATABASE_URL", Sort.BUILTIN, "DATABASE_URL_INTERNAL", service="postgres"
    )
    assert by_key["STRIPE_KEY"].from_env == "PREVIEW_STRIPE_KEY"
    assert by_key["CERT"].from_file == "certs/key.pem"
    assert by_key["LEGACY_FLAG"].sort is Sort.ABSENT
    assert [d.key for d in declare(raw, VALUES)] == sorted(raw)


@pytest.mark.parametrize(
    ("key", "raw", "fragment"),
    [
        ("KEY", {"secret": "sk_live_1"}, "never written in a manifest"),
        ("KEY", {"secret": {"from_env": "A", "from_file": "b"}}, "secret takes"),
        ("KEY", "{branch}", "unknown placeholder '{branch}'"),
        ("KEY", "{app", "unbalanced braces"),
        ("KEY", {"alias": {"service": "pg"}}, "alias takes"),
        ("KEY", {"alias": "not a key"}, "alias takes"),
        ("KEY", {"other": 1}, "a value is text"),
        ("9KEY", "x", "must be letters"),
    ],
)
def test_bad_declarations_say_why(key: str, raw: object, fragment: str) -> None:
    with pytest.raises(DeclarationError, match=fragment.replace("{", r"\{").replace("}", r"\}")):
        parse(key, raw)


def test_the_target_wins_over_the_application_over_the_manifest_key_by_key() -> None:
    merged = merge_layers({"A": "m", "B": "m", "C": "m"}, {"B": "a", "C": "a"}, {"C": "t"})
    assert merged == {"A": "m", "B": "a", "C": "t"}
    assert merge_layers(None, {}, {"A": None}) == {"A": None}


def test_a_secret_declaration_in_a_document_names_its_source_only() -> None:
    declared = parse("KEY", {"secret": {"from_env": "PREVIEW_KEY"}})
    assert declared.as_document() == {"key": "KEY", "sort": "secret", "from_env": "PREVIEW_KEY"}


def test_each_kind_has_its_variable_scope() -> None:
    assert [scope_of(k) for k in ("application", "container", "job")] == [
        "APPLICATION",
        "CONTAINER",
        "JOB",
    ]
