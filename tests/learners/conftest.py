"""Small corpora built in code (so tests do not depend on the lesson files) and a database."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.servers import DATABASE_BACKENDS, database_url
from tutor.corpus import Concept, Corpus, Item, Lesson, Passage
from tutor.learners import BKTParams
from tutor.store import Database, LearnerRecord, create_learner, upgrade_to_head


def make_item(item_id: str, concepts: Sequence[str], difficulty: str) -> Item:
    return Item.model_validate(
        {
            "id": item_id,
            "concepts": list(concepts),
            "difficulty": difficulty,
            "type": "free_text",
            "stem": f"Question {item_id}?",
            "answer": f"Answer {item_id}.",
        }
    )


def make_lesson(lesson_id: str, concepts: dict[str, list[str]], items: Sequence[Item]) -> Lesson:
    """``concepts`` maps each concept id to its prerequisites."""
    return Lesson(
        id=lesson_id,
        title=lesson_id.title(),
        topic="Testing",
        concepts=[
            Concept(id=c, name=c.replace("-", " ").title(), prerequisites=p)
            for c, p in concepts.items()
        ],
        passages=[Passage.model_validate({"section": "big_idea", "text": "Some text."})],
        items=list(items),
    )


def simulate(params: BKTParams, learners: int, length: int, seed: int) -> list[list[float]]:
    """Score sequences from learners who follow ``params`` exactly (0/1 scores)."""
    rng = random.Random(seed)
    sequences = []
    for _ in range(learners):
        known = rng.random() < params.prior
        scores = []
        for _ in range(length):
            correct = rng.random() >= params.slip if known else rng.random() < params.guess
            scores.append(1.0 if correct else 0.0)
            known = known or rng.random() < params.learn
        sequences.append(scores)
    return sequences


def ladder(prefix: str, concept: str) -> list[Item]:
    """An easy, a medium and a hard item on one concept."""
    return [
        make_item(f"{prefix}-{n}", [concept], level)
        for n, level in enumerate(("easy", "medium", "hard"), start=1)
    ]


@pytest.fixture
def graph_corpus() -> Corpus:
    """basics → advanced (needs basics); other stands alone. Three items each."""
    lesson = make_lesson(
        "graph",
        {"basics": [], "advanced": ["basics"], "other": []},
        [*ladder("b", "basics"), *ladder("a", "advanced"), *ladder("o", "other")],
    )
    return Corpus(lessons={lesson.id: lesson})


@pytest.fixture(params=DATABASE_BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """SQLite, and Postgres too when TUTOR_TEST_DATABASE_URL names one (tests/servers.py)."""
    with database_url(request.param, tmp_path) as url, Database(url) as db:
        yield db


@pytest.fixture
def learner(database: Database) -> LearnerRecord:
    return create_learner(database, "Ada")


@pytest.fixture
def db_url_database(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    with Database(url) as db:
        upgrade_to_head(db)
        yield url, db
