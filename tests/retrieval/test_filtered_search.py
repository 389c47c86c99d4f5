"""Filtered search through the lesson and concept manifests gives Chroma's filtered answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.retrieval.test_index import COOKING, SAMPLING, corpus_of, lesson
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.retrieval import Hit, MiniLMEmbedder, PassageIndex, open_client


def ranked(hits: list[Hit]) -> list[tuple[str, float]]:
    return [(h.passage_id, h.score) for h in hits]


def assert_same(fast: list[Hit], plain: list[Hit]) -> None:
    assert [h.passage_id for h in fast] == [h.passage_id for h in plain]
    assert [h.score for h in fast] == pytest.approx([h.score for h in plain], abs=2e-4)
    assert [(h.text, h.section, h.concepts) for h in fast] == [
        (h.text, h.section, h.concepts) for h in plain
    ]


def test_manifest_search_equals_chromas_filter_on_the_corpus(
    starter_index: PassageIndex, starter_corpus: Corpus, embedder: MiniLMEmbedder
) -> None:
    client, name = starter_index._client, starter_index.collection.name
    fast = PassageIndex(client, embedder, name)
    plain = PassageIndex(client, embedder, name, manifests=False)
    searches = 0
    for lsn in starter_corpus.lessons.values():
        questions = [item.stem for item in lsn.items[:3]] + [lsn.title]
        for question in questions:
            filters = [{"lesson": lsn.id}, {"lesson": lsn.id, "kind": "key_takeaways"}]
            filters += [{"concept": c.id} for c in lsn.concepts]
            filters += [{"lesson": lsn.id, "concept": lsn.concepts[0].id}]
            for where in filters:
                for k in (1, 5, 12):
                    assert_same(
                        fast.search(question, k, **where), plain.search(question, k, **where)
                    )
                    searches += 1
    assert fast.paths["manifest"] == searches and fast.paths["chroma_filter"] == 0
    assert plain.paths["chroma_filter"] == searches


def test_manifests_follow_sync(settings: Settings, embedder: MiniLMEmbedder) -> None:
    index = PassageIndex(open_client(settings), embedder)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert [h.passage_id for h in index.search("dough", 5, lesson="baking")] == ["baking/bread"]

    edited = {**COOKING, "bread": "Sourdough uses a wild starter instead of baker's yeast."}
    more = {**edited, "pizza": "Pizza dough rests overnight in the fridge."}
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", more, "yeast")))
    hits = index.search("starter for sourdough", 5, lesson="baking")
    assert [h.passage_id for h in hits] == ["baking/bread", "baking/pizza"]
    assert "wild starter" in hits[0].text
    assert {h.passage_id for h in index.search("dough", 5, concept="yeast")} == {
        "baking/bread", "baking/pizza"
    }  # fmt: skip

    index.sync(corpus_of(lesson("sampling", SAMPLING)))
    assert index.search("dough", 5, lesson="baking") == []
    assert index.search("dough", 5, concept="yeast") == []
    assert index.paths["chroma_filter"] == 0


def test_an_index_without_manifests_uses_chromas_filter(
    settings: Settings, embedder: MiniLMEmbedder
) -> None:
    index = PassageIndex(open_client(settings), embedder)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    index.manifests.drop()  # as an index written before manifests existed
    older = PassageIndex(open_client(settings), embedder)
    assert [h.passage_id for h in older.search("yeast", 5, lesson="baking")] == ["baking/bread"]
    assert older.paths == {"chroma_filter": 1}

    older.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert [h.passage_id for h in older.search("yeast", 5, lesson="baking")] == ["baking/bread"]
    assert older.paths["manifest"] == 1


def test_a_kind_alone_and_unknown_filters(settings: Settings, embedder: MiniLMEmbedder) -> None:
    index = PassageIndex(open_client(settings), embedder)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert len(index.search("sampling", 5, kind="explanation")) == 3
    assert index.search("sampling", 5, lesson="no-such-lesson") == []
    assert index.search("sampling", 5, concept="no-such-concept") == []
    assert index.paths == {"chroma_filter": 1, "manifest": 2}


def test_a_rebuilt_index_writes_its_manifests_again(
    settings: Settings, embedder: MiniLMEmbedder
) -> None:
    index = PassageIndex(open_client(settings), embedder)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    index.reset()  # tutor index --rebuild
    assert index.search("yeast", 5, lesson="baking") == []
    index.sync(corpus_of(lesson("baking", COOKING, "yeast")))
    assert [h.passage_id for h in index.search("yeast", 5, lesson="baking")] == ["baking/bread"]
    assert index.paths == {"chroma_filter": 1, "manifest": 1}  # none until sync wrote them


def test_threads_searching_lessons_at_once_get_chromas_answers(
    starter_index: PassageIndex, starter_corpus: Corpus, embedder: MiniLMEmbedder
) -> None:
    client, name = starter_index._client, starter_index.collection.name
    fast = PassageIndex(client, embedder, name, block_passages=20)  # blocks keep turning over
    plain = PassageIndex(client, embedder, name, manifests=False)
    asks = [(f"why does this matter? ({i % 7})", lsn.id) for i, lsn in
            enumerate(list(starter_corpus.lessons.values()) * 4)]  # fmt: skip
    expected = [plain.search(q, 5, lesson=lsn) for q, lsn in asks]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda ask: fast.search(ask[0], 5, lesson=ask[1]), asks))
    for fast_hits, plain_hits in zip(got, expected, strict=True):
        assert_same(fast_hits, plain_hits)
    assert fast.paths == {"manifest": len(asks)}


def test_a_reload_keeps_the_vectors_of_unchanged_lessons(
    settings: Settings, embedder: MiniLMEmbedder
) -> None:
    index = PassageIndex(open_client(settings), embedder)
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    index.search("randomness", 2, lesson="sampling")
    index.search("dough", 2, lesson="baking")

    edited = {"bread": "Sourdough uses a wild starter instead of baker's yeast."}
    elsewhere = PassageIndex(open_client(settings, fresh=True), embedder)  # tutor index
    elsewhere.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", edited, "yeast")))
    fresh = index.reopened(settings)  # what the service does when it sees the re-index

    def cached(lesson_id: str) -> bool:
        digest = fresh.manifests.digest(f"lesson:{lesson_id}") or ""
        return fresh.blocks.cached(digest, fresh.collection) is not None

    assert cached("sampling") and not cached("baking")
    assert "wild starter" in fresh.search("sourdough", 1, lesson="baking")[0].text
    assert cached("baking")
