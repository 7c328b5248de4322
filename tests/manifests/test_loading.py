"""Loading: files and directories → documents with plain values and node positions."""

from __future__ import annotations

from pathlib import Path

from reconciler.core.errors import Position
from reconciler.edges.loading import (
    MAX_ALIASES,
    find_manifest_files,
    parse_text,
    read_documents,
    yaml11_reading,
)


def messages(text: str) -> list[str]:
    return [str(d) for d in parse_text(text, "m.yaml")[1]]


def test_values_are_plain_and_every_node_keeps_its_line_and_column() -> None:
    text = "a: 1\nb:\n  - c: x\n    d: [y, z]\n"
    (document,), problems = parse_text(text, "m.yaml")
    assert problems == []
    assert document.value == {"a": 1, "b": [{"c": "x", "d": ["y", "z"]}]}
    assert document.start == Position("m.yaml", 1, 1)
    assert document.position_of(("a",)) == Position("m.yaml", 1, 4)
    assert document.position_of(("b", 0, "d", 1)) == Position("m.yaml", 4, 12)
    assert document.key_position_of(("b", 0, "d")) == Position("m.yaml", 4, 5)
    # a path that is not written falls back to its nearest written ancestor
    assert document.position_of(("b", 0, "missing")) == Position("m.yaml", 3, 5)


def test_several_documents_per_file_and_empty_ones_skipped() -> None:
    documents, problems = parse_text("a: 1\n---\n---\nb: 2\n...\n", "m.yaml")
    assert problems == []
    assert [d.value for d in documents] == [{"a": 1}, {"b": 2}]
    assert [d.index for d in documents] == [0, 2]
    assert documents[1].start.line == 4


def test_a_file_without_any_document_is_an_error_naming_it() -> None:
    assert messages("") == ["m.yaml:1:1: the file holds no manifest"]
    assert messages("# only a comment\n---\n") == ["m.yaml:1:1: the file holds no manifest"]


def test_duplicate_keys_are_errors_at_the_second_key() -> None:
    assert messages("x: 1\ny:\n  z: 1\n  z: 2\n") == [
        "m.yaml:4:3: duplicate key 'z' (first at line 3)"
    ]


def test_only_plain_values_are_built() -> None:
    assert messages("a: !!python/name:os.system\n") == [
        "m.yaml:1:4: unsupported YAML tag '!!python/name:os.system'"
    ]
    assert messages("a: !custom x\n") == ["m.yaml:1:4: unsupported YAML tag '!custom'"]
    assert messages("a: !!set {x}\n") == ["m.yaml:1:4: unsupported YAML tag '!!set'"]
    (document,), _ = parse_text("when: 2024-01-02\n", "m.yaml")
    assert document.value == {"when": "2024-01-02"}  # a date stays text, JSON-like


def test_keys_must_be_text() -> None:
    assert messages("yes: 1\n") == ["m.yaml:1:1: a key must be text, got 'yes'; quote it"]
    assert messages("? [a]\n: 1\n") == ["m.yaml:1:3: a key must be text, not a list or a mapping"]


def test_merge_keys_merge_with_the_explicit_keys_winning() -> None:
    text = "base: &base {cpu: 1, memory: 2}\nover:\n  <<: *base\n  cpu: 3\n"
    (document,), problems = parse_text(text, "m.yaml")
    assert problems == []
    assert document.value["over"] == {"cpu": 3, "memory": 2}


def test_alias_bombs_and_cycles_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for prev, cur in zip("abcdef", "bcdefg", strict=True):
        bomb += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    assert any("alias bomb" in m for m in messages(bomb))
    assert messages("a: &a [*a]\n") == ["m.yaml:1:4: a YAML alias refers to itself"]
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    assert any("too many YAML aliases" in m for m in messages(many))


def test_syntax_errors_and_deep_nesting_are_diagnostics() -> None:
    (message,) = messages("a: [1, 2\nb: 3\n")
    assert message.startswith("m.yaml:2:2: YAML syntax error:")
    assert messages("[" * 3000) == ["m.yaml:1:1: YAML nested too deeply"]
    assert messages("a: .inf\n") == ["m.yaml:1:4: not a finite number: .inf"]


def test_directories_are_searched_recursively_sorted_skipping_hidden(tmp_path: Path) -> None:
    for name in ["b.yaml", "a.yml", "sub/c.yaml", ".git/x.yaml", "sub/.hidden.yaml", "notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    files, problems = find_manifest_files([str(tmp_path), str(tmp_path / "b.yaml")])
    assert problems == []
    assert files == [str(tmp_path / n) for n in ["a.yml", "b.yaml", "sub/c.yaml"]]


def test_a_file_named_explicitly_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    (tmp_path / "manifest.txt").write_text("x: 1\n")
    loaded = read_documents([str(tmp_path / "manifest.txt")])
    assert [d.value for d in loaded.documents] == [{"x": 1}]


def test_a_byte_order_mark_is_accepted_and_bad_bytes_are_located(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfx: 1\n")
    (tmp_path / "bad.yaml").write_bytes(b"x: 1\ny: \xff\n")
    loaded = read_documents([str(tmp_path)])
    assert [d.value for d in loaded.documents] == [{"x": 1}]
    (problem,) = loaded.diagnostics
    assert problem.position == Position(str(tmp_path / "bad.yaml"), 2, 4)
    assert "not valid UTF-8" in problem.message


def test_an_explicit_tag_on_a_bad_scalar_is_a_diagnostic() -> None:
    # found by the fuzzer: PyYAML itself raises IndexError / ValueError / KeyError on these
    assert messages("a: !!int\n") == ["m.yaml:1:4: not a valid !!int value: ''"]
    assert messages("a: !!float x\n") == ["m.yaml:1:4: not a valid !!float value: 'x'"]
    assert messages("a: !!bool maybe\n") == ["m.yaml:1:4: not a valid !!bool value: 'maybe'"]


def test_plain_scalars_that_yaml_1_1_and_1_2_read_apart_are_kept_as_written() -> None:
    words = ("yes", "No", "ON", "off", "Yes", "OFF")
    numbers = ("0755", "4:10", "1_000", "0b101", "1:30.5", "1_0.5")
    text = "".join(f"k{i}: {v}\n" for i, v in enumerate(words + numbers))
    (document,), problems = parse_text(text + "q: 'yes'\nt: true\nu: True\nx: 0x1F\nz: -0\n", "m")
    assert problems == []
    assert [document.value[f"k{i}"] for i in range(len(words + numbers))] == [*words, *numbers]
    assert {k: document.value[k] for k in "qtuxz"} == {
        "q": "yes",
        "t": True,
        "u": True,
        "x": 31,
        "z": 0,
    }
    # an explicit tag says what it means; a key is still text only
    assert parse_text("a: !!bool yes\n", "m")[0][0].value == {"a": True}
    assert messages("on: 1\n") == ["m.yaml:1:1: a key must be text, got 'on'; quote it"]


def test_yaml11_reading_says_what_yaml_1_1_would_make_of_a_scalar() -> None:
    readings = {"yes": True, "y": True, "N": False, "Off": False, "0755": 493, "4:10": 250}
    assert {text: yaml11_reading(text) for text in readings} == readings
    assert yaml11_reading("1_000") == 1000 and yaml11_reading("1:30.5") == 90.5
    for agreed in ("true", "False", "12", "0", "0x1F", "1.5", "abc", "1e3"):
        assert yaml11_reading(agreed) is None, agreed
