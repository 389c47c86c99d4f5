"""The rubric a grader works from, built from a corpus item, and what keeps a grade within it.

A free-text item gives the question (its stem), the canonical answer as the reference, its
solution steps as the essential points and its common mistakes. A multiple-choice answer that
names an option is graded by the answer key, with no model at all. Graded answers to the same
question become few-shot examples: all of them, in the item's order, up to ``EXAMPLES_IN_PROMPT``;
beyond that, the nearest to the learner's answer first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

import numpy as np

from tutor.corpus import Item, ItemType
from tutor.grading.cache import normalise_answer
from tutor.grading.models import Feedback, Flag, Grade, GradedExample, GradeRequest, Verdict
from tutor.retrieval.embedder import Embedder

ANSWER_KEY = "answer-key@1"
# Graded examples in the grading prompt. An item with this many or fewer (each lesson file's
# item writes six) shows them all, in the item's own order: every answer to the item gets the
# same prompt up to the learner's answer (990-1,260 tokens for our items, mostly over the 1,024
# from which OpenAI caches a repeated prefix), paraphrases of one answer get the same anchors,
# and no MiniLM pass ranks them. An item with more (teachers' overrides, up to ``ITEM_EXAMPLES``)
# shows the nearest to the answer, nearest first (``ExampleRanker``).
EXAMPLES_IN_PROMPT = 6
ITEM_EXAMPLES = 50  # graded examples of an item at most (the offline grader reads them all)
# Score bands of each verdict, as the grading prompt states them.
BANDS = {
    Verdict.CORRECT: (0.8, 1.0),
    Verdict.PARTIALLY_CORRECT: (0.35, 0.8),
    Verdict.INCORRECT: (0.0, 0.35),
}
RANK = {Verdict.INCORRECT: 0, Verdict.PARTIALLY_CORRECT: 1, Verdict.CORRECT: 2}


def steps_of(item: Item) -> list[str]:
    """The essential points; step titles ("Describe the input") are headings, not content."""
    return [s.text for s in item.solution_steps]


def request_for(item: Item, answer: str, examples: Sequence[GradedExample] = ()) -> GradeRequest:
    question = item.stem
    if item.type is ItemType.MULTIPLE_CHOICE:
        options = "\n".join(f"{o.key}. {o.text}" for o in item.options)
        question = f"{item.stem}\n\nOptions:\n{options}"
    return GradeRequest(
        question=question,
        references=[item.answer],
        answer=answer,
        examples=list(examples),
        common_mistakes=list(item.common_mistakes),
        solution_steps=steps_of(item),
    )


def written_examples(item: Item) -> list[GradedExample]:
    """The item's ``graded_answers`` from its lesson file, as graded examples."""
    return [GradedExample(answer=g.answer, score=g.score) for g in item.graded_answers]


def merge_examples(
    *sources: Sequence[GradedExample], limit: int = ITEM_EXAMPLES
) -> list[GradedExample]:
    """The examples of every source in order, the first of each normalised answer, ``limit``
    at most; answers without a letter or digit teach nothing and are left out."""
    seen: set[str] = set()
    merged: list[GradedExample] = []
    for example in (e for source in sources for e in source):
        key = normalise_answer(example.answer)
        if key not in seen and has_content(key):
            seen.add(key)
            merged.append(example)
    return merged[:limit]


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def choice_grade(item: Item, answer: str) -> Grade | None:
    """The grade of a multiple-choice answer naming one option ("B", "b)", or its text)."""
    if item.type is not ItemType.MULTIPLE_CHOICE:
        return None
    said = _plain(answer)
    chosen = next(
        (o for o in item.options if said in (o.key.casefold(), f"option {o.key.casefold()}",
                                            _plain(o.text))),
        None,
    )  # fmt: skip
    if chosen is None:
        return None
    right = chosen.key == item.answer_key
    step = "try a harder item." if right else "reread the question and compare the options."
    text = ("Correct." if right else f"Option {chosen.key} is not the answer.") + f" Next: {step}"
    return Grade(
        verdict=Verdict.CORRECT if right else Verdict.INCORRECT,
        score=1.0 if right else 0.0,
        feedback=Feedback(next_step=step, text=text),
        confidence=1.0,
        engine="offline",
        prompt=ANSWER_KEY,
    )


