"""Lesson validation: every problem is reported with its file, line and field."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tutor.cli import app
from tutor.corpus import ItemType, check_corpus

GOOD = """\
id: tiny
title: Tiny lesson
topic: Testing
concepts:
  - id: tiny-concept
    name: Tiny concept
passages:
  - section: big_idea
    text: Small lessons are easy to check.
items:
  - id: tiny-01
    concepts: [tiny-concept]
    difficulty: easy
    type: multiple_choice
    stem: Which is small?
    options:
      - {key: A, text: An ant}
      - {key: B, text: A whale}
    answer_key: A
    answer: An ant
    solution_steps:
      - {title: Compare, text: Ants are smaller than whales.}
    hints: [Think of insects.]
    common_mistakes: [Confusing mass with length.]
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_starter_corpus_is_complete_and_strictly_valid(corpus_copy: Path) -> None:
    report = check_corpus(corpus_copy)
    assert report.problems == []
    items = [item for _, item in report.corpus.items()]
    assert len(report.corpus.lessons) >= 8
    assert len(items) >= 60
    assert sum(i.type is ItemType.FREE_TEXT for i in items) * 2 >= len(items)
    assert {i.difficulty.value for i in items} == {"easy", "medium", "hard"}
    for item in items:
        assert item.solution_steps and item.hints and item.common_mistakes, item.id


def test_a_valid_lesson_loads(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD)
    report = check_corpus(tmp_path)
    assert report.problems == []
    lesson = report.corpus.lesson("tiny")
    assert lesson.passage_id(lesson.passages[0]) == "tiny/big-idea"


def test_field_errors_name_the_line_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("difficulty: easy", "difficulty: trivial").replace(
        "      - {key: B, text: A whale}", "      - {key: B}"
    )
    path = write(tmp_path, "tiny.yaml", bad)
    problems = check_corpus(tmp_path).errors
    fields = {p.field: p for p in problems}
    assert set(fields) == {"items.0.difficulty", "items.0.options.1.text"}
    assert (
        fields["items.0.difficulty"].line == bad.splitlines().index("    difficulty: trivial") + 1
    )
    assert fields["items.0.options.1.text"].line == bad.splitlines().index("      - {key: B}") + 1
    assert fields["items.0.difficulty"].file == str(path)


def test_an_answer_key_that_is_not_an_option_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD.replace("answer_key: A", "answer_key: C"))
    (problem,) = check_corpus(tmp_path).errors
    assert problem.field == "items.0"
    assert "answer_key 'C' is not one of the options ['A', 'B']" in problem.message


def test_unknown_concepts_and_extra_keys_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "extra.yaml", GOOD.replace("topic: Testing", "topic: Testing\ncolour: blue"))
    (extra,) = check_corpus(tmp_path).errors
    assert (extra.field, extra.line) == ("colour", 4)
    assert "Extra inputs are not permitted" in extra.message

    write(tmp_path, "extra.yaml", GOOD.replace("concepts: [tiny-concept]", "concepts: [missing]"))
    (unknown,) = check_corpus(tmp_path).errors
    assert "item tiny-01 names concepts not declared in the lesson: ['missing']" in unknown.message


