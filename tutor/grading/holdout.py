"""Grading questions no model saw: the held-out fold that the stack is fitted and measured on.

``scripts/train_cross_encoder.py`` ships a cross-encoder that never saw one fold of questions
(``datasets.question_folds``; the fold is recorded in ``cross_encoder.json``). Trees refitted
without those questions and that cross-encoder grade them; the stack and verdict bands are
fitted on half of the questions and measured, by verdict through ``OfflineGrader``, on the
other half, then the halves swap. That is the *new questions* figure: what a content team's
freshly written item gets.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor.grading import cross_encoder as ce
from tutor.grading.artifact import GraderArtifact, GraderModels, Stack, Thresholds
from tutor.grading.datasets import AsagRow, question_folds
from tutor.grading.evaluation import accuracy_by_coverage, pearson, requests, two_way, verdicts
from tutor.grading.features import EmbeddingTable
from tutor.grading.models import Flag, Grade, GradedExample, GradeRequest, Verdict
from tutor.grading.offline import OfflineGrader, key_length, stacked, tree_scores
from tutor.grading.stacking import fit_blend, review_band
from tutor.grading.training import TrainConfig, fit_cached, oof_examples
from tutor.retrieval.embedder import Embedder

Scores = npt.NDArray[np.float64]

# The verdict bands the learner sees. The band that maximises 2-way macro-F1 on the held-out
# questions (0.49) was measured and not shipped: it turns partial answers into "correct" and
# on our items' 3-way labels gave kappa 0.56 / macro-F1 0.67 against 0.73 / 0.81 at these.
PRODUCT_BANDS = (0.65, 0.35)

# The review thresholds by the number of graded examples (``Thresholds.review_examples``): each
# is fitted on the held-out questions graded with each of these counts of their other answers
# as examples (``ALL``: every answer outside the row's fold, dozens on the public sets).
ALL = 0
REVIEW_COUNTS: tuple[tuple[int, tuple[int, ...]], ...] = (
    (1, (1, 2)), (3, (3, 4)), (6, (6, 9)), (12, (12,)), (20, (20, ALL)),
)  # fmt: skip
FIGURE_COUNTS = (1, 3, 6, 12)  # the new-questions figures' review accuracy with this many


class HeldOut:
    """The held-out questions' rows and both models' probabilities for them."""

    def __init__(self, rows: list[AsagRow], models: GraderModels, table: EmbeddingTable,
                 cross: ce.CrossEncoder, config: TrainConfig) -> None:  # fmt: skip
        self.rows = rows
        self.targets = np.array([r.target for r in rows])
        self.questions = np.array([r.question_id for r in rows])
        self.family = [r.dataset.split("-")[0] for r in rows]
        self.references = [r.references for r in rows]
        self.count = np.array([len(r) for r in self.references])
        self.cross = cross.score([(r.question, r.references, r.answer) for r in rows])
        self.trees_bare = tree_scores(models, [r.case() for r in rows], table)[0]
        examples = oof_examples(rows, config)
        cases = [r.case(e) for r, e in zip(rows, examples, strict=True)]
        self.trees_graded = tree_scores(models, cases, table)[0]
        # the trees with a fixed number of graded examples each, for the review thresholds
        self.trees_by_count = {ALL: self.trees_graded}
        for k in {k for _, counts in REVIEW_COUNTS for k in counts} - {ALL}:
            few = oof_examples(rows, replace(config, few_examples=(k, k)), few=True, salt=k)
            cases = [r.case(e) for r, e in zip(rows, few, strict=True)]
            self.trees_by_count[k] = tree_scores(models, cases, table)[0]

    def fit(self, mask: np.ndarray) -> tuple[Stack, Thresholds]:
        """Stack and bands from the rows in ``mask``."""
        t = self.targets[mask]
        base = fit_blend(self.cross[mask], self.trees_bare[mask], t)
        graded = fit_blend(self.cross[mask], self.trees_graded[mask], t)
        one = mask & (self.count == 1)  # artifact.Stack.single
        length = key_length(self.references)[one]
        single = fit_blend(self.cross[one], self.trees_bare[one], self.targets[one], length)
        stack = Stack(base, graded, single=single)
        two = mask & np.isin(self.family, ["scientsbank", "beetle"])
        correct, incorrect = PRODUCT_BANDS
        bands = [review_band(p[two], self.targets[two], correct, list(self.questions[two]))
                 for p in (self.bare(stack), self.graded(stack))]  # fmt: skip
        by_count = []
        for fewest, counts in REVIEW_COUNTS:
            p = np.concatenate([self.with_count(stack, k)[two] for k in counts])
            targets = np.tile(self.targets[two], len(counts))
            questions = list(np.tile(self.questions[two], len(counts)))
            by_count.append((fewest, review_band(p, targets, correct, questions)))
        thresholds = Thresholds(
            correct=correct, incorrect=incorrect, review=bands[0], review_graded=bands[1],
            review_examples=tuple(by_count),
        )  # fmt: skip
        return stack, thresholds

    def reviewed(self, stack: Stack, thresholds: Thresholds, rows: np.ndarray) -> np.ndarray:
        """Per count of :data:`FIGURE_COUNTS`, graded with that many examples: the SciEntsBank
        and Beetle answers among ``rows`` given a verdict without review, how many of those
        are right (2-way), and how many answers there are."""
        y = self.targets >= 0.5
        rows = rows & np.isin(self.family, ["scientsbank", "beetle"])
        out = np.zeros((len(FIGURE_COUNTS), 3))
        for n, count in enumerate(FIGURE_COUNTS):
            said, confidence = verdicts(self.with_count(stack, count)[rows], thresholds.correct)
            kept = confidence >= thresholds.review_for(count)
            out[n] = kept.sum(), (said == y[rows])[kept].sum(), rows.sum()
        return out

    def with_count(self, stack: Stack, count: int) -> Scores:
        """The stack's P(correct) for every row, ``count`` of the other answers to its question
        as graded examples (``ALL``: every one outside its fold)."""
        has = np.full(len(self.rows), True, dtype=bool)
        return stacked(stack, self.trees_by_count[count], self.cross, has, self.references)

    def graded(self, stack: Stack) -> Scores:
        """The stack's P(correct) for every row, the other answers to its question as graded
        examples (``oof_examples``)."""
        return self.with_count(stack, ALL)

    def bare(self, stack: Stack) -> Scores:
        """The stack's P(correct) for every row, with no graded examples."""
        has = np.full(len(self.rows), False, dtype=bool)
        return stacked(stack, self.trees_bare, self.cross, has, self.references)


