"""The offline grader: the shipped tree model over embedding and lexical features, no LLM.

``grade`` scores one answer; ``grade_many`` scores a batch with one embedding pass, which is
what batch grading and the eval harness should call. Graded answers to the same question
(``examples``) switch to the model that also uses the nearest graded answers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor.grading import artifact as artifacts
from tutor.grading.artifact import (
    DEFAULT_THRESHOLDS,
    GraderArtifact,
    GraderModels,
    Thresholds,
)
from tutor.grading.attacks import suspected
from tutor.grading.features import BASE_FEATURES, EmbeddingTable, GradingCase, extract
from tutor.grading.feedback import compose, coverage, key_phrases
from tutor.grading.lexical import contradicts, words
from tutor.grading.models import Feedback, Flag, Grade, GradedExample, GradeRequest, Verdict
from tutor.retrieval.embedder import Embedder

ENGINE = "offline"
_TABLE_LIMIT = 50_000  # distinct texts kept between calls (mostly single words)
_SIM_REF, _SIM_Q = BASE_FEATURES.index("sim_ref_max"), BASE_FEATURES.index("sim_question")


def score_cases(
    models: GraderModels,
    cases: Sequence[GradingCase],
    table: EmbeddingTable,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """P(correct) per case and its base features (neighbour model where examples exist).

    Without graded examples, an answer that restates the reference with the opposite polarity
    ("X does not Y" for "X Y") is capped just under the incorrect threshold, whatever the model
    says: learners rarely write such answers, so the training data teaches the model little
    about them. With graded examples, the neighbours decide (on Beetle's learner answers, where
    such restatements are common, the rule would cost accuracy).
    """
    has = np.array([bool(c.examples) for c in cases], dtype=bool)
    scores, base = np.empty(len(cases)), np.empty((len(cases), len(BASE_FEATURES)))
    for mask, neighbours in ((has, True), (~has, False)):
        if mask.any():
            x = extract([c for c, m in zip(cases, mask, strict=True) if m], table,
                        neighbours=neighbours)  # fmt: skip
            model = models.neighbour if neighbours else models.base
            scores[mask], base[mask] = model.predict(x), x[:, : len(BASE_FEATURES)]
    flipped = ~has & np.array([contradicts(c.answer, c.references) for c in cases], dtype=bool)
    scores[flipped] = np.minimum(scores[flipped], thresholds.incorrect - 0.05)
    return scores, base


def verdict_for(score: float, t: Thresholds) -> tuple[Verdict, float]:
    """The verdict and a confidence that grows with the distance to the nearest threshold."""
    verdict = (
        Verdict.CORRECT if score >= t.correct
        else Verdict.INCORRECT if score < t.incorrect
        else Verdict.PARTIALLY_CORRECT
    )  # fmt: skip
    distance = min(abs(score - t.correct), abs(score - t.incorrect))
    return verdict, round(min(1.0, 0.5 + distance / 0.3 * 0.5), 3)


class OfflineGrader:
    """Grades free-text answers with the artifact in ``tutor/grading/model``; thread-safe."""

    def __init__(self, embedder: Embedder, artifact: GraderArtifact) -> None:
        if artifact.embedder != embedder.name:
            raise ValueError(
                f"the grader was trained on {artifact.embedder} vectors, not {embedder.name}"
            )
        self._embedder, self.artifact = embedder, artifact
        self._table = EmbeddingTable(embedder)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, embedder: Embedder, directory: Path = artifacts.MODEL_DIR) -> OfflineGrader:
        return cls(embedder, artifacts.load(directory))

    @property
    def prompt(self) -> str:
        return self.artifact.prompt

    @property
    def thresholds(self) -> Thresholds:
        return self.artifact.thresholds

    def grade(
        self,
        question: str,
        references: Sequence[str],
        answer: str,
        *,
        examples: Sequence[GradedExample] = (),
        common_mistakes: Sequence[str] = (),
        solution_steps: Sequence[str] = (),
    ) -> Grade:
        request = GradeRequest(
            question=question, references=list(references), answer=answer,
            examples=list(examples), common_mistakes=list(common_mistakes),
            solution_steps=list(solution_steps),
        )  # fmt: skip
        return self.grade_many([request])[0]

    def grade_many(self, requests: Sequence[GradeRequest]) -> list[Grade]:
        """Grades in request order; every text of the batch is embedded once."""
        with self._lock:
            if len(self._table) > _TABLE_LIMIT:
                self._table = EmbeddingTable(self._embedder)
            live = [i for i, r in enumerate(requests) if _has_content(r.answer)]
            cases = [_case(requests[i]) for i in live]
            self._table.add(_feedback_texts([requests[i] for i in live]))  # one embedding pass
            scores, base = score_cases(self.artifact.models, cases, self._table, self.thresholds)
            grades: list[Grade] = [self._empty() for _ in requests]
            for row, i in enumerate(live):
                grades[i] = self._finish(requests[i], float(scores[row]), base[row])
            return grades

    def _finish(self, request: GradeRequest, score: float, base: npt.NDArray[np.float64]) -> Grade:
        t, table = self.artifact.thresholds, self._table
        flags: list[Flag] = []
        answer_vec = table[[request.answer]][0]
        ref_sims = table[request.references] @ answer_vec
        mistakes = []
        if request.common_mistakes:
            sims = table[request.common_mistakes] @ answer_vec
            mistakes = [m for m, s in zip(request.common_mistakes, sims, strict=True)
                        if s >= t.mistake and s > ref_sims.max()]  # fmt: skip
        if mistakes:  # closer to a known wrong answer than to the answer key
            score = min(score, (t.correct + t.incorrect) / 2)
        if max(base[_SIM_REF], base[_SIM_Q]) < t.off_topic:
            flags.append(Flag.OFF_TOPIC)
            score = min(score, t.incorrect / 3)
        if suspected(request.answer):  # the one detector (tutor/grading/attacks)
            flags.append(Flag.INJECTION_SUSPECTED)
        reversed_ = not request.examples and contradicts(request.answer, request.references)
        verdict, confidence = verdict_for(score, t)
        if flags or confidence < t.review:
            flags.append(Flag.NEEDS_REVIEW)
        steps = bool(request.solution_steps)
        reference = request.references[int(np.argmax(ref_sims))]
        points = request.solution_steps or key_phrases(reference, request.question)
        covered, missing = coverage(request.answer, points, request.question, table, steps=steps)
        return Grade(
            verdict=verdict, score=round(score, 4),
            feedback=compose(
                verdict, covered, missing, mistakes, steps=steps, contradicts=reversed_
            ),
            mistakes=mistakes, confidence=confidence, flags=flags, engine=ENGINE,
            prompt=self.prompt,
        )  # fmt: skip

    def _empty(self) -> Grade:
        next_step = "write your answer in a sentence or two, even if you are unsure."
        feedback = Feedback(
            next_step=next_step, text=f"No answer was given. Next step: {next_step}"
        )
        return Grade(
            verdict=Verdict.INCORRECT, score=0.0, feedback=feedback, confidence=1.0,
            flags=[Flag.EMPTY], engine=ENGINE, prompt=self.prompt,
        )  # fmt: skip


def _has_content(answer: str) -> bool:
    return any(c.isalnum() for c in answer)


def _feedback_texts(requests: Sequence[GradeRequest]) -> list[str]:
    texts: list[str] = []
    for r in requests:
        texts += [*r.common_mistakes, *r.solution_steps]
        texts += [w for step in r.solution_steps for w in words(step).content]
    return texts


def _case(request: GradeRequest) -> GradingCase:
    return GradingCase(
        question=request.question,
        references=tuple(request.references),
        answer=request.answer,
        examples=tuple((e.answer, e.score) for e in request.examples),
    )
