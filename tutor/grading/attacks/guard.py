"""What a suspicious answer may be awarded: the last layer of the injection defence.

1. Learner text reaches a model only as delimited data (the prompt's ``learner_text`` filter).
2. The detector flags answers that talk to the grader (:func:`tutor.grading.attacks.detect`).
3. A flagged answer is also graded with its flagged sentences removed, and the lower of the two
   grades stands (:func:`guard_offline`): words aimed at the grader earn nothing.
4. When the detector, or the model itself, flags an answer and the model grades it higher than
   the offline grader does, or the scores are more than 0.5 apart, the model's grade is not
   awarded: the lower grade stands, flagged ``needs_review`` (:func:`guard_llm`). Without an
   offline grader to compare with, a flagged answer is not graded above partially correct.
A strong disagreement on an answer nobody flagged keeps the model's grade, for review.

The offline grade is asked for only where it can change the outcome (:func:`needs_offline`):
a flagged answer, or one the model calls ``correct``. A fooled model raises a grade, and what
must never happen without a teacher's review is a wrong answer graded correct; so an unflagged
answer the model grades ``incorrect`` or ``partially_correct`` keeps that grade without a second
opinion (which is most of the CPU an LLM-graded answer costs). For an unflagged answer
:func:`guard_llm` reads only the offline verdict and score (:func:`scores_suffice`), so the
service asks the offline grader for those alone there (no feedback to write).
"""

from __future__ import annotations

import math
from typing import Protocol

from tutor.grading.attacks import Detection
from tutor.grading.models import Flag, Grade, Verdict
from tutor.grading.rubric import RANK

GAP = 0.5  # score difference from which two graders disagree strongly
CAP = 0.5  # top score of a flagged answer that nothing can vouch for
HELD = "This answer talks to the grader, so a teacher will review its grade."


class Opinion(Protocol):
    """What an unflagged answer's guard reads of the offline grade: a :class:`Grade`, or the
    offline grader's ``guard_scores`` result."""

    @property
    def verdict(self) -> Verdict: ...

    @property
    def score(self) -> float: ...


def _rank(grade: Grade) -> tuple[int, float]:
    return RANK[grade.verdict], grade.score


def with_flags(grade: Grade, *flags: Flag) -> Grade:
    merged: list[Flag] = [f for f in grade.flags if f is not Flag.NEEDS_REVIEW]
    merged += [f for f in flags if f not in merged and f is not Flag.NEEDS_REVIEW]
    if merged or Flag.NEEDS_REVIEW in (*grade.flags, *flags):
        merged.append(Flag.NEEDS_REVIEW)
    return grade.model_copy(update={"flags": merged})


def _held(grade: Grade) -> Grade:
    text = grade.feedback.text if HELD in grade.feedback.text else f"{grade.feedback.text} {HELD}"
    return grade.model_copy(update={"feedback": grade.feedback.model_copy(update={"text": text})})


def capped(grade: Grade) -> Grade:
    """At most partially correct, at most ``CAP``."""
    if grade.verdict is not Verdict.CORRECT and grade.score <= CAP:
        return grade
    verdict = Verdict.PARTIALLY_CORRECT if grade.verdict is Verdict.CORRECT else grade.verdict
    return _held(grade.model_copy(update={"verdict": verdict, "score": min(grade.score, CAP)}))


def flagged(detection: Detection, llm: Grade) -> bool:
    """The detector flagged the answer, or the model itself suspects it."""
    return detection.suspected or Flag.INJECTION_SUSPECTED in llm.flags


def needs_offline(llm: Grade, detection: Detection) -> bool:
    """Whether :func:`guard_llm` needs the offline grade to judge the model's: the answer is
    flagged, or the model calls it correct. So a model fooled into calling a wrong answer
    correct is always checked, and no answer goes to review for a grade the model withheld.

    Given up: an unflagged ``partially_correct`` on which the offline grade is more than
    ``GAP`` away (either way) is no longer sent to review."""
    return flagged(detection, llm) or llm.verdict is Verdict.CORRECT


def scores_suffice(llm: Grade, detection: Detection) -> bool:
    """Whether :func:`guard_llm` reads only the offline verdict and score: the answer is not
    flagged (a flagged answer may get the offline grade itself, feedback and all)."""
    return not flagged(detection, llm)


def agreeing_scores(llm: Grade, correct: float, incorrect: float) -> tuple[float, float]:
    """The offline scores (both ends included) with which :func:`guard_llm` keeps an
    unflagged answer's model grade as it is, given the offline grader's ``correct`` and
    ``incorrect`` bands: within ``GAP`` of the model's score, and not the verdict at the other
    end of the scale. The offline grader settles its second opinion from bounds where it can
    (:meth:`~tutor.grading.offline.OfflineGrader.guard_scores`)."""
    low, high = llm.score - GAP, llm.score + GAP
    if llm.verdict is Verdict.CORRECT:
        low = max(low, incorrect)  # an offline ``incorrect`` is under ``incorrect``
    elif llm.verdict is Verdict.INCORRECT:
        high = min(high, math.nextafter(correct, -math.inf))  # ``correct`` from ``correct`` on
    return low, high


def guard_offline(raw: Grade, cleaned: Grade | None, detection: Detection) -> Grade:
    """``cleaned`` grades the answer without its flagged sentences (None: nothing was left)."""
    if not detection.suspected:
        return raw
    if cleaned is None:
        lower = capped(raw)
    elif _rank(cleaned) < _rank(raw):
        lower = _held(cleaned.model_copy(update={"flags": raw.flags}))
    else:
        lower = raw
    return with_flags(lower, Flag.INJECTION_SUSPECTED, Flag.NEEDS_REVIEW)


def disagree(llm: Grade, offline: Grade) -> bool:
    return RANK[llm.verdict] > RANK[offline.verdict] or abs(llm.score - offline.score) > GAP


def guard_llm(llm: Grade, offline: Opinion | None, detection: Detection) -> Grade:
    """``offline`` is the offline grade of the same answer, already guarded: its verdict and
    score suffice for an unflagged answer (:func:`scores_suffice`), a flagged one needs the
    whole :class:`Grade`."""
    if not flagged(detection, llm):
        strong = offline is not None and (
            abs(RANK[llm.verdict] - RANK[offline.verdict]) == 2 or abs(llm.score - offline.score)
            > GAP
        )  # fmt: skip
        return with_flags(llm, Flag.NEEDS_REVIEW) if strong else llm
    suspicious = (Flag.INJECTION_SUSPECTED, Flag.NEEDS_REVIEW)
    if offline is not None and not isinstance(offline, Grade):
        raise TypeError("a flagged answer's guard needs the whole offline grade, not its score")
    if offline is None:
        return with_flags(capped(llm), *suspicious)
    if not disagree(llm, offline) or _rank(llm) <= _rank(offline):
        return with_flags(llm, *suspicious)
    held = offline.model_copy(
        update={
            "engine": llm.engine,
            "prompt": llm.prompt,
            "confidence": min(llm.confidence, offline.confidence),
        }
    )
    return with_flags(_held(held), *llm.flags, *suspicious)