@dataclass(frozen=True)
class NewQuestions:
    figures: dict[str, float]
    stack: Stack  # fitted on every held-out question, for shipping
    thresholds: Thresholds
    curve: list[tuple[float, float, float]]  # accuracy against coverage, no graded examples


def held_out_rows(
    asag: list[AsagRow],
    ours: list[AsagRow],
    folds: int,
    seed: int,
    held_fold: int,
    trained: Collection[str] | None = None,
) -> tuple[list[AsagRow], list[AsagRow]]:
    """(rows of the held-out questions, public rows of every other question).

    ``trained``: our items' questions the cross-encoder's folds were drawn over (its
    ``corpus_questions``). The folds shuffle every question id, so one item added to the corpus
    since would move public questions the model trained on into the held-out fold; the folds
    are drawn over those questions only, and an item written since, which no model saw, is held
    out with the fold."""
    if trained is not None:
        written_since = [r for r in ours if r.question_id not in trained]
        ours = [r for r in ours if r.question_id in trained]
    else:
        written_since = []
    everything = asag + ours  # the cross-encoder's rows, in its order
    fold = question_folds(everything, folds, seed)
    held = [r for r, f in zip(everything, fold, strict=True) if f == held_fold]
    seen = [r for r, f in zip(asag, fold[: len(asag)], strict=True) if f != held_fold]
    return held + written_since, seen


def new_questions(
    held_rows: list[AsagRow],
    seen_rows: list[AsagRow],
    embedder: Embedder,
    table: EmbeddingTable,
    cross: ce.CrossEncoder,
    config: TrainConfig,
    cache: Path | None = None,
) -> NewQuestions:
    models_seen, held, half = _held_out(held_rows, seen_rows, table, cross, config, cache)
    grades: dict[int, Grade] = {}
    reviewed = np.zeros((len(FIGURE_COUNTS), 3))  # answers kept, kept right, all answers
    for side in (0, 1):
        stack, thresholds = held.fit(half != side)
        grader = make_grader(embedder, table, cross, models_seen, stack, thresholds)
        idx = [int(i) for i in np.flatnonzero(half == side)]
        grades |= dict(zip(idx, grader.grade_many(requests([held_rows[i] for i in idx])),
                           strict=True))  # fmt: skip
        reviewed += held.reviewed(stack, thresholds, half == side)
    figures = _figures(held_rows, [grades[i] for i in range(len(held_rows))])
    for (kept, right, answers), count in zip(reviewed, FIGURE_COUNTS, strict=True):
        figures[f"with_{count}_examples_coverage"] = round(float(kept / answers), 4)
        figures[f"with_{count}_examples_accuracy_without_review"] = round(
            float(right / max(kept, 1)), 4
        )
    stack, thresholds = held.fit(np.ones(len(held_rows), dtype=bool))
    p = held.bare(stack)
    curve = accuracy_by_coverage(list(held.targets), p, thresholds.correct)
    return NewQuestions(figures, stack, thresholds, curve)


