"""Feature extraction for the offline grader, vectorised over a batch of answers.

Every text of the batch (answers, references, questions, graded examples) is embedded once, in
batches, through an :class:`EmbeddingTable`; the features are then cheap vector and set operations.

Two feature groups:

- ``BASE_FEATURES`` compare the answer with the references and the question (embedding
  similarities, content-word and key-term overlap, negation and antonym clashes, numbers, length).
  None is a constant of the question alone (such as the reference's length): trees would use
  those to memorise training questions instead of learning what makes any answer right.
  The ``tok_align_*`` features are a BERTScore-style soft alignment of the MiniLM *contextual*
  token vectors of answer and reference, both directions (see :class:`EmbeddingTable.tokens`).
- ``NEIGHBOUR_FEATURES`` compare it with graded answers to the same question (nearest neighbours'
  scores, closest correct and incorrect answers). They are NaN when no graded answers exist.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from tutor.grading.lexical import (
    STOPWORDS,
    Words,
    antonym_clashes,
    overlap,
    polarity_clashes,
    stem,
    words,
)
from tutor.retrieval.embedder import DEFAULT_BATCH_SIZE, Embedder, MiniLMEmbedder
from tutor.retrieval.lru import LruTable

Matrix = npt.NDArray[np.float64]

BASE_FEATURES: tuple[str, ...] = (
    "sim_ref_max", "sim_question", "sim_new_info", "sim_margin", "tok_precision", "tok_recall",
    "tok_f1", "key_recall", "key_precision", "bigram_recall", "neg_answer", "neg_mismatch",
    "neg_clash", "antonym_clash", "num_matched", "num_extra", "len_answer", "len_ratio",
    "question_copy", "novel_fraction", "align_recall", "align_key_recall", "align_precision",
    "align_key_hits", "tok_align_recall", "tok_align_precision", "tok_align_f1",
    "tok_align_key_recall", "tok_align_missed", "tok_align_new_precision", "tok_align_q_copy",
)  # fmt: skip
ALIGNED = 0.75  # word-vector cosine above which two words count as the same term
TOKEN_SAME = 0.7  # contextual token cosine above which a reference token restates the question
TOKEN_MISSED = 0.5  # a reference token whose best answer-token cosine is below this is missing
NEIGHBOUR_FEATURES: tuple[str, ...] = (
    "ex_count", "ex_mean", "ex_top1_sim", "ex_top1_score", "ex_top3_score", "ex_soft_score",
    "ex_pos_sim", "ex_neg_sim", "ex_pos_minus_neg", "ex_pos_f1", "ex_neg_f1", "ex_pos_minus_ref",
    "ex_top10_score", "ex_lex_top_score", "ex_ref_rank", "ex_ref_kernel", "ex_ref_vs_pos",
    "ex_ref_vs_neg", "ex_krr", "ex_krr_wide", "ex_tok_pos", "ex_tok_neg", "ex_tok_margin",
)  # fmt: skip
ALL_FEATURES = BASE_FEATURES + NEIGHBOUR_FEATURES
POSITIVE = 0.5  # a graded example scoring at least this counts as a correct answer
SOFT_TEMPERATURE = 0.05
KERNEL_WIDTH = 0.05  # of the kernel regression of example scores on similarity to the reference
KRR = ((0.1, 0.3), (0.3, 1.0))  # (cosine-distance scale, ridge) of the two kernel ridge fits


@dataclass(frozen=True)
class GradingCase:
    """One answer to grade, with what it is compared against."""

    question: str
    references: tuple[str, ...]
    answer: str
    examples: tuple[tuple[str, float], ...] = ()  # (graded answer, score 0-1)


RECENT_BYTES = 8 * 2**20  # answers' vectors kept between calls, and a quarter for their words


class EmbeddingTable:
    """Embeds each distinct text once and remembers it (one table per batch or training run).

    Safe to share between threads: texts are embedded outside the lock (two threads may embed
    the same new text; the first to finish is kept), rows are appended and read under it.

    A view from :meth:`for_answers` shares the table but holds the vectors of the texts it is
    given (a call's answers and what only they bring) apart: they live as long as the view,
    and beside it in two small least-recently-used tiers (``recent_bytes`` for the answers'
    texts, a quarter of it for their single words), since a service's answers are seldom seen
    twice and would otherwise fill the table.

    ``parallel`` threads embed the new texts of one call at once, each a share of them: only
    for an embedder that embeds each text on its own (the int8 file runs one text per call,
    :func:`parallel_passes`), so a text's vector is the same whichever share it falls in.
    """

    def __init__(
        self, embedder: Embedder, *, recent_bytes: int = RECENT_BYTES, parallel: int = 1
    ) -> None:
        self._embedder = embedder
        self._store = _Store(recent_bytes, parallel)
        self._answers: frozenset[str] = frozenset()  # what this view holds apart
        self._own: dict[tuple[bool, str], npt.NDArray[np.float32]] = {}  # (tokens?, text)

    def for_answers(self, texts: Iterable[str]) -> EmbeddingTable:
        """A view of this table that keeps the vectors of ``texts`` only while it lives (and
        in the small recent tiers); every other text it embeds is kept in the table, as usual.
        It reads what the table and the recent tiers already hold."""
        view = copy.copy(self)
        view._answers, view._own = frozenset(texts), {}
        return view

    def _held(self, key: tuple[bool, str]) -> npt.NDArray[np.float32] | None:
        """The vector(s) of key, wherever held (called under the lock); one found in the
        recent tiers is now this view's too, so the tier cannot drop it while the view lives."""
        store = self._store
        tokens, text = key
        if tokens:
            found = store.tokens.get(text)
        else:
            row = store.rows.get(text)
            found = None if row is None else store.vectors[row]
        if found is None:
            found = self._own.get(key)
        if found is None:
            found = store.recall(key)
            if found is not None and self._answers:  # a view's (a table's own stays empty)
                self._own[key] = found
        return found

    def add(self, texts: Sequence[str]) -> None:
        with self._store.lock:
            new = list(dict.fromkeys(t for t in texts if self._held((False, t)) is None))
        if new:
            self._store.run(lambda share: self._put(share, self._embedder.embed(share)), new)

    def add_with_tokens(self, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The sentence vectors of the texts the table does not hold yet, kept as :meth:`add`
        keeps them, from passes that give their token vectors too: those are returned, not
        kept (:meth:`keep_tokens` keeps the ones the caller needs). A text whose token vectors
        may be wanted later goes through MiniLM once instead of twice. Another embedder gets
        its sentence vectors from :meth:`add` and returns nothing."""
        if not isinstance(self._embedder, MiniLMEmbedder):
            self.add(texts)
            return {}
        with self._store.lock:
            new = list(dict.fromkeys(t for t in texts if self._held((False, t)) is None))
        return dict(pair for found in self._store.run(self._passes, new) for pair in found)

    def _passes(self, texts: list[str]) -> list[tuple[str, npt.NDArray[np.float32]]]:
        """Token passes over ``texts`` in batches: their sentence vectors kept (:meth:`_put`),
        their token vectors returned."""
        found: list[tuple[str, npt.NDArray[np.float32]]] = []
        for start in range(0, len(texts), _TOKEN_BATCH):
            chunk = texts[start : start + _TOKEN_BATCH]
            sentences, vectors = _token_vectors(self._embedder, chunk)
            if sentences is not None:  # MiniLM's pass gives them
                self._put(chunk, sentences)
            found += zip(chunk, vectors, strict=True)
        return found

    def keep_tokens(self, tokens: Mapping[str, npt.NDArray[np.float32]]) -> None:
        """Keep token vectors computed by :meth:`add_with_tokens`, as :meth:`add_tokens` keeps
        its own (a view's answers apart)."""
        store = self._store
        with store.lock:
            for text, v in tokens.items():
                if self._held((True, text)) is not None:
                    continue
                if text in self._answers:
                    self._own[(True, text)] = store.remember((True, text), v)
                else:
                    store.tokens[text] = v
                    store.token_bytes += v.nbytes

    def _put(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
        """Keep the sentence vectors of texts not yet held (another thread may have added
        some meanwhile: the first kept wins); this view's answers' apart."""
        store = self._store
        with store.lock:
            keep = []
            for i, text in enumerate(texts):
                if self._held((False, text)) is not None:
                    continue
                if text in self._answers:
                    self._own[(False, text)] = store.remember((False, text), vectors[i].copy())
                else:
                    keep.append(i)
            if not keep:
                return
            start, end = len(store.rows), len(store.rows) + len(keep)
            if end > len(store.vectors):  # grow by half: appending no longer copies the table
                grown = np.empty((max(end + end // 2, 64), vectors.shape[1]), dtype=np.float32)
                if start:
                    grown[:start] = store.vectors[:start]
                store.vectors = grown
            store.vectors[start:end] = vectors[keep]
            store.rows.update((texts[i], start + n) for n, i in enumerate(keep))

    def __len__(self) -> int:
        """Texts whose sentence vectors the table keeps (not a view's answers)."""
        return len(self._store.rows)

    @property
    def embedder_name(self) -> str:
        """The embedder whose vectors the table holds (part of what fitted trees depend on)."""
        return self._embedder.name

    @property
    def nbytes(self) -> int:
        """The memory the vectors kept between calls take, room to grow and the recent tiers
        included (a text's token vectors take ~40x its pooled vector)."""
        store = self._store
        return store.vectors.nbytes + store.token_bytes + store.recent_bytes

    def tokens(self, text: str) -> npt.NDArray[np.float32]:
        """L2-normalised contextual vectors of the text's content tokens, one row per token."""
        with self._store.lock:
            found = self._held((True, text))
        if found is None:
            self.add_tokens([text])
            with self._store.lock:
                found = self._held((True, text))
            assert found is not None
        return found

    def add_tokens(self, texts: Sequence[str]) -> None:
        """Token vectors of texts, and their sentence vectors from the same forward pass (a
        text the grader compares both ways, such as the answer, goes through MiniLM once)."""
        with self._store.lock:
            new = sorted({t for t in texts if self._held((True, t)) is None}, key=len)
        self._store.run(lambda share: self.keep_tokens(dict(self._passes(share))), new)

    def __getitem__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.add(texts)
        store = self._store
        with store.lock:
            if all(t in store.rows for t in texts):  # the usual case: one gather
                return store.vectors[[store.rows[t] for t in texts]]
            found = [self._held((False, t)) for t in texts]
        rows = [v for v in found if v is not None]  # added above, and this view holds them
        if len(rows) != len(texts):
            raise AssertionError("a text added to the table was not found in it")
        return np.stack(rows)


# The answers' vectors up to a bound in bytes, least recently used dropped first, keyed
# (token vectors?, text). A view holds its own while it lives, whatever the tier drops.
Recent = LruTable[tuple[bool, str], npt.NDArray[np.float32]]


def _nbytes(vectors: npt.NDArray[np.float32]) -> int:
    return vectors.nbytes


T = TypeVar("T")


class _Store:
    """What a table and its views share: the kept vectors, the recent tiers and the threads
    that embed a call's new texts."""

    def __init__(self, recent_bytes: int, parallel: int) -> None:
        self.parallel = max(1, parallel)
        self._pool: ThreadPoolExecutor | None = None  # made at the first call that shares work
        self.rows: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), dtype=np.float32)  # rows past len(rows) are room
        self.tokens: dict[str, npt.NDArray[np.float32]] = {}
        self.token_bytes = 0
        # the answers' vectors, and apart the pooled vectors of their single words (many of
        # which come back with the next answers, whose token vectors would push them out). The
        # words the items' texts lack are few: all our eval answers' fill 1.4 MiB, and at 8 MiB
        # the tier grew a service for 4 minutes when every answer brought a new number.
        self.recent: Recent = LruTable(recent_bytes, _nbytes)
        self.recent_words: Recent = LruTable(recent_bytes // 4, _nbytes)
        self.lock = threading.Lock()

    def tier(self, key: tuple[bool, str]) -> Recent:
        tokens, text = key
        return self.recent if tokens or " " in text.strip() else self.recent_words

    def recall(self, key: tuple[bool, str]) -> npt.NDArray[np.float32] | None:
        return self.tier(key).get(key)

    def remember(
        self, key: tuple[bool, str], vectors: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        return self.tier(key).put(key, vectors)

    @property
    def recent_bytes(self) -> int:
        return self.recent.held + self.recent_words.held

    def run(self, work: Callable[[list[str]], T], texts: list[str]) -> list[T]:
        """``work`` on shares of ``texts`` (every ``parallel``-th text each, so a list sorted by
        length is shared evenly), on the store's threads when there are several; the calling
        thread only waits. onnxruntime releases the GIL while a text runs."""
        if not texts:
            return []
        n = min(self.parallel, len(texts))
        if n == 1:
            return [work(texts)]
        with self.lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="embedding")
            pool = self._pool
        return list(pool.map(work, [texts[k::n] for k in range(n)]))


_TOKEN_BATCH = 16


def _token_vectors(
    embedder: Embedder, texts: list[str]
) -> tuple[npt.NDArray[np.float32] | None, list[npt.NDArray[np.float32]]]:
    """The texts' sentence vectors (MiniLM's, pooled from the same pass; None for another
    embedder) and the encoder's last hidden states for content word pieces (no [CLS]/[SEP],
    stopwords or punctuation). Only MiniLM exposes them; another embedder gets one vector per
    content word."""
    if not isinstance(embedder, MiniLMEmbedder):
        return None, [_normalised(embedder.embed(list(words(t).content) or [t])) for t in texts]
    sentences, states = embedder.embed_with_tokens(texts)
    out = []
    for pieces, row in states:
        keep = [i for i, piece in enumerate(pieces) if _content_piece(piece)]
        out.append(_normalised(row[keep] if keep else row[:1]))
    return sentences, out


@functools.lru_cache(maxsize=65536)
def _content_piece(piece: str) -> bool:
    """A word piece the token alignment compares: not [CLS]/[SEP], a stopword or punctuation."""
    return (piece not in ("[CLS]", "[SEP]") and piece not in STOPWORDS
            and any(c.isalnum() for c in piece))  # fmt: skip


def _normalised(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: npt.NDArray[np.float32] = (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)
    return result


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
    # question, answer and references first: their token pass also gives their sentence vectors
    table.add_tokens([t for c in cases for t in (c.question, c.answer, *c.references)])
    if neighbours:
        _add_examples(cases, table)
    table.add(_texts(cases))
    if neighbours:  # the nearest right and wrong examples are aligned token by token
        table.add_tokens([t for c in cases for t in _nearest_examples(c, table)])
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
    tokens = _token_alignment(case, table)
    row = [ref_max, sim_q, new_info, ref_max - sim_q, *lex[pick], *align, *tokens]
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


def _token_alignment(case: GradingCase, table: EmbeddingTable) -> list[float]:
    """Soft alignment of contextual tokens with the best-matching reference (by F1): recall,
    precision, F1, recall of the reference tokens the question does not already hold, share of
    reference tokens left unmatched, precision of the answer tokens new to the question, and
    how much of the answer restates the question."""
    a, q = table.tokens(case.answer), table.tokens(case.question)
    a_in_q = (a @ q.T).max(axis=1)
    new = a_in_q < TOKEN_SAME
    best: list[float] = []
    for reference in case.references:
        r = table.tokens(reference)
        sims = r @ a.T
        ref_best, answer_best = sims.max(axis=1), sims.max(axis=0)
        recall, precision = float(ref_best.mean()), float(answer_best.mean())
        f1 = 2 * recall * precision / max(recall + precision, 1e-9)
        key = (r @ q.T).max(axis=1) < TOKEN_SAME
        row = [recall, precision, f1,
               float(ref_best[key].mean()) if key.any() else recall,
               float((ref_best < TOKEN_MISSED).mean()),
               float(answer_best[new].mean()) if new.any() else 0.0,
               float(a_in_q.mean())]  # fmt: skip
        if not best or f1 > best[2]:
            best = row
    return best


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
    krr = [_kernel_ridge(np.vstack([vectors, refs]), np.concatenate([scores, np.ones(len(refs))]),
                         a, scale, ridge) for scale, ridge in KRR]  # fmt: skip
    tok_pos = _nearest_token_f1(case.answer, texts, sims, positive, table)
    tok_neg = _nearest_token_f1(case.answer, texts, sims, ~positive, table)
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
        *krr, tok_pos, tok_neg, tok_pos - tok_neg,
    ]  # fmt: skip


def _add_examples(cases: Sequence[GradingCase], table: EmbeddingTable) -> None:
    """The graded examples' sentence vectors, each new one from a pass that gives its token
    vectors too; of those, the token vectors of the examples nearest to one of the answers
    (what :func:`_nearest_token_f1` aligns) are kept, so they need no second pass. Question by
    question (by set of examples), so one question's token vectors are held at a time."""
    groups: dict[tuple[str, ...], list[GradingCase]] = {}
    for case in cases:
        if case.examples:
            groups.setdefault(tuple(t for t, _ in case.examples), []).append(case)
    for texts, group in groups.items():
        fresh = table.add_with_tokens(texts)
        if fresh:
            nearest = {t for c in group for t in _nearest_examples(c, table)}
            table.keep_tokens({t: fresh[t] for t in nearest if t in fresh})


def parallel_passes(embedder: Embedder) -> int:
    """Threads an :class:`EmbeddingTable` may embed one call's texts on: one per core (at most
    4) for an embedder that runs one text per call (the int8 file: its vectors would depend on
    the texts batched beside them), else 1 (a batching embedder's vectors depend on how the
    texts are cut into batches, which shares would change)."""
    one_at_a_time = DEFAULT_BATCH_SIZE.get(embedder.name) == 1
    return min(4, os.cpu_count() or 1) if one_at_a_time else 1


def _nearest_examples(case: GradingCase, table: EmbeddingTable) -> list[str]:
    """The most similar right and wrong example (what ``_nearest_token_f1`` aligns)."""
    if not case.examples:
        return []
    texts = [t for t, _ in case.examples]
    sims = table[texts] @ table[[case.answer]][0]
    positive = np.array([s >= POSITIVE for _, s in case.examples])
    return [texts[int(np.flatnonzero(m)[np.argmax(sims[m])])] for m in (positive, ~positive)
            if m.any()]  # fmt: skip


def _kernel_ridge(
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.float64],
    a: npt.NDArray[np.float32],
    scale: float,
    ridge: float,
) -> float:
    """Kernel ridge regression of the scores on the vectors, evaluated at ``a``: a per-question
    model of what separates right from wrong answers (the references count as right)."""
    gram = np.exp(((x @ x.T).astype(np.float64) - 1.0) / scale)
    mean = float(y.mean())
    alpha = np.linalg.solve(gram + ridge * np.eye(len(y)), y - mean)
    return mean + float(np.exp(((x @ a).astype(np.float64) - 1.0) / scale) @ alpha)


def _nearest_token_f1(
    answer: str,
    texts: Sequence[str],
    sims: npt.NDArray[np.float64],
    mask: npt.NDArray[np.bool_],
    table: EmbeddingTable,
) -> float:
    """Token-alignment F1 with the most similar example of the mask (NaN if none)."""
    if not mask.any():
        return math.nan
    nearest = texts[int(np.flatnonzero(mask)[np.argmax(sims[mask])])]
    s = table.tokens(nearest) @ table.tokens(answer).T
    recall, precision = float(s.max(axis=1).mean()), float(s.max(axis=0).mean())
    return 2 * recall * precision / max(recall + precision, 1e-9)


def _weighted(scores: npt.NDArray[np.float64], sims: npt.NDArray[np.float64]) -> float:
    return float(np.average(scores, weights=np.clip(sims, 1e-3, None)))
