"""A learner practises through the API and the choice of items adapts to how they answer.

Two learners on a server of their own: one answers every item with its canonical answer, the
other answers every item wrongly. The strong one masters concepts and moves on; the struggling
one is kept on concepts without prerequisites.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import backend_settings, serve
from tests.servers import DATABASE_BACKENDS
from tutor.api import create_app
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.store import Role, create_learner, issue_api_key, open_database

WRONG = "I would just retrain the whole model from scratch every time."


@dataclass
class Run:
    items: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    moved: list[float] = field(default_factory=list)  # p_known after - before, per answer
    known: list[float] = field(default_factory=list)  # p_known after each answer
    mastered: int = 0  # concepts mastered at the end


@pytest.fixture(scope="module", params=DATABASE_BACKENDS)
def practice(
    request: pytest.FixtureRequest,
    indexed_data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    server_collection: str | None,
) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("practice")
    with backend_settings(request.param, indexed_data_dir, folder, server_collection) as settings:
        yield from _served(settings)


def _served(settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    database = open_database(settings)
    try:
        keys = {
            who: issue_api_key(
                database, Role.LEARNER, learner_id=create_learner(database, who).id
            ).secret
            for who in ("strong", "weak")
        }
    finally:
        database.dispose()
    with serve(create_app(settings)) as url:
        yield url, keys


def _practise(url: str, key: str, corpus: Corpus, answers: int, *, right: bool) -> Run:
    run = Run()
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
        learner = api.get("/v1/me").json()["learner_id"]
        for n in range(answers):
            chosen = api.get(f"/v1/learners/{learner}/next").json()
            item_id = chosen["item"]["id"]
            _, item = corpus.item(item_id)
            answer = (item.answer_key or item.answer) if right else WRONG
            body = {"answer": answer, "idempotency_key": f"practice-{n}"}
            reply = api.post(f"/v1/items/{item_id}/attempts", json=body)
            assert reply.status_code == 200, reply.text
            graded: dict[str, Any] = reply.json()
            assert graded["status"] == "graded"
            run.items.append(item_id)
            run.concepts.append(chosen["concept_id"])
            run.modes.append(chosen["mode"])
            run.reasons.append(chosen["reason"])
            change = {m["concept_id"]: m for m in graded["mastery"]}[chosen["concept_id"]]
            run.moved.append(change["after"] - change["before"])
            run.known.append(change["after"])
        mastery = api.get(f"/v1/learners/{learner}/mastery").json()
    run.mastered = mastery["mastered"]
    return run


def test_the_next_item_adapts_to_the_learners_answers(
    practice: tuple[str, dict[str, str]], starter_corpus: Corpus
) -> None:
    url, keys = practice
    strong = _practise(url, keys["strong"], starter_corpus, 12, right=True)
    weak = _practise(url, keys["weak"], starter_corpus, 6, right=False)

    # both start where the prerequisites allow, and every choice says why
    assert strong.concepts[0] == weak.concepts[0]
    assert all(len(reason) > 20 for reason in strong.reasons + weak.reasons)

    # right answers raise mastery, master concepts and move the learner on
    assert all(m > 0 for m in strong.moved)
    assert strong.mastered >= 1
    assert len(set(strong.concepts)) >= 2

    # wrong answers keep it low (BKT still allows for learning from each try, so it may creep
    # up); the struggling learner stays on the first concept
    assert max(weak.known) < 0.5 < strong.known[1], (weak.known, strong.known)
    assert weak.mastered == 0

    # the strong learner unlocks concepts that wait on the ones they mastered; the struggling
    # one is only given concepts without prerequisites (nothing is mastered to build on)
    prerequisites = {
        c.id: c.prerequisites for lesson in starter_corpus.lessons.values() for c in lesson.concepts
    }
    assert any(prerequisites[c] for c in strong.concepts), strong.concepts
    assert not any(prerequisites[c] for c in weak.concepts), weak.concepts

    # nobody gets the same item twice in a row
    for run in (strong, weak):
        assert all(a != b for a, b in zip(run.items, run.items[1:], strict=False))