def review_loop(
    held_rows: list[AsagRow],
    seen_rows: list[AsagRow],
    embedder: Embedder,
    table: EmbeddingTable,
    cross: ce.CrossEncoder,
    config: TrainConfig,
    cache: Path | None = None,
    taught: tuple[int, ...] = (2, 4, 6),
) -> dict[int, dict[str, float]]:
    """A teacher at work on new questions (``tutor regrade --review``): the SciEntsBank and
    Beetle answers of the held-out questions are graded without examples; per count in
    ``taught``, the teacher grades the first that many answers in each question's review queue
    (their human labels) and the rest of the queue is graded again with those as examples.
    Per count: the answers graded again, the share of them that leaves the queue, how many of
    those are right, and how many of all of them are right before and after (2-way). Stack
    and thresholds fitted on the other half of the questions, as for the figures above."""
    models_seen, held, half = _held_out(held_rows, seen_rows, table, cross, config, cache)
    totals = {k: np.zeros(5) for k in taught}  # again, left, left right, right before, after
    for side in (0, 1):
        stack, thresholds = held.fit(half != side)
        grader = make_grader(embedder, table, cross, models_seen, stack, thresholds)
        rows = [r for r, h in zip(held_rows, half, strict=True)
                if h == side and r.dataset.split("-")[0] in ("scientsbank", "beetle")]  # fmt: skip
        queues: dict[str, list[tuple[AsagRow, Grade]]] = {}
        for row, grade in zip(rows, grader.grade_many(requests(rows)), strict=True):
            if Flag.NEEDS_REVIEW in grade.flags:
                queues.setdefault(row.question_id, []).append((row, grade))
        for k in taught:
            again: list[tuple[AsagRow, Grade, GradeRequest]] = []
            for queue in queues.values():
                examples = [GradedExample(answer=r.answer, score=r.target) for r, _ in queue[:k]]
                again += [(r, g, GradeRequest(question=r.question, references=list(r.references),
                                              answer=r.answer, examples=examples))
                          for r, g in queue[k:]]  # fmt: skip
            graded = grader.grade_many([request for _, _, request in again])
            for (row, before, _), after in zip(again, graded, strict=True):
                y = row.target >= 0.5
                sure = Flag.NEEDS_REVIEW not in after.flags
                right = (after.verdict is Verdict.CORRECT) == y
                was_right = (before.verdict is Verdict.CORRECT) == y
                totals[k] += (1, sure, sure and right, was_right, right)
    return {
        k: {
            "graded_again": int(n),
            "left_queue": round(float(left / max(n, 1)), 4),
            "left_queue_right": round(float(left_right / max(left, 1)), 4),
            "right_before": round(float(before / max(n, 1)), 4),
            "right_after": round(float(after / max(n, 1)), 4),
        }
        for k, (n, left, left_right, before, after) in totals.items()
    }


def _held_out(
    held_rows: list[AsagRow],
    seen_rows: list[AsagRow],
    table: EmbeddingTable,
    cross: ce.CrossEncoder,
    config: TrainConfig,
    cache: Path | None,
) -> tuple[GraderModels, HeldOut, npt.NDArray[np.int64]]:
    """The trees fitted without the held-out questions, both models' probabilities for those
    questions' rows, and each row's half."""
    models_seen = fit_cached(seen_rows, table, config, cache)
    held = HeldOut(held_rows, models_seen, table, cross, config)
    return models_seen, held, np.array([hash_half(r.question_id) for r in held_rows])


def hash_half(question_id: str) -> int:
    """A stable half (0 or 1) per question, independent of Python's string hashing."""
    return sum(question_id.encode()) % 2


def make_grader(
    embedder: Embedder,
    table: EmbeddingTable,
    cross: ce.CrossEncoder,
    models: GraderModels,
    stack: Stack,
    thresholds: Thresholds,
) -> OfflineGrader:
    artifact = GraderArtifact(models, embedder.name, thresholds, stack)
    return OfflineGrader(embedder, artifact, cross, table=table)


def _figures(rows: list[AsagRow], grades: list[Grade]) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in ("scientsbank", "beetle", "corpus"):
        idx = [i for i, r in enumerate(rows) if r.dataset.startswith(family)]
        figs = two_way([rows[i].target for i in idx], [grades[i] for i in idx])
        out |= {f"{family}_{k}": v for k, v in figs.items()}
    idx = [i for i, r in enumerate(rows) if r.dataset.startswith("mohler")]
    out["mohler_pearson"] = pearson([rows[i].target for i in idx], [grades[i] for i in idx])
    return out
