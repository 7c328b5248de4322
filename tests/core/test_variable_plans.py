"""Declared against observed variables (core.variable_plans), with plain data."""

from __future__ import annotations

from typing import Any

from reconciler.core.plans import Origin
from reconciler.core.secrets import described, digest_key, recorded_digest, secret_digest
from reconciler.core.variable_plans import compare, marker_digest, secret_ref
from reconciler.core.variables import Op, parse

CLONE = "clone-1"


def var(key: str, value: Any, scope: str = "APPLICATION", **extra: Any) -> dict[str, Any]:
    found = {"id": f"{scope}-{key}", "key": key, "value": value, "scope": scope}
    return found | {"variable_type": "VALUE", "is_secret": False, "description": ""} | extra


def builtin(service: str, key: str, ident: str) -> dict[str, Any]:
    return var(key, None, "BUILT_IN", id=ident, variable_type="BUILT_IN", service_name=service)


def plan(declared: dict[str, Any], visible: list[dict[str, Any]], **kwargs: Any) -> Any:
    items = [parse(key, raw) for key, raw in declared.items()]
    return compare(items, visible, scope="APPLICATION", digests=kwargs.pop("digests", {}), **kwargs)


def test_undeclared_keys_built_ins_and_higher_scopes_are_never_touched() -> None:
    visible = [
        var("OTHER", "x"),
        var("REGION", "eu", "ENVIRONMENT"),
        builtin("pg", "Q_Z1_URL", "b"),
    ]
    assert plan({"LOG_LEVEL": "debug"}, visible).writes[0].op is Op.CREATE
    assert [w.key for w in plan({"LOG_LEVEL": "debug"}, visible).writes] == ["LOG_LEVEL"]
    assert plan({"OTHER": "x"}, visible).writes == ()


def test_a_key_of_a_higher_scope_becomes_an_override_never_a_second_variable() -> None:
    visible = [var("REGION", "eu", "ENVIRONMENT")]
    (write,) = plan({"REGION": "us"}, visible).writes
    assert write.op is Op.CREATE and write.override and write.parent_id == "ENVIRONMENT-REGION"
    overridden = var(
        "REGION", "us", variable_type="OVERRIDE", overridden_variable={"id": "ENVIRONMENT-REGION"}
    )
    assert plan({"REGION": "us"}, [*visible, overridden]).writes == ()
    (edit,) = plan({"REGION": "ca"}, [*visible, overridden]).writes
    assert edit.op is Op.EDIT and edit.before == "us" and edit.after == "ca"


def test_an_alias_pointing_elsewhere_is_deleted_and_made_again_deletes_first() -> None:
    visible = [
        builtin("postgres", "QOVERY_POSTGRESQL_ZSTAGING_DATABASE_URL_INTERNAL", "staging-db")
        | {"service_name": "old"},
        builtin("postgres", "QOVERY_POSTGRESQL_ZPREVIEW_DATABASE_URL_INTERNAL", "preview-db"),
        var(
            "DATABASE_URL",
            None,
            variable_type="ALIAS",
            aliased_variable={"id": "staging-db", "key": "S"},
        ),
        var("LEGACY", "1"),
    ]
    declared = {
        "A_FIRST": "x",
        "DATABASE_URL": {"alias": {"service": "postgres", "builtin": "DATABASE_URL_INTERNAL"}},
        "LEGACY": None,
    }
    found = plan(declared, visible)
    assert [(w.key, w.op) for w in found.writes] == [
        ("DATABASE_URL", Op.RECREATE),
        ("LEGACY", Op.DELETE),
        ("A_FIRST", Op.CREATE),
    ]
    assert found.writes[0].parent_id == "preview-db"
    assert {d.path for d in found.drift} == {
        "variables.DATABASE_URL",
        "variables.LEGACY",
        "variables.A_FIRST",
    }
    assert all(d.origin is Origin.VARIABLE for d in found.drift)


def test_a_missing_alias_target_names_what_exists() -> None:
    visible = [builtin("postgres", "Q_Z1_HOST", "h"), var("REDIS_HOST", "r", "ENVIRONMENT")]
    found = plan(
        {"DB": {"alias": {"service": "mysql", "builtin": "URL"}}, "C": {"alias": "NOPE"}}, visible
    )
    assert found.writes == ()
    assert (
        "no variable NOPE at environment or project scope here (there are: REDIS_HOST)"
        in found.problems[1]
    )
    assert (
        "no service 'mysql' with built-in variables here (services: postgres)" in found.problems[0]
    )
    suffix = plan({"DB": {"alias": {"service": "postgres", "builtin": "URL"}}}, visible)
    assert "has no built-in ending with _URL (it has: Q_Z1_HOST)" in suffix.problems[0]


def test_a_secret_is_compared_by_its_keyed_digest_only() -> None:
    key = digest_key(None, "Token tok")
    declared = parse("STRIPE", {"secret": {"from_env": "S"}})
    digest = secret_digest(key, "STRIPE", "sk_1")
    digests = {secret_ref(declared): digest}
    same = var("STRIPE", None, is_secret=True, description=described(digest))
    assert plan({"STRIPE": {"secret": {"from_env": "S"}}}, [same], digests=digests).writes == ()
    stale = var("STRIPE", None, is_secret=True, description="")
    found = plan({"STRIPE": {"secret": {"from_env": "S"}}}, [stale], digests=digests)
    assert found.secrets_changed == ("STRIPE",) and found.writes[0].op is Op.EDIT
    assert found.drift[0].expected == "(secret changed)" and found.drift[0].actual == "(secret)"
    plain = var("STRIPE", "visible")
    found = plan({"STRIPE": {"secret": {"from_env": "S"}}}, [plain], digests=digests)
    assert found.writes[0].op is Op.RECREATE and "visible" not in repr(found.drift)
    assert recorded_digest(described(digest)) == digest and "sk_1" not in described(digest)
    assert digest != secret_digest(digest_key("other", "Token tok"), "STRIPE", "sk_1")


def test_a_secret_over_a_plain_variable_of_a_higher_scope_is_refused() -> None:
    declared = parse("TOKEN", {"secret": {"from_env": "T"}})
    found = plan(
        {"TOKEN": {"secret": {"from_env": "T"}}},
        [var("TOKEN", "x", "PROJECT")],
        digests={secret_ref(declared): "d"},
    )
    assert "an override of it would not be secret" in found.problems[0]


def test_ignored_keys_are_left_out() -> None:
    assert plan({"A": "1"}, [var("A", "2")], ignore=("variables.A",)).writes == ()


def test_the_marker_digest_is_the_same_for_equal_declarations_and_differs_otherwise() -> None:
    declared = (parse("A", "1"), parse("B", {"alias": "A"}))
    again = [parse("A", "1"), parse("B", {"alias": "A"})]
    other = (parse("A", "2"), parse("B", {"alias": "A"}))
    first = marker_digest("0123456789ab", declared, ())
    assert marker_digest("0123456789ab", again, []) == first  # any sequences, equal values
    assert marker_digest("0123456789ab", other, ()) != first
    assert marker_digest("ba9876543210", declared, ()) != first
    assert marker_digest("0123456789ab", declared, ("variables.A",)) != first
    assert marker_digest("0123456789ab", (), ()) == "0123456789ab"
