"""Query embeddings are remembered: a repeated question is not embedded again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from tests.retrieval.test_index import COOKING, SAMPLING, corpus_of, lesson
from tutor.config import Settings
from tutor.retrieval import MiniLMEmbedder, PassageIndex, open_client
from tutor.retrieval.embedder import Vectors
from tutor.retrieval.query_cache import QueryEmbeddingCache


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, real: MiniLMEmbedder) -> None:
        self.real = real
        self.name = real.name
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> Vectors:
        self.texts.extend(texts)
        return self.real.embed(texts)


def test_a_repeated_query_is_not_embedded_again(
    settings: Settings, embedder: MiniLMEmbedder
) -> None:
    counting = CountingEmbedder(embedder)
    index = PassageIndex(open_client(settings), counting)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    counting.texts.clear()

    first = index.search("how does temperature change randomness?", 3)
    again = index.search("how does temperature change randomness?", 3)
    in_lesson = index.search("how does temperature change randomness?", 3, lesson="sampling")
    assert counting.texts == ["how does temperature change randomness?"]
    assert again == first
    assert in_lesson[0].passage_id == first[0].passage_id == "sampling/temperature"

    index.search("why does bread rise?", 1)
    assert counting.texts[-1] == "why does bread rise?" and len(counting.texts) == 2


def test_cached_vectors_are_the_embedders_and_cannot_be_changed(
    embedder: MiniLMEmbedder,
) -> None:
    cache = QueryEmbeddingCache(embedder, size=4)
    first = cache.embed(["top-p sampling"])
    assert np.allclose(first, embedder.embed(["top-p sampling"]), atol=1e-6)
    both = cache.embed(["temperature", "top-p sampling"])  # one new, one remembered
    assert np.allclose(both[0], embedder.embed(["temperature"])[0], atol=1e-6)
    assert np.array_equal(both[1], first[0])
    both[1] = 0.0  # the caller's copy; what the cache holds stays as it was
    assert np.array_equal(cache.embed(["top-p sampling"])[0], first[0])
    assert (cache.hits, cache.misses) == (2, 2)


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(
    embedder: MiniLMEmbedder,
) -> None:
    counting = CountingEmbedder(embedder)
    cache = QueryEmbeddingCache(counting, size=2)
    cache.embed(["a"])
    cache.embed(["b"])
    cache.embed(["a"])  # a is now the most recently used
    cache.embed(["c"])  # so b goes
    assert len(cache) == 2
    counting.texts.clear()
    cache.embed(["a", "c"])
    assert counting.texts == []
    cache.embed(["b"])
    assert counting.texts == ["b"]


def test_size_zero_turns_the_cache_off(embedder: MiniLMEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    cache = QueryEmbeddingCache(counting, size=0)
    cache.embed(["a"])
    cache.embed(["a"])
    assert counting.texts == ["a", "a"] and len(cache) == 0


def test_threads_searching_at_once_get_the_same_answers(
    settings: Settings, embedder: MiniLMEmbedder
) -> None:
    counting = CountingEmbedder(embedder)
    index = PassageIndex(open_client(settings), counting, query_cache=3)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    questions = [f"question {i % 5} about sampling and bread" for i in range(40)]
    expected = {q: index.search(q, 2) for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda q: index.search(q, 2), questions))
    assert answers == [expected[q] for q in questions]
    assert len(index.queries) <= 3


def test_the_cache_sizes_come_from_the_settings(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    settings = Settings(
        data_dir=tmp_path, query_cache_size=0, filter_cache_passages=10, _env_file=None
    )
    index = PassageIndex.from_settings(settings, embedder)
    assert (index.queries.size, index.blocks.max_passages) == (0, 10)
    with pytest.raises(ValidationError):
        Settings(query_cache_size=-1, _env_file=None)