def test_yaml_syntax_error_reports_its_line(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", GOOD.replace("  - section: big_idea", "  - section: [big_idea"))
    (problem,) = check_corpus(tmp_path).errors
    assert "not valid YAML" in problem.message
    assert problem.line is not None and 8 <= problem.line <= 12


def test_duplicates_across_files_and_prerequisite_cycles(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD)
    other = GOOD.replace("id: tiny\n", "id: tiny-two\n").replace(
        "    name: Tiny concept", "    name: Tiny concept\n    prerequisites: [tiny-concept]"
    )
    write(tmp_path, "tiny-two.yaml", other)
    messages = [str(p) for p in check_corpus(tmp_path).errors]
    assert any("item id 'tiny-01' is also used in" in m for m in messages)
    assert any("prerequisites form a cycle: tiny-concept -> tiny-concept" in m for m in messages)


def test_missing_teaching_material_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD.replace("    hints: [Think of insects.]\n", ""))
    report = check_corpus(tmp_path)
    assert report.errors == []
    assert [p.field for p in report.warnings] == ["items.0.hints"]


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    write(tmp_path / "good", "tiny.yaml", GOOD)
    ok = runner.invoke(app, ["corpus", "check", str(tmp_path / "good")])
    assert ok.exit_code == 0, ok.output
    assert "1 lessons" in ok.output

    write(tmp_path / "bad", "tiny.yaml", GOOD.replace("difficulty: easy", "difficulty: trivial"))
    bad = runner.invoke(app, ["corpus", "check", str(tmp_path / "bad"), "--json"])
    assert bad.exit_code == 1
    assert '"field": "items.0.difficulty"' in bad.output

    write(tmp_path / "warn", "tiny.yaml", GOOD.replace("    hints: [Think of insects.]\n", ""))
    assert runner.invoke(app, ["corpus", "check", str(tmp_path / "warn")]).exit_code == 0
    strict = runner.invoke(app, ["corpus", "check", str(tmp_path / "warn"), "--strict"])
    assert strict.exit_code == 1


def test_shared_concepts_must_be_declared_identically(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD)
    other = GOOD.replace("id: tiny\n", "id: tiny-two\n").replace("tiny-01", "tiny-02")
    write(tmp_path, "tiny-two.yaml", other.replace("name: Tiny concept", "name: Small concept"))
    (problem,) = check_corpus(tmp_path).errors
    assert "concept 'tiny-concept' is declared differently in lesson" in problem.message
    write(tmp_path, "tiny-two.yaml", other)
    assert check_corpus(tmp_path).problems == []


def test_file_name_should_match_lesson_id(tmp_path: Path) -> None:
    write(tmp_path, "misnamed.yaml", GOOD)
    (warning,) = check_corpus(tmp_path).warnings
    assert "name the file tiny.yaml" in warning.message


def test_repeated_concepts_in_an_item_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", GOOD.replace("[tiny-concept]", "[tiny-concept, tiny-concept]"))
    (problem,) = check_corpus(tmp_path).errors
    assert "duplicate concept in item tiny-01" in problem.message


FREE_TEXT = (
    GOOD
    + """\
  - id: tiny-02
    concepts: [tiny-concept]
    difficulty: easy
    type: free_text
    stem: Why is an ant small?
    answer: Insects breathe through tubes that only work over short distances.
    solution_steps:
      - {title: Breathing, text: Tracheae limit insect size.}
    hints: [Think about how insects breathe.]
    common_mistakes: [Saying ants choose to stay small.]
    graded_answers:
      - {score: 1.0, answer: Their breathing tubes only carry air a short way.}
      - {score: 0.0, answer: Because they eat very little.}
"""
)


def test_free_text_items_may_carry_graded_answers(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", FREE_TEXT)
    report = check_corpus(tmp_path)
    assert report.problems == []
    _, item = report.corpus.item("tiny-02")
    assert [(g.score, g.answer) for g in item.graded_answers] == [
        (1.0, "Their breathing tubes only carry air a short way."),
        (0.0, "Because they eat very little."),
    ]


def test_graded_answers_need_a_score_in_range_and_a_free_text_item(tmp_path: Path) -> None:
    bad = FREE_TEXT.replace("{score: 0.0, answer: Because", "{score: 5, answer: Because")
    write(tmp_path, "tiny.yaml", bad)
    (problem,) = check_corpus(tmp_path).errors
    assert problem.field == "items.1.graded_answers.1.score"
    assert (
        problem.line
        == bad.splitlines().index("      - {score: 5, answer: Because they eat very little.}") + 1
    )
    assert "less than or equal to 1" in problem.message

    on_choice = GOOD + "    graded_answers:\n      - {score: 1.0, answer: An ant.}\n"
    write(tmp_path, "tiny.yaml", on_choice)
    (problem,) = check_corpus(tmp_path).errors
    assert "graded_answers are for free_text items" in problem.message
