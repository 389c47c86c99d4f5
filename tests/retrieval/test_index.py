"""The Chroma passage index: incremental sync, stable ids, filters, reopening from disk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tutor.config import Settings
from tutor.corpus import Corpus, Lesson, Passage, Section
from tutor.errors import BadRequestError
from tutor.retrieval import MiniLMEmbedder, PassageIndex, open_client


def lesson(lesson_id: str, texts: dict[str, str], concept: str = "sampling") -> Lesson:
    return Lesson(
        id=lesson_id,
        title=lesson_id.replace("-", " ").title(),
        topic="Testing",
        concepts=[{"id": concept, "name": concept}, {"id": "other", "name": "Other"}],  # type: ignore[list-item]
        passages=[
            Passage(id=slug, section=Section.EXPLANATION, concepts=[concept], text=text)
            for slug, text in texts.items()
        ],
    )


def corpus_of(*lessons: Lesson) -> Corpus:
    return Corpus(lessons={lsn.id: lsn for lsn in lessons})


@pytest.fixture
def index(settings: Settings, embedder: MiniLMEmbedder) -> PassageIndex:
    return PassageIndex(open_client(settings), embedder)


SAMPLING = {
    "temperature": "Temperature rescales the logits before sampling: low values make output "
    "nearly deterministic, high values make it varied and creative.",
    "top-p": "Top-p sampling keeps the smallest set of tokens whose probabilities add up to p.",
}
COOKING = {"bread": "Bread dough rises because yeast ferments sugar and releases carbon dioxide."}


def test_sync_embeds_only_new_and_changed_passages(index: PassageIndex) -> None:
    first = index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert (first.added, first.updated, first.unchanged, first.removed) == (3, 0, 0, 0)

    again = index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)

    edited = {**SAMPLING, "top-p": SAMPLING["top-p"] + " It is also called nucleus sampling."}
    changed = index.sync(corpus_of(lesson("sampling", edited), lesson("baking", COOKING, "yeast")))
    assert (changed.added, changed.updated, changed.unchanged, changed.removed) == (0, 1, 2, 0)
    assert "nucleus" in index.search("nucleus sampling", 1)[0].text

    shrunk = index.sync(corpus_of(lesson("sampling", edited)))
    assert (shrunk.added, shrunk.updated, shrunk.unchanged, shrunk.removed) == (0, 0, 2, 1)
    assert index.count() == 2
    assert all(hit.lesson_id == "sampling" for hit in index.search("yeast and bread dough", 5))


def test_hits_carry_stable_ids_and_citation_fields(index: PassageIndex) -> None:
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    top = index.search("how does temperature change randomness?", 3)
    assert top[0].passage_id == "sampling/temperature"
    assert top[0].lesson_title == "Sampling"
    assert top[0].section == "explanation"
    assert top[0].concepts == ("sampling",)
    assert [h.score for h in top] == sorted((h.score for h in top), reverse=True)
    assert {h.passage_id for h in top} == {"sampling/temperature", "sampling/top-p", "baking/bread"}


def test_filters_by_lesson_concept_and_kind(index: PassageIndex) -> None:
    index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert {h.lesson_id for h in index.search("anything", 5, lesson="baking")} == {"baking"}
    assert {h.passage_id for h in index.search("anything", 5, concept="yeast")} == {"baking/bread"}
    assert index.search("anything", 5, kind="key_takeaways") == []
    both = index.search("temperature", 5, lesson="sampling", concept="sampling", kind="explanation")
    assert len(both) == 2


def test_bad_queries_are_rejected(index: PassageIndex) -> None:
    with pytest.raises(BadRequestError, match="empty"):
        index.search("   ")
    with pytest.raises(BadRequestError, match="k must be"):
        index.search("temperature", 0)


def test_saved_collection_reopens_in_a_new_process(index: PassageIndex, settings: Settings) -> None:
    index.sync(corpus_of(lesson("sampling", SAMPLING)))
    script = (
        "import chromadb, tutor.retrieval;"
        f"c = chromadb.PersistentClient(path={str(settings.chroma_dir)!r});"
        "col = c.get_collection('passages');"
        "r = col.query(query_texts=['nucleus top-p'], n_results=1);"
        "print(r['ids'][0][0])"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "sampling/top-p"


def test_embedder_vectors_are_normalised_and_order_independent(embedder: MiniLMEmbedder) -> None:
    texts = ["short", "a much longer sentence about prompt engineering and retrieval " * 5, "mid"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert together.shape == (3, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-4)


def test_index_refuses_a_store_built_with_another_embedder(settings: Settings) -> None:
    PassageIndex(open_client(settings), MiniLMEmbedder())
    with pytest.raises(Exception, match="built with embedder 'minilm-l6-v2-qint8'"):
        PassageIndex(open_client(settings), MiniLMEmbedder(name="minilm-l6-v2-int8"))


def test_chroma_url_must_be_http(tmp_path: Path) -> None:
    bad = Settings(data_dir=tmp_path, chroma_url="localhost:8000", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(Exception, match="not an http"):
        open_client(bad)
