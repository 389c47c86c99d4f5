"""``evals/contrast.yaml``, its runner and ``tutor eval contrast``: the suite is complete, a bad
file names the bad case, the real offline grader runs it end to end, and gates fail the command."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import PROJECT_ROOT
from tutor.corpus import Corpus, ItemType
from tutor.errors import BadRequestError
from tutor.evals.contrast import KINDS, ContrastCase, load_contrast, run_contrast
from tutor.evals.contrast_report import Limits, check, figures
from tutor.evals.graders import OfflineAdapter
from tutor.grading.models import Feedback, Flag, Grade, GradeRequest, Verdict
from tutor.grading.rubric import normalise_answer

CONTRAST = PROJECT_ROOT / "evals" / "contrast.yaml"
EVAL_ANSWERS = PROJECT_ROOT / "evals" / "corpus" / "answers.yaml"
MINIMUM = {kind: 15 if kind == "paraphrase" else 8 for kind in KINDS}
PADDING = {"id": "bad-1", "item": "samp-02", "kind": "padding", "expect": "not_correct"}
runner = CliRunner()


def write(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"cases": cases}, allow_unicode=True), encoding="utf-8")
    return path


def case(id: str, answer: str, kind: str = "negated", expect: str = "not_correct",
         item: str = "samp-02", **more: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": id, "item": item, "kind": kind, "expect": expect, "answer": answer, **more}


# -- the suite -------------------------------------------------------------------------------


def test_the_suite_covers_every_kind_on_enough_items(starter_corpus: Corpus) -> None:
    cases = load_contrast(CONTRAST, starter_corpus)
    kinds = Counter(c.kind for c in cases)
    assert len(cases) >= 90
    assert len({c.item for c in cases}) >= 15
    assert {k: n for k, n in kinds.items() if n < MINIMUM[k]} == {}
    assert set(kinds) == set(KINDS)
    padded = [c for c in cases if c.kind == "padding"]
    assert all(1_000 <= len(c.text) <= 5_000 and c.base for c in padded)


def _words(text: str) -> set[str]:
    return set(normalise_answer(text).split())


def test_contrast_answers_are_not_copied_from_other_answer_sets(starter_corpus: Corpus) -> None:
    """The suite is our own text: no answer is close to an eval answer or a graded answer of
    its item (the graded answers are shown to the grader as examples)."""
    others: dict[str, list[str]] = {}
    for row in yaml.safe_load(EVAL_ANSWERS.read_text(encoding="utf-8"))["cases"]:
        others.setdefault(row["item"], []).append(row["answer"])
    for _, item in starter_corpus.items():
        others.setdefault(item.id, []).extend(g.answer for g in item.graded_answers)
    for c in load_contrast(CONTRAST, starter_corpus):
        mine = _words(c.base or c.text)
        for other in others.get(c.item, []):
            overlap = len(mine & _words(other)) / len(mine | _words(other))
            assert overlap < 0.6, f"{c.id} is close to {other!r}"


# -- bad files -------------------------------------------------------------------------------


def _choice_item(corpus: Corpus) -> str:
    return next(i.id for _, i in corpus.items() if i.type is ItemType.MULTIPLE_CHOICE)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (case("bad-1", "text", colour="red"), "case 2 (bad-1): colour: Extra inputs"),
        (case("bad-1", "text", kind="sarcasm"), "case 2 (bad-1): kind: Input should be"),
        (case("bad-1", "text", kind="paraphrase"), "a paraphrase case expects correct"),
        (case("bad-1", "text", item="no-such-item"), "case 2 (bad-1): no item 'no-such-item'"),
        (PADDING | {"base": "Too short.", "repeat": 2}, "has 21 characters, not 1,000 to 5,000"),
        (PADDING | {"base": "Short.", "repeat": 200, "answer": "x"}, "either `repeat` or"),
        (case("bad-1", "text", base="Short."), "only padding cases have `base`"),
        (case("ok-1", "text"), "case ids repeat: ['ok-1']"),
    ],
)
def test_a_bad_case_is_named_in_the_error(
    tmp_path: Path, starter_corpus: Corpus, row: dict[str, Any], message: str
) -> None:
    path = write(tmp_path / "bad.yaml", [case("ok-1", "A fine answer."), row])
    with pytest.raises(BadRequestError) as caught:
        load_contrast(path, starter_corpus)
    assert message in caught.value.message and str(path) in caught.value.message


def test_items_must_be_free_text_and_files_must_hold_cases(
    tmp_path: Path, starter_corpus: Corpus
) -> None:
    choice = _choice_item(starter_corpus)
    path = write(tmp_path / "mc.yaml", [case("mc-1", "B", item=choice)])
    with pytest.raises(BadRequestError, match=f"case 1 \\(mc-1\\): item '{choice}' is not a free"):
        load_contrast(path, starter_corpus)
    (tmp_path / "list.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(BadRequestError, match="write one key, `cases:`"):
        load_contrast(tmp_path / "list.yaml", starter_corpus)


# -- figures and gates, with a rule grader ---------------------------------------------------


class RuleGrader:
    """A ``Grader`` that grades by a rule on the request; counts its calls."""

    name, batch_size = "rule", 64

    def __init__(self, rule: Callable[[GradeRequest], tuple[Verdict, float, list[Flag]]]) -> None:
        self.rule, self.calls = rule, 0

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        self.calls += 1
        return [self._grade(*self.rule(r)) for r in requests]

    @staticmethod
    def _grade(verdict: Verdict, score: float, flags: list[Flag]) -> Grade:
        return Grade(verdict=verdict, score=score, confidence=0.9, flags=flags, engine="rule",
                     prompt="rule@1", feedback=Feedback(next_step="-", text="-"))  # fmt: skip


def long_is_better(request: GradeRequest) -> tuple[Verdict, float, list[Flag]]:
    """Rewards length, flags nothing: the grader the suite is meant to catch."""
    score = min(1.0, len(request.answer) / 1_500)
    return (Verdict.CORRECT if score >= 0.65 else Verdict.INCORRECT), score, []


async def test_gates_catch_a_grader_that_rewards_length(starter_corpus: Corpus) -> None:
    cases = [
        ContrastCase.model_validate(c)
        for c in (
            PADDING | {"id": "pad", "base": "Temperature makes it creative.", "repeat": 60},
            case("para", "Short but right.", kind="paraphrase", expect="correct"),
            case("fr", "Réponse juste.", kind="other_language", expect="needs_review"),
        )
    ]
    grader = RuleGrader(long_is_better)
    result = await run_contrast(cases, starter_corpus, grader)
    assert grader.calls == 1  # one batch: the cases and the padding base
    shown = figures(result)
    assert shown["wrong_correct"] == 1 and shown["kinds"]["padding"]["wrong_correct"] == 1
    assert shown["verbosity"]["inflated"] == 1 and shown["verbosity"]["max_lift"] > 0.9
    assert shown["paraphrase_recall"] == 0 and shown["review_rate"]["other_language"] == 0
    assert {m["id"] for m in shown["misses"]} == {"pad", "para", "fr"}
    outcomes = check(result, Limits(0, 0.5, 0, 0.5))
    assert [(o.option, o.passed) for o in outcomes] == [
        ("--max-wrong-correct", False),
        ("--min-paraphrase-correct", False),
        ("--max-verbosity-inflation", False),
        ("--min-review-rate", False),  # other_language
        ("--min-review-rate", False),  # gibberish: no such cases, so not measured
    ]
    assert "1 wrong answers graded correct (padding 1)" in outcomes[0].text
    assert "not measured" in outcomes[4].text
    assert all(o.passed for o in check(result, Limits(1, 0, 1, None)))


# -- the real offline grader -----------------------------------------------------------------


async def test_the_offline_grader_runs_the_suite_end_to_end(
    offline: OfflineAdapter, starter_corpus: Corpus
) -> None:
    _, item = starter_corpus.item("samp-02")
    cases = [
        ContrastCase.model_validate(c)
        for c in (
            case("ref", item.answer, kind="paraphrase", expect="correct"),
            case("mash", "qwpoeiru zmxncbv alskdjfh", kind="gibberish", expect="needs_review"),
            PADDING | {"id": "pad", "base": "Temperature is about creativity.", "repeat": 40},
        )
    ]
    for examples in (True, False):
        result = await run_contrast(cases, starter_corpus, offline, examples=examples)
        ref, mash, pad = result.graded
        assert ref.correct and ref.met  # the reference answer itself
        assert not mash.correct
        assert pad.base is not None and pad.lift == round(pad.grade.score - pad.base.score, 4)
        assert figures(result)["examples"] is examples


async def test_right_only_shows_the_items_graded_answers_scored_1_alone(
    offline: OfflineAdapter, starter_corpus: Corpus
) -> None:
    """An item written with model answers as its only graded examples: the runner shows
    those, and the figures say so."""
    _, item = starter_corpus.item("samp-02")
    shown: list[list[float]] = []

    class Recording:
        async def grade(self, requests: list[GradeRequest]) -> list[Grade]:
            shown.extend([e.score for e in r.examples] for r in requests)
            return await offline.grade(requests)

    cases = [ContrastCase.model_validate(case("ref", item.answer, kind="paraphrase",
                                              expect="correct"))]  # fmt: skip
    result = await run_contrast(cases, starter_corpus, Recording(), right_only=True)
    everything = await run_contrast(cases, starter_corpus, Recording())

    right, every = shown
    assert right and set(right) == {1.0} and len(right) < len(every)
    assert figures(result)["right_only"] and not figures(everything)["right_only"]


def _cli(offline: OfflineAdapter, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr("tutor.evals.graders.offline_grader", lambda: offline)
    return runner.invoke(app, ["eval", "contrast", *args])


def test_the_command_fails_when_a_wrong_answer_is_graded_correct(
    offline: OfflineAdapter,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    starter_corpus: Corpus,
) -> None:
    """The reference answer labelled as a wrong answer: the grader must call it correct, so
    the default gate (no wrong answer graded correct) fails."""
    _, item = starter_corpus.item("samp-02")
    path = write(tmp_path / "contrast.yaml", [case("ref-as-wrong", item.answer)])
    failed = _cli(offline, monkeypatch, str(path))
    assert failed.exit_code == 1
    gate = "--max-wrong-correct 0: 1 wrong answers graded correct (negated 1)"
    assert f"error: gate failed: {gate}" in failed.stderr
    assert "Contrast cases, with the items' graded answers" in failed.stdout
    passed = _cli(offline, monkeypatch, str(path), "--no-examples", "--max-wrong-correct", "1")
    assert passed.exit_code == 0, passed.stderr
    assert "gate passed: --max-wrong-correct 1" in passed.stdout
    assert "without examples" in passed.stdout
    right = _cli(offline, monkeypatch, str(path), "--right-only", "--max-wrong-correct", "1")
    assert right.exit_code == 0, right.stderr
    assert "with the items' graded answers scored 1 alone" in right.stdout
    both = _cli(offline, monkeypatch, str(path), "--right-only", "--no-examples")
    assert both.exit_code == 1
    assert "error: --no-examples and --right-only: choose one" in both.stderr


def test_the_command_prints_json_and_fails_an_unmeasured_gate(
    offline: OfflineAdapter, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(tmp_path / "contrast.yaml", [case("mash", "zzzz qqqq", kind="gibberish",
                                                   expect="needs_review")])  # fmt: skip
    result = _cli(offline, monkeypatch, str(path), "--json", "--min-paraphrase-correct", "0.9")
    assert result.exit_code == 1
    assert "--min-paraphrase-correct 0.9: not measured" in result.stderr
    shown = json.loads(result.stdout)
    assert shown["cases"] == 1 and shown["kinds"]["gibberish"]["n"] == 1
    assert [g["option"] for g in shown["gates"]] == ["--max-wrong-correct",
                                                     "--min-paraphrase-correct"]  # fmt: skip


def test_a_bad_file_is_one_error_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", [case("x-1", "text", expect="correct")])
    result = runner.invoke(app, ["eval", "contrast", str(path)])
    assert result.exit_code == 1
    assert "error:" in result.stderr and "case 1 (x-1)" in result.stderr
    assert "a negated case expects not_correct" in result.stderr
