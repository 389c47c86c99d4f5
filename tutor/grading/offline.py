"""The offline grader: a fine-tuned cross-encoder stacked with tree models, no LLM.

``grade`` scores one answer; ``grade_many`` scores a batch with one embedding pass and one
cross-encoder pass, which is what batch grading and the eval harness should call;
``score_many`` gives the same verdicts and scores without feedback, for the LLM path's guard.
The score is a logistic blend (``artifact.Stack``) of the cross-encoder's P(correct), which
reads question, reference and answer together, and the tree models' P(correct) over embedding
and lexical features; graded answers to the same question (``examples``) switch the trees to
the model that also uses the nearest graded answers. What the learner sees is the verdict, cut
from the score at bands fitted on train data (``artifact.Thresholds``).

Repeated sentences are graded once (padding never pays); an answer the models cannot read
(another language, not words) is flagged for review instead of getting a confident verdict; a
listed common mistake is reported when the answer states it (two stated cap the grade). When the
key works a calculation or answers "how many", an answer that reaches another figure is capped
to partly correct (:mod:`tutor.grading.quantities`): to the models "$12" and "$10" read alike.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tutor.grading import artifact as artifacts
from tutor.grading.artifact import (
    GraderArtifact,
    GraderModels,
    Stack,
    Thresholds,
)
from tutor.grading.attacks import suspected
from tutor.grading.cross_encoder import CrossEncoder
from tutor.grading.expressions import (
    complexities,
    gives_expression,
    key_expression,
    other_complexity,
)
from tutor.grading.features import (
    BASE_FEATURES,
    POSITIVE,
    EmbeddingTable,
    GradingCase,
    extract,
    parallel_passes,
)
from tutor.grading.feedback import compose, coverage, key_phrases
from tutor.grading.lexical import (
    answers_apart,
    contradicts,
    deduplicated,
    denies_question,
    keyword_list,
    on_topic,
    reverses,
    words,
)
from tutor.grading.mistakes import (
    Stated,
    claims,
    left_out,
    omission_texts,
    parts,
    stated_mistakes,
    with_parts,
)
from tutor.grading.models import Feedback, Flag, Grade, GradedExample, GradeRequest, Verdict
from tutor.grading.quantities import (
    conflicting_units,
    crosses_relation,
    figure_key,
    gives_figure,
    gives_only_leading,
    hedges_figure,
    in_key_terms,
    relations,
    states_result,
    states_unit,
    works_to_figure,
    wrong_result,
    wrong_year,
    years,
)
from tutor.grading.readable import unreadable
from tutor.grading.rubric import empty_grade, has_content
from tutor.grading.short_keys import (
    drops_comparison,
    exchanges_key,
    hedges_options,
    lists_fewer,
    names_other,
    opposite,
    states_key,
    swaps_key_word,
    turns_question,
)
from tutor.retrieval.embedder import Embedder

ENGINE = "offline"
# The rules around the models (caps, flags, feedback text): part of every grade's ``prompt``, so
# the grade cache never serves a grade the code in this module no longer gives. Bump it when a
# change here, in feedback.py, lexical.py, mistakes.py or readable.py changes a grade.
RULES = 54
_TABLE_LIMIT = 50_000  # distinct texts kept between calls (mostly single words)
# ... and the memory their vectors take. The answers' own vectors (~15-50 KB of token vectors
# each) are not kept past the table's small recent tier, so only the items' texts fill it.
_TABLE_BYTES = 64 * 2**20
_SIM_REF, _SIM_Q = BASE_FEATURES.index("sim_ref_max"), BASE_FEATURES.index("sim_question")
KEY_WORD_SCORE = 0.9  # an answer opening with the yes/no that is the whole key
_EDGE = 1e-3  # how far inside or outside a guard's window a bound must lie to settle it
# A question that asks for a reason: the figure a key opens with is not all of its answer.
_EXPLAINS = re.compile(r"\b(?:why|explain|describe|how|justify|show|reason)", re.IGNORECASE)


Scores = npt.NDArray[np.float64]


def logit(p: Scores) -> Scores:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


def stacked(
    stack: Stack,
    trees: Scores,
    cross: Scores,
    has_examples: npt.NDArray[np.bool_],
    references: Sequence[Sequence[str]],
) -> Scores:
    """The blend of both models' log-odds, per path: with graded examples, without, and
    without for an item of one reference (``artifact.Stack.single``), given each item's
    ``references``."""
    out = np.empty(len(trees))
    count = np.array([len(r) for r in references])
    single = ~has_examples & (count == 1) if stack.single else np.zeros_like(has_examples)
    for mask, weights in ((has_examples, stack.neighbour),
                          (~has_examples & ~single, stack.base),
                          (single, stack.single or stack.base)):  # fmt: skip
        w_ce, w_tree, bias, *by_length = weights
        a, b = logit(cross[mask]), logit(trees[mask])
        z = w_ce * a + w_tree * b + bias
        if by_length:  # the blend for one reference reads the key's length
            w_len, w_ce_len, w_tree_len = by_length
            length = key_length([r for r, m in zip(references, mask, strict=True) if m])
            z = z + length * (w_len + w_ce_len * a + w_tree_len * b)
        out[mask] = 1.0 / (1.0 + np.exp(-z))
    return out


def key_length(references: Sequence[Sequence[str]]) -> Scores:
    """log(1 + words) of each item's first reference: the blend for one reference reads it."""
    words = np.array([len(r[0].split()) if r else 0 for r in references], dtype=np.float64)
    return np.asarray(np.log1p(words), dtype=np.float64)


