"""The teacher page in a real browser against a real service with keys: the key form, the
review queue (an answer the grader flagged needs_review), confirming and overriding grades,
and class mastery with its learners.

The service runs on its own database (keys end local mode, so never on the shared server).
Flagged answers are stored with ``submit_attempt`` + ``record_grade``, as a grader would leave
them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.conftest import serve
from tests.conftest import CORPUS_DIR
from tests.web.conftest import SCREENSHOTS
from tutor.api import create_app
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.grading.models import Grade
from tutor.store import (
    Database,
    Role,
    create_learner,
    issue_api_key,
    open_database,
    record_grade,
    submit_attempt,
)

MARKUP = "<b>The whole request</b>: system prompt, history, tools <i>and</i> the reply."


@dataclass(frozen=True)
class Service:
    url: str
    database_url: str
    keys: dict[str, str]
    learner_id: str


@pytest.fixture(scope="module")
def service(indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('teacher-page') / 'tutor.db'}"
    settings = Settings(  # type: ignore[call-arg]
        data_dir=indexed_data_dir,
        corpus_dir=CORPUS_DIR,
        database_url=database_url,
        _env_file=None,
    )
    database = open_database(settings)
    try:
        ann = create_learner(database, "Ann").id
        keys = {
            "ann": issue_api_key(database, Role.LEARNER, learner_id=ann).secret,
            "teacher": issue_api_key(database, Role.TEACHER).secret,
        }
    finally:
        database.dispose()
    with serve(create_app(settings)) as url:
        yield Service(url, database_url, keys, ann)


def flag(service: Service, item_id: str, answer: str, verdict: str, score: float) -> str:
    """An answer graded as the grader would when unsure: needs_review among its flags."""
    grade = Grade.model_validate(
        {
            "verdict": verdict,
            "score": score,
            "feedback": {"next_step": "Reread the lesson.", "text": "I am not sure of this one."},
            "mistakes": ["Counts only the user's latest message"],
            "confidence": 0.3,
            "flags": ["needs_review"],
            "engine": "offline",
            "prompt": "grader@1",
        }
    )
    database = Database(service.database_url)
    try:
        attempt = submit_attempt(database, service.learner_id, item_id, answer)
        record_grade(database, attempt.id, grade)
        return attempt.id
    finally:
        database.dispose()


@pytest.fixture
def tab(browser: Browser, service: Service) -> Iterator[Page]:
    """The teacher page in a fresh context (empty localStorage); script errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=service.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),  # 401 and 403 replies are logged too; the tests check what the page shows
    )
    page.goto("/teacher")
    yield page
    context.close()
    assert not problems, problems


