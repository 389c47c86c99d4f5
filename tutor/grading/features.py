"""Feature extraction for the offline grader, vectorised over a batch of answers.

Every text of the batch (answers, references, questions, graded examples) is embedded once, in
batches, through an :class:`EmbeddingTable`; the features are then cheap vector and set operations.

Two feature groups:

- ``BASE_FEATURES`` compare the answer with the references and the question (embedding
  similarities, content-word and key-term overlap, negation and antonym clashes, numbers, length).
  None is a constant of the question alone (such as the reference's length): trees would use
  those to memorise training questions instead of learning what makes any answer right.
- ``NEIGHBOUR_FEATURES`` compare it with graded answers to the same question (nearest neighbours'
  scores, closest correct and incorrect answers). They are NaN when no graded answers exist.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tutor.grading.lexical import Words, antonym_clashes, overlap, polarity_clashes, stem, words
from tutor.retrieval.embedder import Embedder

Matrix = npt.NDArray[np.float64]

BASE_FEATURES: tuple[str, ...] = (
    "sim_ref_max", "sim_question", "sim_new_info", "sim_margin", "tok_precision", "tok_recall",
    "tok_f1", "key_recall", "key_precision", "bigram_recall", "neg_answer", "neg_mismatch",
    "neg_clash", "antonym_clash", "num_matched", "num_extra", "len_answer", "len_ratio",
    "question_copy", "novel_fraction", "align_recall", "align_key_recall", "align_precision",
    "align_key_hits",
)  # fmt: skip
ALIGNED = 0.75  # word-vector cosine above which two words count as the same term
NEIGHBOUR_FEATURES: tuple[str, ...] = (
    "ex_count", "ex_mean", "ex_top1_sim", "ex_top1_score", "ex_top3_score", "ex_soft_score",
    "ex_pos_sim", "ex_neg_sim", "ex_pos_minus_neg", "ex_pos_f1", "ex_neg_f1", "ex_pos_minus_ref",
    "ex_top10_score", "ex_lex_top_score", "ex_ref_rank", "ex_ref_kernel", "ex_ref_vs_pos",
    "ex_ref_vs_neg",
)  # fmt: skip
ALL_FEATURES = BASE_FEATURES + NEIGHBOUR_FEATURES
POSITIVE = 0.5  # a graded example scoring at least this counts as a correct answer
SOFT_TEMPERATURE = 0.05
KERNEL_WIDTH = 0.05  # of the kernel regression of example scores on similarity to the reference


@dataclass(frozen=True)
class GradingCase:
    """One answer to grade, with what it is compared against."""

    question: str
    references: tuple[str, ...]
    answer: str
    examples: tuple[tuple[str, float], ...] = ()  # (graded answer, score 0-1)


class EmbeddingTable:
    """Embeds each distinct text once and remembers it (one table per batch or training run)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)

    def add(self, texts: Sequence[str]) -> None:
        new = list(dict.fromkeys(t for t in texts if t not in self._rows))
        if not new:
            return
        vectors = self._embedder.embed(new)
        start = len(self._rows)
        self._rows.update((t, start + i) for i, t in enumerate(new))
        self._vectors = vectors if start == 0 else np.vstack([self._vectors, vectors])

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.add(texts)
        return self._vectors[[self._rows[t] for t in texts]]


def _texts(cases: Sequence[GradingCase]) -> list[str]:
    out: list[str] = []
    for case in cases:
        out += [case.question, case.answer, *case.references, *(t for t, _ in case.examples)]
        for text in (case.answer, *case.references):
            out += words(text).content
    return out


def extract(
    cases: Sequence[GradingCase], table: EmbeddingTable, *, neighbours: bool = True
) -> Matrix:
    """One feature row per case: ``ALL_FEATURES`` columns, or ``BASE_FEATURES`` only."""
    table.add(_texts(cases))
    names = ALL_FEATURES if neighbours else BASE_FEATURES
    out = np.full((len(cases), len(names)), np.nan)
    for i, case in enumerate(cases):
        answer_vec = table[[case.answer]][0]
        base, ref_sim = _base_row(case, table, answer_vec)
        out[i, : len(base)] = base
        if neighbours and case.examples:
            refs = table[list(case.references)]
            out[i, len(base) :] = _neighbour_row(case, table, answer_vec, refs, ref_sim)
    return out