def empty_grade(engine: str, prompt: str) -> Grade:
    """The grade of a blank answer or one that only says the learner does not know: nothing
    to grade, to send to a model or to put in a teacher's review queue."""
    step = "ask for a hint, or write what you think in a sentence or two, even if you are unsure."
    return Grade(
        verdict=Verdict.INCORRECT, score=0.0,
        feedback=Feedback(next_step=step, text=f"No answer yet. Next step: {step}"),
        confidence=1.0, flags=[Flag.EMPTY], engine=engine, prompt=prompt,
    )  # fmt: skip


# The whole answer says only that the learner does not know ("I don't know.", "no idea", "idk");
# "none", "nothing" or "no" can be answers, so they are graded.
_NOT_KNOWN = re.compile(
    r"(?:i\s+)?(?:really\s+|honestly\s+|just\s+)?(?:do\s+not|don'?t|dont)\s+know"
    r"(?:\s+(?:this|that|it|the\s+answer))?"
    r"|(?:i\s+have\s+)?no\s+(?:idea|clue)|(?:i'?m\s+|i\s+am\s+)?not\s+sure|idk|dunno"
    r"|no\s+answer"
)


def has_content(answer: str) -> bool:
    """Something to grade: letters or digits, and more than "I don't know"."""
    if not any(c.isalnum() for c in answer):
        return False
    said = " ".join(re.sub(r"[^\w\s']", " ", answer.lower().replace("\u2019", "'")).split())
    return _NOT_KNOWN.fullmatch(said) is None


def within_rubric(grade: Grade, request: GradeRequest) -> Grade:
    """A model's grade made consistent: score inside its verdict's band, only listed mistakes."""
    low, high = BANDS[grade.verdict]
    listed = {_plain(m): m for m in request.common_mistakes}
    mistakes = [listed[_plain(m)] for m in grade.mistakes if _plain(m) in listed]
    return grade.model_copy(
        update={
            "score": round(min(high, max(low, grade.score)), 4),
            "mistakes": list(dict.fromkeys(mistakes)),
        }
    )


class ExampleRanker:
    """Picks the graded examples nearest to an answer by embedding similarity (thread-safe).

    ``answers`` (optional) embeds the answers themselves, with the same embedder: the offline
    grader's :meth:`~tutor.grading.offline.OfflineGrader.answer_vectors`, so that an answer the
    guard then grades offline goes through MiniLM once, not twice. The examples' vectors are
    kept here (they come back with every answer to the item); the answers' are not, with or
    without ``answers`` (they are seldom seen twice, and would fill the cache)."""

    def __init__(
        self,
        embedder: Embedder | None,
        limit: int = 20_000,
        *,
        answers: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        self._embedder, self._limit, self._answers = embedder, limit, answers
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        assert self._embedder is not None
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
            if len(self._vectors) + len(missing) > self._limit:
                self._vectors.clear()
            if missing:
                self._vectors.update(zip(missing, self._embedder.embed(missing), strict=True))
            return np.stack([self._vectors[t] for t in texts])

    def nearest(
        self, answer: str, examples: Sequence[GradedExample], k: int = EXAMPLES_IN_PROMPT
    ) -> list[GradedExample]:
        if len(examples) <= k or self._embedder is None:  # all of them, in their own order
            return list(examples[:k])
        theirs = self._embed([e.answer for e in examples])
        if self._answers is not None:
            mine = self._answers([answer])[0]
        else:  # embedded on its own and not kept: answers are seldom seen twice
            mine = self._embedder.embed([answer])[0]
        order = np.argsort(-(theirs @ mine), kind="stable")
        return [examples[int(i)] for i in order[:k]]