def tree_scores(
    models: GraderModels, cases: Sequence[GradingCase], table: EmbeddingTable
) -> tuple[Scores, Scores]:
    """The trees' P(correct) per case and its base features (neighbour model where examples
    exist)."""
    has = np.array([bool(c.examples) for c in cases], dtype=bool)
    scores, base = np.empty(len(cases)), np.empty((len(cases), len(BASE_FEATURES)))
    if not cases:
        return scores, base
    for mask, neighbours in ((has, True), (~has, False)):
        if mask.any():
            x = extract([c for c, m in zip(cases, mask, strict=True) if m], table,
                        neighbours=neighbours)  # fmt: skip
            model = models.neighbour if neighbours else models.base
            scores[mask], base[mask] = model.predict(x), x[:, : len(BASE_FEATURES)]
    return scores, base


def verdict_for(score: float, t: Thresholds) -> tuple[Verdict, float]:
    """The verdict and its confidence: the score is a calibrated P(correct), so a ``correct``
    verdict is right with probability ``score`` and any other (not correct, in 2-way terms)
    with ``1 - score``."""
    verdict = (
        Verdict.CORRECT if score >= t.correct
        else Verdict.INCORRECT if score < t.incorrect
        else Verdict.PARTIALLY_CORRECT
    )  # fmt: skip
    confidence = score if verdict is Verdict.CORRECT else 1.0 - score
    return verdict, round(min(1.0, max(0.0, confidence)), 3)


class Capped(NamedTuple):
    """A score under the caps (:meth:`OfflineGrader._capped`) and which of them read it."""

    score: float
    listed: bool  # a string of terms, no explanation
    off_topic: bool
    wrong_figure: bool  # the key's result or estimate, and the answer reaches another
    units_off: set[str]  # units the answer gives another figure for than the key or its steps
    loose: bool  # a cap was not looked for, as the guard's window holds the score either way
    denies: bool = False  # the key's figure after a negation ("not 56"): the opposite of the key
    formula: bool = False  # another expression or complexity than the key's ("2x + 3")
    stated: Stated | None = None  # the mistakes given, with their part matches if looked for

    @property
    def miscalculated(self) -> bool:
        return self.wrong_figure or bool(self.units_off)


@dataclass(frozen=True)
class Scored:
    """An answer's offline verdict and score alone (:meth:`OfflineGrader.score_many`).

    ``exact`` False (:meth:`OfflineGrader.guard_scores` given a window): the cross-encoder did
    not run, as no probability it can give would move the score across the window's edges;
    ``score`` is then the bound nearest the window, on the same side of it as the exact score.
    """

    verdict: Verdict
    score: float
    exact: bool = True


# The offline scores with which the LLM path's guard keeps the model's grade as it is
# (:func:`tutor.grading.attacks.guard.agreeing_scores`): [low, high], both included.
Window = tuple[float, float]


