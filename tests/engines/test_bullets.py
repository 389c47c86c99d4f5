"""Bulleted passages (an imported page's key takeaways are one bullet a line): every bullet is
a sentence of its own, so an offline answer never runs the bullets together on one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from tutor.corpus import Corpus, Section
from tutor.corpus.importer import parse_page
from tutor.engines import OfflineEngine
from tutor.engines.extractive import split_sentences
from tutor.retrieval import MiniLMEmbedder, PassageIndex
from tutor.store import Database, upgrade_to_head
from tutor.tutoring import Tutor

SEED = Path(__file__).resolve().parents[3] / "shared/seeds/lesson-page-finetune-vs-prompt.txt"
TAKEAWAYS = (
    "- Manual instructions are slow and error-prone.\n"
    "- Fine-tuning changes the AI's knowledge for deep customization\n"
    "* Prompt engineering crafts smart questions\n  for quick, clear answers.\n"
)


def test_each_bullet_is_a_sentence_without_its_marker() -> None:
    assert split_sentences(TAKEAWAYS) == [
        "Manual instructions are slow and error-prone.",
        "Fine-tuning changes the AI's knowledge for deep customization.",
        "Prompt engineering crafts smart questions for quick, clear answers.",
    ]


def test_prose_and_a_hyphen_inside_a_line_are_not_bullets() -> None:
    text = "Prices fall - slowly. Then\n- they rise again later on. Done."
    assert split_sentences(text) == [
        "Prices fall - slowly.",
        "Then",
        "they rise again later on.",
        "Done.",
    ]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as db:
        upgrade_to_head(db)
        yield db


async def test_the_offline_answer_lists_imported_takeaways_one_a_line(
    embedder: MiniLMEmbedder, database: Database
) -> None:
    if not SEED.is_file():
        pytest.skip(f"seed page {SEED} is not available")
    lesson = parse_page(SEED.read_text(encoding="utf-8"))
    assert any(p.section is Section.KEY_TAKEAWAYS for p in lesson.passages)
    corpus = Corpus(lessons={lesson.id: lesson})
    index = PassageIndex(chromadb.EphemeralClient(), embedder, collection="bullets")
    index.sync(corpus)
    tutor = Tutor(OfflineEngine(embedder, corpus), corpus, index, database)

    reply = await tutor.explain("What are the key takeaways on fine-tuning and prompt engineering?")

    bullets = ("Manual instructions", "changes the AI", "crafts smart")
    quoted = [line for line in reply.answer.splitlines() if any(b in line for b in bullets)]
    assert quoted, reply.answer
    for line in quoted:
        assert line.startswith("- ") and line.count(" - ") == 0, line
        assert sum(b in line for b in bullets) == 1, line
