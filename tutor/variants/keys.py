"""The offline key check: does the key point at what the parent's answer says?

A multiple-choice variant's correct option must be the option most similar to the parent's
canonical answer, ahead of every distractor by at least ``key_margin``. A free-text variant's
canonical answer must be the parent's answer, or embed at least ``answer_similarity`` close.
"""

from __future__ import annotations

import asyncio

import numpy as np

from tutor.corpus import Item, ItemType, Lesson
from tutor.retrieval import Embedder
from tutor.variants import text
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
        if variant.type is ItemType.FREE_TEXT:
            if text.normalise(variant.answer) == text.normalise(parent.answer):
                return KeyCheck(True, 1.0, self.method, {"answer": "same as the parent's"})
            vectors = self.embedder.embed([parent.answer, variant.answer])
            similarity = round(float(vectors[0] @ vectors[1]), 4)
            confirmed = similarity >= self.thresholds.answer_similarity
            return KeyCheck(confirmed, similarity, self.method, {"answer_similarity": similarity})
        keys = [o.key for o in variant.options]
        vectors = self.embedder.embed([parent.answer, *(o.text for o in variant.options)])
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