class OfflineGrader:
    """Grades free-text answers with the artifact in ``tutor/grading/model``; thread-safe."""

    def __init__(
        self,
        embedder: Embedder,
        artifact: GraderArtifact,
        cross_encoder: CrossEncoder | None = None,
        *,
        table: EmbeddingTable | None = None,
    ) -> None:
        if artifact.embedder != embedder.name:
            raise ValueError(
                f"the grader was trained on {artifact.embedder} vectors, not {embedder.name}"
            )
        self._embedder, self.artifact = embedder, artifact
        self.cross_encoder = cross_encoder or CrossEncoder()
        # a shared table that is still empty is still the one to fill (an empty table is falsy)
        self._table = table if table is not None else self._new_table()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, embedder: Embedder, directory: Path = artifacts.MODEL_DIR) -> OfflineGrader:
        return cls(embedder, artifacts.load(directory), CrossEncoder(directory))

    @property
    def prompt(self) -> str:
        """``offline-grader@<artifact version>+rules.<RULES>``: what produced a grade."""
        return f"{self.artifact.prompt}+rules.{RULES}"

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
        """Grades in request order; every text of the batch is embedded once. Calls from
        several threads run at once (the models are stateless, the embedding table is
        thread-safe), so a service's workers grade on every core."""
        live = [i for i, r in enumerate(requests) if has_content(r.answer)]
        answered = _answer_texts([requests[i] for i in live])
        with answers_apart(answered):  # their word views too, in the lexical caches
            # the answers' own vectors live for this call (and in the table's small recent tier)
            table = self._bounded_table().for_answers(answered)
            cases = [_case(requests[i]) for i in live]
            table.add(_feedback_texts([requests[i] for i in live]))  # one embedding pass
            scores, base, mistakes, flipped, _ = self._score(
                [requests[i] for i in live], cases, table
            )
            grades = [empty_grade(ENGINE, self.prompt) for _ in requests]
            for row, i in enumerate(live):
                grades[i] = self._finish(
                    requests[i], float(scores[row]), base[row], mistakes[row], table,
                    reversed_=bool(flipped[row]),
                )  # fmt: skip
        return grades

    def guard_scores(
        self, requests: Sequence[GradeRequest], windows: Sequence[Window | None] | None = None
    ) -> list[Scored]:
        """The second opinion the LLM path's guard reads (:mod:`tutor.grading.attacks.guard`):
        :meth:`score_many`'s verdicts and scores, except that an answer with graded examples
        is scored by the trees alone, without the cross-encoder, under the same caps.

        Given each answer's ``window`` (the scores with which the guard keeps the model's
        grade; None: the exact score), an answer without graded examples is first bounded
        from the trees: the stack is monotonic in the cross-encoder's log-odds, the encoder's
        probabilities lie within :attr:`CrossEncoder.bounds` and every cap is a clamp, so the
        capped scores at the two bounds enclose the exact one. When both lie inside the
        window, or both on one side of it, the guard's outcome is settled and the encoder does
        not run for that answer (``Scored.exact`` False); otherwise it runs as usual. The
        guard's outcome is the same either way, and the encoder's pair is most of the CPU
        of such an opinion (a short pair ~5 ms, our items' long keys ~30 ms).

        With graded examples the stack weighs the cross-encoder at 0.22 against 0.88 for the
        neighbour trees, and the guard only asks whether the offline grade is far below the
        model's. As that check (the model calling every answer correct: an alarm under 0.5) the
        trees alone agree with the whole stack on 97% of SciEntsBank's and Beetle's unseen
        answers and 96% of our items' graded answers (each with the item's others as examples),
        catching 273 / 229 / 83 wrong answers against 268 / 225 / 86, with 69 / 27 / 84 false
        alarms against 63 / 24 / 81 (a partial answer, scored 0.5, counted right; measured on
        offline-grader@3.776ac61e02); and they cost 4 ms of CPU per answer of our items
        against 33 ms (the cross-encoder reads their long keys). Without examples the
        cross-encoder stays: there the trees alone (their own probability, unblended) raise 113
        false alarms on SciEntsBank's right answers against the stack's 60, and catch 165 of
        Beetle's wrong answers against 170."""
        return self._scored(requests, cross_with_examples=False, windows=windows)

    def score_many(self, requests: Sequence[GradeRequest]) -> list[Scored]:
        """For the LLM path's guard: the verdict and score :meth:`grade_many` would give each
        answer (equal to them, every cap that changes either kept: reversed clauses, a listed
        mistake the whole answer states, a keyword list, a wrong worked result, off topic),
        without what only the rest of a grade needs: no feedback (key points and their
        coverage), no part-by-part mistake naming (it never moves the score), no flags or
        confidence. The guard compares the model's grade with this when the model calls an
        answer ``correct``; an answer it may overrule, or that the offline grade stands in
        for, needs :meth:`grade_many`."""
        return self._scored(requests, cross_with_examples=True)

    def _scored(
        self,
        requests: Sequence[GradeRequest],
        *,
        cross_with_examples: bool,
        windows: Sequence[Window | None] | None = None,
    ) -> list[Scored]:
        live = [i for i, r in enumerate(requests) if has_content(r.answer)]
        answered = _answer_texts([requests[i] for i in live])
        with answers_apart(answered):
            table = self._bounded_table().for_answers(answered)
            cases = [_case(requests[i]) for i in live]
            scores, base, mistakes, _, settled = self._score(
                [requests[i] for i in live], cases, table, cross_with_examples=cross_with_examples,
                windows=None if windows is None else [windows[i] for i in live],
            )  # fmt: skip
            out = [Scored(Verdict.INCORRECT, 0.0) for _ in requests]  # no answer: empty_grade's
            for row, i in enumerate(live):
                score, exact = float(scores[row]), not settled[row]  # a settled bound is capped
                if exact:
                    window = None if windows is None else windows[i]
                    capped = self._capped(requests[i], score, base[row], mistakes[row], table,
                                          window=window)  # fmt: skip
                    score, exact = capped.score, not capped.loose
                out[i] = Scored(verdict_for(score, self.thresholds)[0], round(score, 4),
                                exact=exact)  # fmt: skip
        return out

    def answer_vectors(self, answers: Sequence[str]) -> npt.NDArray[np.float32]:
        """The answers' sentence vectors, from the pass :meth:`grade_many` makes over them: an
        answer it grades as written (no repeated sentence) gets its token pass now, kept in the
        table's recent tier (:meth:`EmbeddingTable.for_answers`), so grading it soon afterwards
        runs MiniLM over it no more. The grading service ranks graded examples by these before
        the model grades, and the guard's second opinion on the model's grade then reuses the
        pass."""
        table = self._bounded_table().for_answers(answers)
        table.add_tokens([a for a in answers if deduplicated(a) == a])
        return table[list(answers)]

    def _new_table(self) -> EmbeddingTable:
        """A table whose new texts are embedded on every core, when that cannot change them."""
        return EmbeddingTable(self._embedder, parallel=parallel_passes(self._embedder))

    def _bounded_table(self) -> EmbeddingTable:
        """The embedding table, started afresh once past its bounds."""
        with self._lock:
            if len(self._table) > _TABLE_LIMIT or self._table.nbytes > _TABLE_BYTES:
                self._table = self._new_table()
            return self._table

    def _score(
        self,
        requests: Sequence[GradeRequest],
        cases: Sequence[GradingCase],
        table: EmbeddingTable,
        *,
        cross_with_examples: bool = True,
        windows: Sequence[Window | None] | None = None,
    ) -> tuple[Scores, Scores, list[Stated], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Stacked P(correct), base features, the common mistakes each answer states, whether
        it says the reference's points with the opposite polarity, and which answers'
        scores are bounds that settle their ``windows`` (:meth:`guard_scores`; capped
        already). Without ``cross_with_examples`` an answer with graded examples gets the
        trees' P(correct) alone."""
        has = np.array([bool(c.examples) for c in cases], dtype=bool)
        crossed = np.ones(len(cases), dtype=bool) if cross_with_examples else ~has
        triples = [(c.question, c.references, c.answer) for c in cases]
        bounded = windows is not None and self.cross_encoder.bounds is not None
        # the cross-encoder's pairs run on its threads while the trees' features are computed
        # (with windows, only once the bounds leave an answer's outcome open)
        pending = None if bounded else self.cross_encoder.submit(
            [t for t, x in zip(triples, crossed, strict=True) if x]
        )  # fmt: skip
        # the answers' sentence vectors come from the token pass the trees need anyway
        table.add_tokens([c.answer for c in cases])
        trees, base = tree_scores(self.artifact.models, cases, table)
        refs = [c.references for c in cases]
        # An answer that restates the reference with the opposite polarity is capped under the
        # incorrect band: one that reverses two or more of its clauses always (graded answers
        # nearby score such an answer high: its words are theirs), and without graded
        # examples also a whole short answer ("X does not Y" for "X Y"; with examples the
        # neighbours decide that one: on Beetle's answers the rule costs accuracy). A denial of
        # what the question asks is read unless an example is graded wrong (``_reversed``).
        flipped = np.array([_reversed(c, examples=bool(c.examples), wrong=_any_wrong(c))
                            for c in cases], dtype=bool)  # fmt: skip
        # part matches wait for the verdict: they are named only on an answer not graded correct
        mistakes = [self._mistakes(r, table) for r in requests]
        settled = np.zeros(len(cases), dtype=bool)
        settled_at: dict[int, float] = {}
        ce_ref = np.full(len(cases), 0.5)
        if pending is not None:
            ce_ref[crossed] = pending()
        else:
            assert windows is not None
            settled_at = self._settled(requests, trees, base, mistakes, flipped, has, refs,
                                       windows, table)  # fmt: skip
            settled[list(settled_at)] = True
            crossed &= ~settled
            run = self.cross_encoder.score([t for t, x in zip(triples, crossed, strict=True) if x])
            ce_ref[crossed] = run
        blended = stacked(self.artifact.stack, trees, ce_ref, has, refs)
        scores = self._under_reversal(np.where(crossed, blended, trees), flipped)
        if settled.any():
            scores[settled] = [settled_at[int(i)] for i in np.flatnonzero(settled)]
        return scores, base, mistakes, flipped, settled

    def _under_reversal(self, scores: Scores, flipped: npt.NDArray[np.bool_]) -> Scores:
        """``scores`` with those of answers that reverse the key capped under the incorrect
        band (see :meth:`_score`)."""
        return np.where(flipped, np.minimum(scores, self.thresholds.incorrect - 0.05), scores)

    def _settled(
        self,
        requests: Sequence[GradeRequest],
        trees: Scores,
        base: Scores,
        mistakes: Sequence[Stated],
        flipped: npt.NDArray[np.bool_],
        has: npt.NDArray[np.bool_],
        refs: Sequence[Sequence[str]],
        windows: Sequence[Window | None],
        table: EmbeddingTable,
    ) -> dict[int, float]:
        """The answers without graded examples whose guard outcome the cross-encoder cannot
        change: row -> the capped score at the bound nearest the window. The capped scores at
        the encoder's two bounds enclose the exact one (the blend is monotonic in its
        log-odds, either way by the key's length, and each cap is a clamp)."""
        bounds = self.cross_encoder.bounds
        rows = [i for i, w in enumerate(windows) if w is not None and not has[i]]
        if bounds is None or not rows:
            return {}
        at = np.array(rows)
        ends = [self._under_reversal(stacked(self.artifact.stack, trees[at], np.full(len(rows), p),
                                             has[at], [refs[i] for i in rows]), flipped[at])
                for p in bounds]  # fmt: skip
        out: dict[int, float] = {}
        for k, i in enumerate(rows):
            window = windows[i]
            assert window is not None
            low, high = sorted(
                self._capped(
                    requests[i], float(e[k]), base[i], mistakes[i], table, window=window
                ).score
                for e in ends
            )
            # a margin, so that the score's rounding to 4 places cannot cross an edge either
            if window[0] + _EDGE <= low and high <= window[1] - _EDGE:
                out[i] = low
            elif high < window[0] - _EDGE:
                out[i] = high
            elif low > window[1] + _EDGE:
                out[i] = low
        return out

    def _mistakes(self, request: GradeRequest, table: EmbeddingTable) -> Stated:
        """The common mistakes the answer states as a whole (:mod:`tutor.grading.mistakes`);
        the part matches too only when the whole answer states one."""
        return stated_mistakes(request.answer, request.common_mistakes, _references(request),
                               table, whole_similarity=self.thresholds.mistake,
                               parts_too=False)  # fmt: skip

    def _capped(
        self,
        request: GradeRequest,
        score: float,
        base: Scores,
        mistakes: Stated,
        table: EmbeddingTable,
        *,
        window: Window | None = None,
    ) -> Capped:
        """The stacked score under the caps that read the whole grade: a listed mistake stated
        by the whole answer (or two stated in its parts), a keyword list, a worked result that
        is not the key's or a list of fewer items than the key's (the middle of the partial
        band), another figure in the
        key's terms where the key is nothing but a figure, another expression, inequality or
        complexity than the key's (:mod:`tutor.grading.expressions`,
        :func:`~tutor.grading.quantities.crosses_relation`), or another thing or the other
        yes/no where the key is a name, a formula or a yes/no, with or without its reason
        (:mod:`tutor.grading.short_keys`; under the incorrect band: nothing else to credit), an
        answer off the topic (a third of the incorrect band). An answer opening with a bare
        yes/no key's own word, giving a bare figure key's figure in its terms ("fifty-six",
        "100 C") or the key's expression in any form ("6 + 2x" for "2x + 6") scores at least
        ``KEY_WORD_SCORE``; one that is just the figure a key opens with before its reason
        ("0" for "0 or close to 0, because ..."), the middle of the partial band."""
        t = self.artifact.thresholds
        middle = (t.correct + t.incorrect) / 2  # of the partial band
        listed = keyword_list(request.question, request.answer)
        wrong_figure, units_off = _wrong_figure(request), _units_off(request)
        fewer = all(lists_fewer(request.answer, r) for r in request.references)
        dated = _wrong_year(request)
        if mistakes.whole or listed or wrong_figure or units_off or fewer or dated:
            score = min(score, middle)
        figure_keys = all(figure_key(r) is not None for r in request.references)
        # the key's figure, or its expression ("6 + 2x" for "2x + 6", :mod:`.expressions`)
        expressed = [e for r in request.references
                     if (e := gives_expression(request.answer, r)) is not None]  # fmt: skip
        gives = (
            figure_keys and (_any_key(gives_figure, request) or _any_key(works_to_figure, request))
        ) or any(expressed)
        if figure_keys and _any_key(hedges_figure, request):
            score = min(score, middle)  # "56 or 54" for "56"
        negated = words(request.answer).negations > 0
        # another result: "2x + 3" for "2x + 6", "O(n)" for "O(log n)"
        other_result = (bool(expressed) and not any(expressed)) or all(
            other_complexity(request.answer, r) for r in request.references
        )
        # the opposite: "not 56"; "x < 5" for "x > 5"
        denies = (gives and negated) or all(
            crosses_relation(request.answer, r) for r in request.references
        )
        if (
            (wrong_figure and figure_keys and _any_key(in_key_terms, request))
            or denies
            or other_result
        ):
            score = min(score, t.incorrect - 0.05)  # "5" for "What is 2+2?"; "not 56"
        elif gives:
            score = max(score, KEY_WORD_SCORE)  # "fifty-six" for "56"
        elif not negated and _any_key(gives_only_leading, request):
            # "0" for "0 or close to 0, because ...": partly, where the question asks why;
            # "32" for "32, since each number doubles." to "What is the next number?": right
            asks_why = _EXPLAINS.search(request.question) is not None
            score = max(score, middle if asks_why else KEY_WORD_SCORE)
        polar = [p for r in request.references if (p := opposite(request.answer, r)) is not None]
        keyed = False  # the answer replies with the key's yes/no or states a short key
        if any(p is False for p in polar):  # "No, it is roughly a sphere." for "No"
            score, keyed = max(score, KEY_WORD_SCORE), True
        elif polar or all(
            names_other(request.answer, r, request.question) for r in request.references
        ):
            score = min(score, t.incorrect - 0.05)  # "London" for "Paris"; "Yes" for "No"
        elif any(_all_keys(check, request)
                 for check in (turns_question, swaps_key_word, exchanges_key)):  # fmt: skip
            score = min(score, t.incorrect - 0.05)  # "Sound travels faster than light."
        elif _all_keys(hedges_options, request) or _all_keys(drops_comparison, request):
            score = min(score, middle)  # "Earth and Sun" for "the Earth"
        elif not mistakes.whole and _any_key(states_key, request):
            score, keyed = max(score, KEY_WORD_SCORE), True  # "It is a solid." for "solid"
        # an answer that gives the key is on topic, however far its other words are from the
        # question's ("No, it needs a medium." for "Can sound travel through a vacuum?")
        off_topic = not keyed and max(base[_SIM_REF], base[_SIM_Q]) < t.off_topic
        if off_topic:
            score = min(score, t.incorrect / 3)
        # two of the item's listed mistakes stated, whole or in part: the middle of the partial
        # band, read last (a clamp: the guard's bounds still enclose the score) and only where
        # it lowers the score, as the part matches take a MiniLM pass per sentence and clause.
        # Not looked for where a guard's window holds both the middle and the score (a correct
        # model grade's window always holds the middle): the outcome is the same either way.
        # The part matches looked for here are kept (``Capped.stated``) for the feedback.
        loose = False
        if score > middle and claims(request.common_mistakes) >= 2:
            if _holds(window, middle, score):
                loose = True
            else:
                mistakes = with_parts(mistakes, request.answer, request.common_mistakes,
                                      _references(request), table)  # fmt: skip
                if mistakes.several:
                    score = middle
        return Capped(score, listed, off_topic, wrong_figure or other_result, units_off, loose,
                      denies, other_result, mistakes)  # fmt: skip

    def _finish(
        self,
        request: GradeRequest,
        score: float,
        base: Scores,
        mistakes: Stated,
        table: EmbeddingTable,
        *,
        reversed_: bool,
    ) -> Grade:
        t = self.artifact.thresholds
        flags: list[Flag] = []
        answer_vec = table[[deduplicated(request.answer)]][0]
        ref_sims = table[request.references] @ answer_vec
        capped = self._capped(request, score, base, mistakes, table)
        score, listed, off_topic = capped.score, capped.listed, capped.off_topic
        mistakes = capped.stated or mistakes
        if off_topic:
            flags.append(Flag.OFF_TOPIC)
        if suspected(request.answer):  # the one detector (tutor/grading/attacks)
            flags.append(Flag.INJECTION_SUSPECTED)
        context = [request.question, *request.references, *(e.answer for e in request.examples)]
        cannot_read = unreadable(request.answer, context)
        if cannot_read:
            flags.append(Flag.UNREADABLE)
        verdict, confidence = verdict_for(score, t)
        if verdict is not Verdict.CORRECT:  # now with the part matches (whole ones kept)
            mistakes = with_parts(mistakes, request.answer, request.common_mistakes,
                                  _references(request), table)  # fmt: skip
        named = [*mistakes.whole, *(mistakes.part if verdict is not Verdict.CORRECT else [])]
        # a wrong total already says what went wrong; an omission read from the answer's words
        # would guess at which step failed (wrong on 2 of the 3 ctx-04 answers of the mistakes set)
        if verdict is not Verdict.CORRECT and not named and not flags and not capped.miscalculated:
            named = left_out(request.answer, request.common_mistakes, request.question, table)
        if cannot_read:
            confidence = min(confidence, 0.5)
        if flags or listed or confidence < t.review_for(len(request.examples)):
            flags.append(Flag.NEEDS_REVIEW)
        steps = bool(request.solution_steps)
        reference = request.references[int(np.argmax(ref_sims))]
        formula = _formula_point(reference)
        points = request.solution_steps or formula or key_phrases(reference, request.question)
        covered, missing = coverage(request.answer, points, request.question, table, steps=steps)
        # "$12" is near "$10" in word vectors: the figure the answer got wrong was not covered
        if capped.wrong_figure:  # so is "O(n)" near "O(log n)"
            wrong = [p for p in covered
                     if states_result(p, request.question, reference) or p in formula]  # fmt: skip
            covered = [p for p in covered if p not in wrong]
            missing = [*missing, *(p for p in wrong if p in formula)]
        if capped.units_off:
            covered = [p for p in covered if not states_unit(p, capped.units_off)]
        feedback = compose(verdict, covered, missing, named, steps=steps,
                           contradicts=reversed_ or capped.denies)  # fmt: skip
        if cannot_read:
            # points the grader could not read it for would only read as a verdict on it
            next_step = ("write your answer in English sentences, or wait for your teacher's "
                         "grade.")  # fmt: skip
            note = (f"This answer looks {cannot_read}; the grader reads English only, so a "
                    f"teacher will check it. Next step: {next_step}")  # fmt: skip
            feedback = Feedback(correct=[], missing=[], next_step=next_step, text=note)
        elif listed:
            note = ("This lists terms without explaining how they connect; write it as "
                    "sentences. A teacher will check it.")  # fmt: skip
            feedback = feedback.model_copy(update={"text": f"{note} {feedback.text}"})
        elif capped.miscalculated:
            note = (
                "Your expression does not match the expected one: check each step of your working."
                if capped.formula
                else "Your final figure does not match the "
                "expected result: check each step of your working."
            )
            feedback = feedback.model_copy(update={"text": f"{note} {feedback.text}"})
        return Grade(
            verdict=verdict, score=round(score, 4), feedback=feedback,
            mistakes=named, confidence=confidence, flags=flags, engine=ENGINE,
            prompt=self.prompt,
        )  # fmt: skip


def _holds(window: Window | None, *scores: float) -> bool:
    """The guard's window holds every one of ``scores``, with the margin that settles it."""
    return window is not None and all(window[0] + _EDGE <= s <= window[1] - _EDGE for s in scores)


def _any_wrong(case: GradingCase) -> bool:
    """One of the case's graded examples is not graded right (``POSITIVE``)."""
    return any(score < POSITIVE for _, score in case.examples)


def _reversed(case: GradingCase, *, examples: bool, wrong: bool) -> bool:
    """The answer says the reference's points with the opposite polarity; or, without graded
    examples (where the neighbours do not decide), contradicts the key; or, without an example
    graded wrong (right answers alone cannot tell a denial from a right answer in their words),
    denies what the question asks about. ``contradicts`` stays off beside right answers alone:
    there it capped 5 of the 54 right answers of ``evals/corpus``. Read on the answer's
    sentences about the question or the key (:func:`lexical.on_topic`): padding with other
    true sentences does not hide a reversal."""
    answer = on_topic(case.answer, case.question, case.references)
    return (
        reverses(answer, case.references)
        or (not examples and contradicts(answer, case.references))
        or (not wrong and denies_question(answer, case.question))
    )


def _formula_point(reference: str) -> list[str]:
    """A key that is an expression, a complexity or an inequality is one point, said whole
    ("2x + 6", not the words "2 x 6")."""
    formula = (
        key_expression(reference) is not None or complexities(reference)
        or any(op != "=" for _, op, _ in relations(reference))
    )  # fmt: skip
    return [reference.strip().rstrip(".")] if formula else []


def _wrong_year(request: GradeRequest) -> bool:
    """Every key that dates something says another year than the answer ("1939" for "1914")."""
    dating = [r for r in request.references if years(r) - years(request.question)]
    return bool(dating) and all(wrong_year(request.answer, request.question, r) for r in dating)


def _wrong_figure(request: GradeRequest) -> bool:
    """The key's result or estimate, and the answer reaches another (:mod:`quantities`)."""
    return all(wrong_result(request.answer, request.question, r) for r in request.references)


def _any_key(check: Callable[[str, str, str], bool], request: GradeRequest) -> bool:
    """``check(answer, question, reference)`` holds for one of the request's references (with
    :func:`in_key_terms`: another figure in another unit, "212 degrees Fahrenheit" for "100
    degrees Celsius", is not known wrong)."""
    return any(check(request.answer, request.question, r) for r in request.references)


def _all_keys(check: Callable[[str, str, str], bool], request: GradeRequest) -> bool:
    """``check(answer, question, reference)`` holds for every reference of the request."""
    return all(check(request.answer, request.question, r) for r in request.references)


def _units_off(request: GradeRequest) -> set[str]:
    """Units for which the answer states another figure than the key or its steps ("$3,650 per
    month" against "about $300 per month")."""
    return conflicting_units(request.answer, request.question, _references(request))


def _references(request: GradeRequest) -> list[str]:
    """What a stated mistake must be closer to than to any of: references and solution steps."""
    return [*request.references, *request.solution_steps]


def _answer_texts(requests: Sequence[GradeRequest]) -> set[str]:
    """The texts only the answers bring to the table: each answer as written and deduplicated,
    its sentences and clauses (the mistake check's parts) and its content words, less every
    text the rest of the requests bring (question, references, steps, mistakes, graded
    examples) and their words. Those repeat across learners; an answer seldom does."""
    answers: set[str] = set()
    kept: set[str] = set()
    for r in requests:
        text = deduplicated(r.answer)
        with answers_apart((r.answer,)):
            answers.update((r.answer, text, *parts(text), *words(r.answer).content))
        for other in (r.question, *r.references, *r.solution_steps, *r.common_mistakes,
                      *(e.answer for e in r.examples)):  # fmt: skip
            kept.add(other)
            kept.update(words(other).content)
    return answers - kept


def _feedback_texts(requests: Sequence[GradeRequest]) -> list[str]:
    texts: list[str] = []
    for r in requests:
        texts += [*r.common_mistakes, *r.solution_steps, *omission_texts(r.common_mistakes)]
        texts += [w for step in r.solution_steps for w in words(step).content]
    return texts


def _case(request: GradeRequest) -> GradingCase:
    return GradingCase(
        question=request.question,
        references=tuple(request.references),
        answer=deduplicated(request.answer),  # a repeated sentence counts once
        examples=tuple((e.answer, e.score) for e in request.examples),
    )
