"""Search results are remembered until the index changes: a repeated search gives the same
hits without asking Chroma again, and a sync, a rebuild or a reload never serves old ones."""

from __future__ import annotations

from tests.retrieval.test_index import COOKING, SAMPLING, corpus_of, index, lesson
from tutor.config import Settings
from tutor.retrieval import PassageIndex, open_client

__all__ = ["index"]  # the fixture

BREAD = "yeast and bread dough"


def test_a_repeated_search_is_answered_from_memory(index: PassageIndex) -> None:
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    first = index.search(BREAD, 2)
    again = index.search(BREAD, 2)
    assert again == first and index.results.hits == 1
    assert index.search(BREAD, 1) == first[:1]  # another k is another search
    assert index.search(BREAD, 2, lesson="sampling")[0].lesson_id == "sampling"  # and a filter
    assert index.results.hits == 1


def test_a_sync_forgets_the_results_it_changes(index: PassageIndex) -> None:
    index.sync(corpus_of(lesson("sampling", SAMPLING)))
    assert all(hit.lesson_id == "sampling" for hit in index.search(BREAD, 3))
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert index.search(BREAD, 3)[0].passage_id == "baking/bread"  # not the remembered answer


def test_a_rebuilt_or_reopened_index_starts_with_no_results(
    index: PassageIndex, settings: Settings
) -> None:
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    index.search(BREAD, 3)
    index.reset()
    assert index.search(BREAD, 3) == []  # the rebuilt collection is empty

    other = PassageIndex(open_client(settings), index.embedder)  # what tutor index writes
    other.sync(corpus_of(lesson("baking", COOKING, "yeast")))
    assert index.search(BREAD, 3) == []  # this process has not reloaded yet
    reloaded = index.reopened(settings)  # what a replica's reload after tutor index does
    assert reloaded.search(BREAD, 3)[0].passage_id == "baking/bread"
