"""The two YAML composers agree: libyaml's (fast) and the pure-Python one (the reference).

``loading.parse_text`` composes a plain file with libyaml (``composing.fast_nodes``) and any
other with PyYAML's pure-Python loader. Whichever reads a file, the documents (values,
positions of every node and key) and the diagnostics must be the same: here every manifest
the project holds (the corpus, the examples, the golden cases) and the rich manifest of
``test_manifest_fuzz_more`` edited at random are parsed both ways and compared. The careful
way is the one ``parse_text`` takes when ``fast_nodes`` declines, forced here by making it
decline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_manifest_fuzz_more import EDITS, RICH, edited

from reconciler.edges import composing, loading
from reconciler.edges.loading import parse_text

REPO = Path(__file__).parents[2]
COMPARED = settings(
    max_examples=300, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
PLAIN_RICH = RICH.replace("1?*", "1*")  # without its "?", the rich manifest takes the fast door
MANIFESTS = sorted(
    path
    for pattern in ("tests/manifests/**/*.yaml", "tests/manifests/**/*.yml", "examples/**/*.y*ml")
    for path in REPO.glob(pattern)
) + sorted(REPO.glob("manifests/*.yaml"))


def parsed_both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """``parse_text`` as it runs, and with the pure-Python loader forced."""
    fast = parse_text(text, "m.yaml")
    with monkeypatch.context() as patched:
        patched.setattr(loading, "fast_nodes", lambda text: None)
        careful = parse_text(text, "m.yaml")
    return fast, careful


def test_there_are_manifests_to_compare() -> None:
    assert len(MANIFESTS) > 100


@pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(REPO)) for p in MANIFESTS])
def test_every_manifest_of_the_project_parses_the_same_both_ways(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    fast, careful = parsed_both_ways(text, monkeypatch)
    assert fast == careful


def test_an_ordinary_manifest_is_composed_by_libyaml() -> None:
    assert composing.fast_nodes(PLAIN_RICH) is not None
    assert composing.fast_nodes("a: 1\n---\n---\nb: [x, {c: yes}]\n") is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: *x\n",  # an alias: only the careful loader counts them
        "a: [" * 70 + "]" * 70 + "\n",  # deeper than FAST_MAX_DEPTH
        "a: b: c\n",  # a syntax error: said in PyYAML's words
        "a: *nowhere\n",
        "a: b\tc\n",  # where the two disagree: a tab, a ?, a tag, a directive, |#, {a: }
        "a: {b: c?d}\n",
        "a: !x b\n",
        "%YAML 1.1\n---\na: b\n",
        "a: |#\n  b\n",
        "a: {b: }\n",
        "a: caf\u00e9\n",  # not ASCII
    ],
)
def test_libyaml_declines_what_the_careful_loader_must_say(text: str) -> None:
    assert composing.fast_nodes(text) is None


ASCII_EDITS = st.tuples(
    st.integers(min_value=0, max_value=len(PLAIN_RICH)),
    st.sampled_from(["insert", "delete", "swap"]),
    st.sampled_from([*" \n:-{}[],&*|>'\"#@`", "a", "0", "~", "\n  ", "\n- ", "{a: }", "--- "]),
)


@COMPARED
@given(edits=st.lists(st.one_of(EDITS, ASCII_EDITS), min_size=1, max_size=6))
def test_the_rich_manifest_edited_parses_the_same_both_ways(
    edits: list[tuple[int, str, str]],
) -> None:
    text = edited(PLAIN_RICH, edits)
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, careful = parsed_both_ways(text, monkeypatch)
    assert fast == careful, text
