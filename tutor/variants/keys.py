"""The offline key check: does the key point at what the parent's answer says?

A multiple-choice variant's correct option must be the option most similar to the parent's
canonical answer, ahead of every distractor by at least ``key_margin``. A free-text variant's
canonical answer must be the parent's answer, or embed at least ``answer_similarity`` close.

A variant whose numbers differ from its parent's (``quantities.scaled``) is first recomputed:
every equation of its answer and steps must hold and every number of its answer must come
from its stem or one of them; then the comparison above runs on the texts with their numbers
masked, so "About 3,000 tokens." is judged by its wording and the arithmetic by the equations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from tutor.corpus import Item, ItemType, Lesson
from tutor.retrieval import Embedder
from tutor.variants import quantities, text
from tutor.variants.models import KeyCheck
from tutor.variants.validation import Thresholds


class EmbeddingKeyChecker:
    method = "embedding"

    def __init__(self, embedder: Embedder, thresholds: Thresholds | None = None) -> None:
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()

    async def check(self, lesson: Lesson, parent: Item, variant: Item) -> KeyCheck:
        return await asyncio.to_thread(self._check, parent, variant)

    def _check(self, parent: Item, variant: Item) -> KeyCheck:
        if quantities.changed(parent, variant):
            holds, found = quantities.check(variant)
            recomputed = [
                {"equation": e.text, "recomputed": round(e.expected, 4), "holds": e.holds}
                for e in found
            ]
            if not holds:
                return KeyCheck(False, 0.0, "recomputed", {"equations": recomputed})
            check = self._compare(parent, variant, quantities.masked)
            details = {**check.details, "equations": recomputed}
            return KeyCheck(check.confirmed, check.score, "recomputed", details)
        return self._compare(parent, variant, lambda t: t)

    def _compare(self, parent: Item, variant: Item, view: Callable[[str], str]) -> KeyCheck:
        if variant.type is ItemType.FREE_TEXT:
            if text.normalise(view(variant.answer)) == text.normalise(view(parent.answer)):
                return KeyCheck(True, 1.0, self.method, {"answer": "same as the parent's"})
            vectors = self.embedder.embed([view(parent.answer), view(variant.answer)])
            similarity = round(float(vectors[0] @ vectors[1]), 4)
            confirmed = similarity >= self.thresholds.answer_similarity
            return KeyCheck(confirmed, similarity, self.method, {"answer_similarity": similarity})
        keys = [o.key for o in variant.options]
        texts = [view(parent.answer), *(view(o.text) for o in variant.options)]
        vectors = self.embedder.embed(texts)
        sims = vectors[1:] @ vectors[0]
        correct = keys.index(variant.answer_key or "")
        best_distractor = float(np.delete(sims, correct).max())
        margin = round(float(sims[correct]) - best_distractor, 4)
        confirmed = int(np.argmax(sims)) == correct and margin >= self.thresholds.key_margin
        details = {
            "closest_option": keys[int(np.argmax(sims))],
            "key_similarity": round(float(sims[correct]), 4),
            "margin": margin,
        }
        return KeyCheck(confirmed, margin, self.method, details)
