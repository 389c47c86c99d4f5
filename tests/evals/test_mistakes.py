"""``evals/mistakes.yaml`` and ``tutor eval mistakes``: does the grader name the common mistake
an answer states? The data, the figures (scripted graders), the real offline grader end to end
(graded exactly as the grading service grades an item), bad files and the CLI gates."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.evals.conftest import ARTIFACT_MISSING, ScriptedGrader, grade
from tutor.cli import app
from tutor.corpus import Corpus, ItemType
from tutor.errors import BadRequestError
from tutor.evals import mistakes as m
from tutor.evals.graders import OfflineAdapter
from tutor.grading.models import Grade, GradeRequest, Verdict
from tutor.grading.rubric import normalise_answer
from tutor.grading.service import GradingService
from tutor.retrieval import MiniLMEmbedder

EVAL_ANSWERS = m.DEFAULT_FILE.parent / "corpus" / "answers.yaml"
runner = CliRunner()


class Counting:
    """The real offline grader, counting the calls made to it."""

    name, batch_size = "offline", 64

    def __init__(self, inner: OfflineAdapter) -> None:
        self.inner, self.calls = inner, 0

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        self.calls += 1
        return await self.inner.grade(requests)


class Naming:
    """A scripted grader that names the common mistakes ``pick`` chooses from each request."""

    name, version, batch_size = "naming", "naming@1", 64

    def __init__(self, pick: Callable[[GradeRequest], list[str]]) -> None:
        self.pick = pick
        self.requests: list[GradeRequest] = []

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        self.requests += requests
        blank = grade(Verdict.INCORRECT)
        return [blank.model_copy(update={"mistakes": self.pick(r)}) for r in requests]


@pytest.fixture(scope="module")
def answers(starter_corpus: Corpus) -> list[m.MistakeAnswer]:
    return m.load_answers(m.DEFAULT_FILE, starter_corpus)


def test_the_file_has_enough_answers_items_and_the_planned_mix(
    answers: list[m.MistakeAnswer], starter_corpus: Corpus
) -> None:
    assert len(answers) >= 70 and len({a.item for a in answers}) >= 15
    for a in answers:
        item = starter_corpus.item(a.item)[1]
        assert item.type is ItemType.FREE_TEXT
        assert all(0 <= i < len(item.common_mistakes) for i in [*a.mistakes, *a.rejects])
    kinds = Counter(f"{a.kind}{len(a.mistakes)}" if a.mistakes else a.kind for a in answers)
    share = {k: v / len(answers) for k, v in kinds.items()}
    assert 0.35 <= share["mistake1"] <= 0.45 and 0.07 <= share["mistake2"] <= 0.13
    assert 0.2 <= share["right"] <= 0.3 and 0.2 <= share["other"] + share["rejects"] <= 0.3
    assert share["rejects"] >= 0.1  # the contrast set is big enough to count on


def _overlap(a: str, b: str) -> float:
    x, y = set(normalise_answer(a).split()), set(normalise_answer(b).split())
    return len(x & y) / max(len(x | y), 1)


def test_the_answers_are_our_own_words(
    answers: list[m.MistakeAnswer], starter_corpus: Corpus
) -> None:
    """Not the corpus eval's answers, not the grader's graded examples, not the mistake texts."""
    evals: dict[str, list[str]] = {}
    for case in yaml.safe_load(EVAL_ANSWERS.read_text(encoding="utf-8"))["cases"]:
        evals.setdefault(case["item"], []).append(case["answer"])
    for a in answers:
        item = starter_corpus.item(a.item)[1]
        others = [*evals.get(a.item, []), *(g.answer for g in item.graded_answers)]
        for other in [*others, *item.common_mistakes]:
            assert _overlap(a.answer, other) < 0.4, f"{a.id} is close to {other!r}"


async def test_precision_recall_and_the_contrast_set_are_counted_per_mistake(
    starter_corpus: Corpus,
) -> None:
    rows = [
        {"id": "a", "item": "ctx-02", "kind": "mistake", "mistakes": [0, 1], "answer": "x"},
        {"id": "b", "item": "ctx-04", "kind": "mistake", "mistakes": [2], "answer": "x"},
        {"id": "c", "item": "so-02", "kind": "right", "mistakes": [], "answer": "x"},
        {"id": "d", "item": "hal-02", "kind": "rejects", "mistakes": [], "rejects": [0],
         "answer": "x"},
    ]  # fmt: skip
    picked = [m.MistakeAnswer.model_validate(r) for r in rows]
    first = Naming(lambda r: r.common_mistakes[:1])  # names mistake 0 of every item
    figures = m.figures(await m.measure(picked, starter_corpus, first))
    assert (figures["tp"], figures["fp"], figures["fn"]) == (1, 3, 2)
    assert (figures["precision"], figures["recall"], figures["f1"]) == (0.25, 0.3333, 0.2857)
    assert figures["contrast"]["named_the_rejected_mistake"] == figures["contrast"]["fp"] == 1
    assert figures["by_kind"]["right"]["answers_with_fp"] == 1
    assert figures["by_item"]["ctx-02"] == {"answers": 1, "labelled": 2, "detected": 1, "tp": 1,
                                            "fp": 0, "fn": 1, "answers_with_fp": 0}  # fmt: skip
    silent = m.figures(await m.measure(picked, starter_corpus, Naming(lambda r: [])))
    assert silent["precision"] is None and silent["recall"] == silent["f1"] == 0.0


@pytest.mark.skipif(ARTIFACT_MISSING, reason="the offline grader artifact is not there yet")
async def test_answers_are_graded_by_the_offline_grader_as_the_service_grades_an_item(
    answers: list[m.MistakeAnswer], starter_corpus: Corpus, grader_embedder: MiniLMEmbedder
) -> None:
    from tutor.grading.offline import OfflineGrader

    offline = OfflineGrader.load(grader_embedder)
    few = [a for a in answers if a.id in {"samp-06-m1", "samp-06-m2", "hal-02-m3", "so-06-m4"}]
    counting = Counting(OfflineAdapter(offline))
    scored = await m.measure(few, starter_corpus, counting)
    assert counting.calls == 1  # the offline adapter: one grade_many for the whole batch
    service = GradingService(offline=offline)
    for s in scored:
        item = starter_corpus.item(s.answer.item)[1]
        expected = await service.grade_item(item, s.answer.answer)
        assert s.verdict == expected.verdict.value
        assert s.detected == tuple(item.common_mistakes.index(x) for x in expected.mistakes)
    figures = m.figures(scored)
    assert figures["answers"] == 4 and figures["labelled"] == 2 and figures["items"] == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"item": "nope-01"}, "x-1: no item 'nope-01' in the corpus"),
        ({"mistakes": [2]},
         "x-1: mistake index 2 is out of range: item 'ctx-02' has 2 common mistakes (0..1)"),
        ({"kind": "rejects", "mistakes": [], "rejects": [-1]}, "x-1: mistake index -1"),
        ({"labels": [0]}, "answers[0] (x-1).labels: Extra inputs are not permitted"),
        ({"mistakes": ["0"]}, "answers[0] (x-1).mistakes.0: Input should be a valid integer"),
        ({"kind": "right"}, "mistakes must be non-empty exactly when kind is 'mistake'"),
        ({"item": "ctx-01"}, "x-1: item 'ctx-01' is not a free-text item"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_a_clear_error(
    tmp_path: Path, starter_corpus: Corpus, row: dict[str, object], message: str
) -> None:
    base = {"id": "x-1", "item": "ctx-02", "kind": "mistake", "mistakes": [0], "answer": "Hi."}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"answers": [base | row]}), encoding="utf-8")
    with pytest.raises(BadRequestError) as raised:
        m.load_answers(path, starter_corpus)
    assert message in str(raised.value) and str(path) in str(raised.value)


def test_a_gate_that_cannot_be_met_fails_the_cli(
    use_grader: Callable[[ScriptedGrader], None],
) -> None:
    use_grader(ScriptedGrader())  # names no mistake at all
    result = runner.invoke(app, ["eval", "mistakes", "--min-recall", "0.5"])
    assert result.exit_code == 1
    assert "gate failed: --min-recall 0.5: mistake recall is 0.0000, 0.5000 below" in result.stderr
    result = runner.invoke(app, ["eval", "mistakes", "--min-precision", "0.1"])
    assert result.exit_code == 1
    assert "mistake precision was not measured (the grader named no mistake)" in result.stderr


def test_the_cli_prints_a_table_or_one_json_document(monkeypatch: pytest.MonkeyPatch) -> None:
    everything = Naming(lambda r: list(r.common_mistakes))
    monkeypatch.setattr("tutor.evals.graders.offline_grader", lambda: everything)
    result = runner.invoke(app, ["eval", "mistakes", "--json", "--min-recall", "1"])
    assert result.exit_code == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["recall"] == 1.0 and figures["answers"] == len(everything.requests)
    assert figures["gates"] == [{"gate": "--min-recall", "figure": "recall", "limit": 1.0,
                                 "value": 1.0, "passed": True}]  # fmt: skip
    result = runner.invoke(app, ["eval", "mistakes", "evals/mistakes.yaml"])
    assert result.exit_code == 0 and "precision" in result.stdout
    assert "contrast" in result.stdout and "ctx-02" in result.stdout