def _base_row(
    case: GradingCase, table: EmbeddingTable, a: npt.NDArray[np.float32]
) -> tuple[list[float], float]:
    q = table[[case.question]][0]
    refs = table[list(case.references)]
    ref_sims = refs @ a
    best = int(np.argmax(ref_sims))
    a_new, refs_new = a - (a @ q) * q, refs - np.outer(refs @ q, q)
    norms = np.linalg.norm(refs_new, axis=1) * max(float(np.linalg.norm(a_new)), 1e-9)
    new_info = float(np.max((refs_new @ a_new) / np.clip(norms, 1e-9, None)))
    sim_q = float(a @ q)

    aw, qw = words(case.answer), words(case.question)
    # Lexical features come from the reference that matches best (embedding + token F1).
    lex = [_lexical(aw, words(r), qw) for r in case.references]
    pick = int(np.argmax([float(s) + f[2] for s, f in zip(ref_sims, lex, strict=True)]))
    ref_max = float(ref_sims[best])
    align = _alignment(aw, words(case.references[pick]), qw, table)
    row = [ref_max, sim_q, new_info, ref_max - sim_q, *lex[pick], *align]
    if len(row) != len(BASE_FEATURES):
        raise AssertionError(f"{len(row)} base features computed, {len(BASE_FEATURES)} named")
    return row, ref_max


def _alignment(aw: Words, rw: Words, qw: Words, table: EmbeddingTable) -> list[float]:
    """Soft word matching through single-word embeddings (synonyms, inflections)."""
    if not aw.content or not rw.content:
        return [0.0, 0.0, 0.0, 0.0]
    sims = table[list(rw.content)] @ table[list(aw.content)].T
    ref_best, answer_best = sims.max(axis=1), sims.max(axis=0)
    key = np.array([stem(w) not in qw.stems for w in rw.content])
    key_best = ref_best[key] if key.any() else ref_best
    return [float(ref_best.mean()), float(key_best.mean()), float(answer_best.mean()),
            float((key_best >= ALIGNED).mean())]  # fmt: skip


def _lexical(aw: Words, rw: Words, qw: Words) -> list[float]:
    precision, recall, f1 = overlap(aw.stems, rw.stems)
    key_terms = rw.stems - qw.stems or rw.stems
    answer_new = aw.stems - qw.stems
    key_recall = len(key_terms & aw.stems) / len(key_terms) if key_terms else 0.0
    key_precision = len(answer_new & rw.stems) / len(answer_new) if answer_new else 0.0
    bigram_recall = overlap(aw.bigrams, rw.bigrams)[1]
    n_answer, n_ref = len(aw.tokens), max(len(rw.tokens), 1)
    numbers = len(rw.numbers & aw.numbers)
    return [
        precision, recall, f1, key_recall, key_precision, bigram_recall,
        float(aw.negations), float(aw.negations % 2 != rw.negations % 2),
        float(polarity_clashes(aw, rw)),
        float(antonym_clashes(aw, rw)),
        numbers / len(rw.numbers) if rw.numbers else 1.0, float(len(aw.numbers - rw.numbers)),
        math.log1p(n_answer), math.log((n_answer + 1) / (n_ref + 1)),
        len(aw.stems & qw.stems) / len(aw.stems) if aw.stems else 0.0,
        len(aw.stems - qw.stems - rw.stems) / len(aw.stems) if aw.stems else 0.0,
    ]  # fmt: skip


def _neighbour_row(
    case: GradingCase,
    table: EmbeddingTable,
    a: npt.NDArray[np.float32],
    refs: npt.NDArray[np.float32],
    ref_sim: float,
) -> list[float]:
    texts = [t for t, _ in case.examples]
    scores = np.array([s for _, s in case.examples], dtype=np.float64)
    vectors = table[texts]
    sims = (vectors @ a).astype(np.float64)
    # How the examples' own similarity to the reference relates to their scores.
    ex_ref = (vectors @ refs.T).max(axis=1).astype(np.float64)
    kernel = np.exp(-(((ex_ref - ref_sim) / KERNEL_WIDTH) ** 2)) + 1e-6
    order = np.argsort(-sims, kind="stable")
    top3, top10 = order[:3], order[:10]
    weights = np.exp((sims - sims.max()) / SOFT_TEMPERATURE)
    positive = scores >= POSITIVE
    aw = words(case.answer)
    f1s = np.array([overlap(aw.stems, words(t).stems)[2] for t in texts])

    def best(values: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> float:
        return float(values[mask].max()) if mask.any() else math.nan

    pos_sim, neg_sim = best(sims, positive), best(sims, ~positive)
    return [
        math.log1p(len(texts)), float(scores.mean()), float(sims[order[0]]),
        float(scores[order[0]]), _weighted(scores[top3], sims[top3]),
        float(np.average(scores, weights=weights)), pos_sim, neg_sim, pos_sim - neg_sim,
        best(f1s, positive), best(f1s, ~positive), pos_sim - ref_sim,
        _weighted(scores[top10], sims[top10]),
        float(scores[int(np.argmax(f1s))]), float(np.mean(ex_ref <= ref_sim)),
        float(np.average(scores, weights=kernel)),
        ref_sim - float(ex_ref[positive].mean()) if positive.any() else math.nan,
        ref_sim - float(ex_ref[~positive].mean()) if (~positive).any() else math.nan,
    ]  # fmt: skip


def _weighted(scores: npt.NDArray[np.float64], sims: npt.NDArray[np.float64]) -> float:
    return float(np.average(scores, weights=np.clip(sims, 1e-3, None)))