def enter_key(page: Page, key: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("API key").fill(key)
    dialog.get_by_role("button", name="Use this key").click()
    expect(dialog).to_be_hidden()


def mastery(service: Service, concepts: list[str]) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {service.keys['teacher']}"}
    reply = httpx.get(
        f"{service.url}/v1/learners/{service.learner_id}/mastery", headers=headers, timeout=30
    )
    return {c["concept_id"]: c for c in reply.json()["concepts"] if c["concept_id"] in concepts}


def test_a_teacher_overrides_and_confirms_flagged_answers(
    tab: Page, service: Service, starter_corpus: Corpus
) -> None:
    overridden = flag(service, "ctx-02", MARKUP, "incorrect", 0.2)
    confirmed = flag(service, "ctx-04", "About ten dollars a day, I think.", "correct", 0.85)
    _, item = starter_corpus.item("ctx-02")
    before = mastery(service, item.concepts)
    assert all(c["attempts"] == 0 for c in before.values())  # record_grade alone tracks nothing

    # No key yet: the page asks for one. A learner's key is refused with a reason.
    enter_key(tab, service.keys["ann"])
    expect(tab.locator("#review-status")).to_contain_text("teacher or admin key")
    expect(tab.locator("#who")).to_have_text("signed in as learner")
    tab.get_by_role("button", name="Use another API key").click()
    enter_key(tab, service.keys["teacher"])
    expect(tab.locator("#who")).to_have_text("signed in as teacher")
    expect(tab.locator("#review-status")).to_have_text("")  # the refusal is gone
    expect(tab.locator("#misconceptions li").first).to_contain_text(
        "Counts only the user's latest message2 answers · 1 learner · ctx-02, ctx-04"
    )

    queue = tab.get_by_role("list", name="Answers to review")
    card = queue.locator(f"li[data-attempt='{overridden}']")
    expect(card).to_be_visible()
    expect(tab.locator("#review-count")).to_have_text("2 answers")
    expect(card.locator(".said")).to_have_text(MARKUP)  # learner text is text, not markup
    assert card.locator("b, i").count() == 0
    expect(card.locator("h3")).to_have_text(item.stem)
    expect(card.locator(".canonical")).to_have_text(item.answer)
    expect(card.locator(".verdict")).to_have_text("Incorrect")
    expect(card.locator(".flags")).to_contain_text("needs review")

    tab.screenshot(path=str(SCREENSHOTS / "teacher-review.png"), full_page=True)

    # Override: correct, full marks. The answer leaves the queue and mastery is rebuilt.
    card.get_by_label("Your verdict").select_option("correct")
    expect(card.get_by_label("Your score (0 to 1)")).to_have_value("1")
    card.get_by_label("Note").fill("covers every part")
    with tab.expect_response(f"**/v1/attempts/{overridden}/override") as reply:
        card.get_by_role("button", name="Override").click()
    assert reply.value.status == 201
    assert reply.value.request.post_data_json == {
        "verdict": "correct",
        "score": 1,
        "note": "covers every part",
    }
    expect(card).to_have_count(0)
    expect(tab.locator("#review-count")).to_have_text("1 answer")
    expect(tab.locator("#review-status")).to_contain_text("Overridden: Correct, score 1.00")
    expect(tab.locator("#review-status")).to_contain_text("Mastery rebuilt")
    after = mastery(service, item.concepts)
    assert all(after[c]["attempts"] == 1 and after[c]["p_known"] > before[c]["p_known"]
               for c in item.concepts), (before, after)  # fmt: skip

    # Confirm: the grader's own grade stands; the queue empties.
    other = queue.locator(f"li[data-attempt='{confirmed}']")
    with tab.expect_response(f"**/v1/attempts/{confirmed}/override") as reply:
        other.get_by_role("button", name="Confirm grade").click()
    assert reply.value.request.post_data_json == {"verdict": "correct", "score": 0.85, "note": ""}
    expect(other).to_have_count(0)
    expect(queue).to_contain_text("Nothing to review")
    expect(tab.locator("#review-count")).to_have_text("0 answers")
    tab.screenshot(path=str(SCREENSHOTS / "teacher-after-review.png"), full_page=True)

    # The class table shows the concept, now practised, with Ann behind it.
    concept = starter_corpus.concepts()[item.concepts[0]]
    row = tab.locator("#mastery tr", has_text=concept.name).first
    expect(row).to_contain_text(f"{int(after[concept.id]['mastered'])} / 1")
    row.get_by_role("button", name="Learners").click()
    expect(tab.get_by_role("list", name=f"Learners on {concept.name}")).to_contain_text("Ann")
    # Both answers are correct by a teacher's word now, so neither shows a misconception.
    expect(tab.locator("#misconceptions-status")).to_have_text(
        "No misconceptions named in grades yet."
    )


def test_a_card_for_a_grade_without_mistakes_says_nothing_about_them(
    tab: Page, service: Service
) -> None:
    attempt = flag(service, "ctx-04", "Roughly ten dollars daily.", "partially_correct", 0.5)
    database = Database(service.database_url)
    try:  # the grader named no mistake: the grade's mistakes list is empty
        grade = Grade.model_validate(
            {
                "verdict": "partially_correct",
                "score": 0.5,
                "feedback": {"next_step": "Show the calculation.", "text": "Partly there."},
                "confidence": 0.3,
                "flags": ["needs_review"],
                "engine": "offline",
                "prompt": "grader@1",
            }
        )
        record_grade(database, attempt, grade)
    finally:
        database.dispose()
    enter_key(tab, service.keys["teacher"])
    card = tab.get_by_role("list", name="Answers to review").locator(
        f"li[data-attempt='{attempt}']"
    )
    expect(card).to_be_visible()
    expect(card.locator(".verdict")).to_have_text("Partially correct")
    text = card.inner_text()
    assert "null" not in text and "undefined" not in text, text
    assert "Mistakes found" not in text
    card.get_by_role("button", name="Confirm grade").click()  # leave the queue empty
    expect(card).to_have_count(0)


def test_the_rest_of_the_queue_is_graded_again_with_the_teachers_grade(
    tab: Page, service: Service, starter_corpus: Corpus
) -> None:
    """The teacher grades one answer to an item and asks for the rest to be graded again: the
    service's offline grader, with that grade among the item's examples, is sure of the right
    answer, which leaves the queue."""
    _, item = starter_corpus.item("samp-02")
    taught = flag(service, "samp-02", "It changes how random the text is.", "incorrect", 0.2)
    right = flag(service, "samp-02", item.answer, "incorrect", 0.2)
    enter_key(tab, service.keys["teacher"])
    queue = tab.get_by_role("list", name="Answers to review")
    card = queue.locator(f"li[data-attempt='{taught}']")
    card.get_by_label("Your verdict").select_option("partially_correct")
    with tab.expect_response(f"**/v1/attempts/{taught}/override"):
        card.get_by_role("button", name="Override").click()
    expect(card).to_have_count(0)
    expect(queue.locator(f"li[data-attempt='{right}']")).to_be_visible()

    with tab.expect_response("**/v1/review/regrade") as reply:
        tab.get_by_role("button", name="Grade the rest again with my grades").click()
    assert reply.value.status == 200
    assert right in reply.value.json()["left_queue"]
    expect(queue.locator(f"li[data-attempt='{right}']")).to_have_count(0)
    expect(tab.locator("#review-status")).to_contain_text("left the queue")
    expect(tab.get_by_role("button", name="Grade the rest again with my grades")).to_be_enabled()
