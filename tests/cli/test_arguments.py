"""The typed options: built once from the parsed flags; every flag has its field."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from reconciler.cli import build_parser
from reconciler.commands import arguments
from reconciler.commands.arguments import OPTIONS, ApplyOptions, DriftOptions, PlanOptions
from reconciler.core.errors import UsageError
from reconciler.rendering.views import ViewType

OUTPUT_FLAGS = {"json", "markdown", "help", "command"}  # read by view_type, or by argparse


def options(*argv: str) -> arguments.Options:
    return arguments.parse(build_parser().parse_args(list(argv)))


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_every_flag_of_a_command_is_a_field_of_its_options(command: str) -> None:
    names = {f.name for f in dataclasses.fields(OPTIONS[command])}
    dests = {a.dest for a in subcommands()[command]._actions} - OUTPUT_FLAGS
    assert dests <= names, f"flags without a field on {OPTIONS[command].__name__}"


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (("drift", "m.yaml", "--markdown"), ViewType.MARKDOWN),
        (("drift", "m.yaml", "--json"), ViewType.JSON),
        (("plan", "m.yaml"), ViewType.HUMAN),
        (("apply", "m.yaml", "--json"), ViewType.JSON),
    ],
)
def test_the_output_flags_become_one_view_type(argv: tuple[str, ...], kind: ViewType) -> None:
    assert options(*argv).view_type is kind


def test_options_are_typed_frozen_values() -> None:
    parsed = options("plan", "a.yaml", "b.yaml", "--target", "x.*", "--target", "y", "--out", "f")
    assert isinstance(parsed, PlanOptions)
    assert parsed.paths == ("a.yaml", "b.yaml") and parsed.target == ("x.*", "y")
    assert parsed.out == "f" and parsed.parallelism == 8 and not parsed.detailed_exitcode
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.out = "g"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ApplyOptions(paths=("m.yaml",), plan_file="p.json"), "not both"),
        (lambda: ApplyOptions(), "needs PATH"),
        (
            lambda: DriftOptions(paths=("m",), sandbox=True, api_url="http://x"),
            "cannot be combined",
        ),
    ],
)
def test_a_combination_that_makes_no_sense_is_refused_when_the_options_are_made(
    make: object, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        make()  # type: ignore[operator]
