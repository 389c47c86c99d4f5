"""Practice on the page, in a real browser against the real service (offline engine): the next
item and why it was chosen, a graded answer, "why?" about the grade, hints, mastery, how the
choice of items adapts, a quiz; and the API key form of a service that has keys.

Tests on the shared server work with whatever its local learner has already done; the ones
that need a new learner, or keys, start a server of their own (``own_server``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Page, Route, expect

from tests.conftest import CORPUS_DIR
from tests.web.conftest import SCREENSHOTS, OwnServer
from tutor.store import Role, create_learner, issue_api_key, open_database

VERDICTS = {"correct": "Correct", "partially_correct": "Partly correct", "incorrect": "Incorrect"}
FINISHED = ".msg.assistant[aria-busy='false']"
SLOW = 30_000  # ms: a reply or a grade on two cores shared with other test runs


@pytest.fixture(scope="module")
def items() -> dict[str, dict[str, Any]]:
    """The corpus items as written, with their answers (the API never shows those)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            found[item["id"]] = item
    return found


@pytest.fixture
def own_api(own_server: OwnServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_server.url, timeout=60) as http:
        yield http


def _words(text: str) -> str:
    return " ".join(text.split())


def _pct(p: float) -> str:
    return f"{round(100 * p)}%"


def _right(item: dict[str, Any]) -> str:
    return str(item["answer_key"] if item["type"] == "multiple_choice" else item["answer"])


def _wrong(item: dict[str, Any]) -> str:
    if item["type"] == "multiple_choice":
        return str(next(o["key"] for o in item["options"] if o["key"] != item["answer_key"]))
    return "I have no idea, sorry."


def _open_practice(page: Page) -> None:
    page.get_by_role("tab", name="Practice").click()
    expect(page.locator("#item-card")).to_be_visible(timeout=SLOW)


def _shown_item(page: Page, api: httpx.Client) -> dict[str, Any]:
    """The /next reply for the item on the page, checked against what the page shows."""
    learner = api.get("/v1/me").json()["learner_id"]
    expected = api.get(f"/v1/learners/{learner}/next").json()  # choosing changes nothing
    item = expected["item"]
    expect(page.locator("#item-card")).to_have_attribute("data-item", item["id"])
    expect(page.locator("#item-reason")).to_have_text(f"Why this item: {expected['reason']}")
    expect(page.locator("#item-difficulty")).to_have_text(f"{item['difficulty']} item")
    assert _words(page.locator("#item-stem").inner_text()) == _words(item["stem"])
    if item["type"] == "multiple_choice":
        expect(page.get_by_role("radio")).to_have_count(len(item["options"]))
    return dict(expected)


def _answer(page: Page, item: dict[str, Any], answer: str) -> dict[str, Any]:
    """Answer the item on the page; the attempt the service stored and graded."""
    if item["type"] == "multiple_choice":
        page.get_by_role("radio", name=re.compile(rf"^{re.escape(answer)}\. ")).check()
    else:
        page.get_by_role("textbox", name="Your answer").fill(answer)
    graded = re.compile(r"/v1/(items/[^/]+/attempts|quizzes/[^/]+/answers)$")
    with page.expect_response(graded) as reply:
        page.get_by_role("button", name="Check my answer").click()
    assert reply.value.request.post_data_json["answer"] == answer
    body = reply.value.json()
    attempt: dict[str, Any] = body.get("attempt", body)  # a quiz answer holds its attempt
    expect(page.locator("#verdict")).to_be_focused(timeout=SLOW)
    return attempt


def _bar(page: Page, concept_id: str) -> str:
    return page.locator(f"#mastery-groups li[data-concept='{concept_id}'] .pct").inner_text()


def _bar_text(concept: dict[str, Any]) -> str:
    """A concept's percentage in the mastery panel, as the report gives it."""
    return (
        f"✓ {_pct(concept['p_known'])} mastered"
        if concept["mastered"]
        else _pct(concept["p_known"])
    )


def _check_result(page: Page, api: httpx.Client, attempt: dict[str, Any]) -> None:
    """The page shows the grade and the mastery moves of ``attempt``, and the bars agree with
    the service's mastery report."""
    grade = attempt["grade"]
    expect(page.locator("#verdict")).to_have_text(
        f"{VERDICTS[grade['verdict']]}score {_pct(grade['score'])}"
    )
    assert _words(page.locator("#feedback").inner_text()) == _words(grade["feedback"]["text"])
    expect(page.locator("#grade-meta")).to_contain_text(grade["prompt"])
    moves = page.locator("#moves li")
    expect(moves).to_have_count(len(attempt["mastery"]))
    report = api.get(f"/v1/learners/{attempt['learner_id']}/mastery").json()
    now = {c["concept_id"]: c for c in report["concepts"]}
    for n, change in enumerate(attempt["mastery"]):
        concept = change["concept_id"]
        expect(moves.nth(n)).to_contain_text(
            f"{now[concept]['name']}{_pct(change['before'])} → {_pct(change['after'])}"
        )
        assert now[concept]["p_known"] == pytest.approx(change["after"])
        row = page.locator(f"#mastery-groups li[data-concept='{concept}']")
        expect(row).to_have_class(re.compile(r"\bmoved\b"))
        expect(row.locator(".pct")).to_have_text(_bar_text(now[concept]))
    expect(page.locator("#mastery-summary")).to_contain_text(
        f"{report['mastered']} of {len(report['concepts'])} concepts mastered"
    )


def test_a_learner_answers_wrongly_asks_why_and_moves_on(
    page: Page, client: httpx.Client, items: dict[str, dict[str, Any]]
) -> None:
    page.get_by_role("tab", name="Ask").focus()
    page.keyboard.press("ArrowRight")  # the tabs work from the keyboard
    expect(page.get_by_role("tab", name="Practice")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Your question")).to_be_hidden()
    expect(page.locator("#item-card")).to_be_visible(timeout=SLOW)
    assert page.url.endswith("?view=practice")
    shown = _shown_item(page, client)
    item = items[shown["item"]["id"]]
    item_lesson = shown["item"]["lesson_id"]

    wrong = _wrong(item)
    attempt = _answer(page, item, wrong)
    assert attempt["grade"]["verdict"] == "incorrect"
    expect(page.locator("#verdict")).to_contain_text("Incorrect")
    expect(page.locator("#feedback")).not_to_be_empty()
    _check_result(page, client, attempt)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "practice-result.png")
    moved = {c["concept_id"]: c for c in attempt["mastery"]}
    assert shown["concept_id"] in moved
    assert moved[shown["concept_id"]]["after"] != moved[shown["concept_id"]]["before"]
    expect(page.get_by_role("button", name="Check my answer")).to_be_disabled()

    # "Why?" asks the tutor about this grade: its memory holds the attempt, so the first reply
    # is already about it; a second "Why?" follows up.
    question = "Why was my answer graded incorrect?"
    with page.expect_response(re.compile(r"/v1/sessions/[^/]+/messages$")) as why:
        page.get_by_role("button", name="Why?").click()
    assert why.value.request.post_data_json == {"content": question, "stream": True}
    log = page.locator("#practice-log")
    expect(log.locator(".msg.user .bubble")).to_have_text(question)
    expect(log.locator(FINISHED)).to_have_count(1, timeout=SLOW)
    session_url = why.value.url.removesuffix("/messages")
    session = client.get(session_url).json()
    assert session["lesson"] == item_lesson
    first = session["messages"][-1]
    assert first["citations"][0]["lesson_id"] == item_lesson  # passages about this item
    assert item["id"] in first["content"]  # the reply speaks of this attempt
    expect(log.locator(FINISHED).first.locator(".chip")).to_have_count(len(first["citations"]))

    page.get_by_role("button", name="Why?").click()
    expect(log.locator(".msg.user .bubble").nth(1)).to_have_text("Why?")
    expect(log.locator(FINISHED)).to_have_count(2, timeout=SLOW)
    follow_up = client.get(session_url).json()["messages"][-1]
    assert item["id"] in follow_up["content"]  # the reply speaks of this attempt
    expect(log.locator(FINISHED).nth(1).locator(".answer")).to_contain_text(item["id"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "practice-why.png")

    # Next: the item the service chooses now, focused for the keyboard.
    with page.expect_response(re.compile(r"/next$")) as chosen:
        page.get_by_role("button", name="Next item").click()
    expect(page.locator("#item-heading")).to_be_focused()
    expect(page.locator("#result")).to_be_hidden()
    expect(page.get_by_role("button", name="Check my answer")).to_be_enabled()
    assert _shown_item(page, client)["item"] == chosen.value.json()["item"]


def test_hints_come_in_three_levels_and_join_the_conversation(
    page: Page, client: httpx.Client
) -> None:
    _open_practice(page)
    item_id = _shown_item(page, client)["item"]["id"]
    hints = page.locator("#hints li")
    for level in (1, 2, 3):
        with page.expect_response(re.compile(r"/hints$")) as reply:
            page.locator("#practice-hint").click()
        body = reply.value.json()
        assert reply.value.request.post_data_json["level"] == level
        assert body["item_id"] == item_id
        expect(hints).to_have_count(level)
        expect(hints.nth(level - 1)).to_have_text(f"Hint {level} of 3: {body['hint']}")
    expect(page.locator("#practice-hint")).to_have_text("No more hints")
    expect(page.locator("#practice-hint")).to_be_disabled()
    session = reply.value.request.post_data_json["session"]
    assert client.get(f"/v1/sessions/{session}").status_code == 200


def test_the_choice_of_items_adapts_as_the_learner_gets_them_right(
    open_page: Callable[[str], Page],
    own_server: OwnServer,
    own_api: httpx.Client,
    items: dict[str, dict[str, Any]],
) -> None:
    """A new learner answers every item with its canonical answer: the concept practised first
    rises to mastery on the page, and the items chosen move to another concept or level."""
    page = open_page(f"{own_server.url}/?view=practice")
    api = own_api
    expect(page.locator("#mastery-summary")).to_contain_text("0 of ")
    first = _shown_item(page, api)
    concept = first["concept_id"]
    learner = api.get("/v1/me").json()["learner_id"]
    report = api.get(f"/v1/learners/{learner}/mastery").json()
    start = next(c for c in report["concepts"] if c["concept_id"] == concept)
    assert start["attempts"] == 0
    assert _bar(page, concept) == _bar_text(start)
    expect(page.locator(f"#mastery-groups li[data-concept='{concept}']")).to_have_class(
        re.compile(r"\bcurrent\b")
    )
    levels = [_bar(page, concept)]
    seen = [(concept, first["item"]["difficulty"])]
    shown = first
    for _ in range(8):
        item = items[shown["item"]["id"]]
        attempt = _answer(page, item, _right(item))
        assert attempt["grade"]["verdict"] == "correct", attempt["grade"]
        _check_result(page, api, attempt)
        if concept in {c["concept_id"] for c in attempt["mastery"]}:
            levels.append(_bar(page, concept))
        page.get_by_role("button", name="Next item").click()
        expect(page.locator("#result")).to_be_hidden()
        shown = _shown_item(page, api)
        seen.append((shown["concept_id"], shown["item"]["difficulty"]))
        if seen[-1] != seen[0]:
            break
    assert seen[-1] != seen[0], f"the items never changed concept or level: {seen}"
    numbers = [int(level.removeprefix("✓ ").split("%")[0]) for level in levels]
    assert numbers == sorted(numbers) and numbers[-1] > numbers[0], levels
    reason = page.locator("#item-reason").inner_text()
    assert shown["reason"] in reason
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "practice.png", full_page=True)


def test_a_quiz_on_a_lesson_adapts_and_ends_with_a_summary(
    open_page: Callable[[str], Page],
    own_server: OwnServer,
    own_api: httpx.Client,
    items: dict[str, dict[str, Any]],
) -> None:
    page = open_page(f"{own_server.url}/?view=practice")
    expect(page.locator("#item-card")).to_be_visible(timeout=SLOW)
    page.get_by_label("Or quiz yourself on a lesson").select_option("prompt-basics")
    with page.expect_response(re.compile(r"/v1/quizzes$")) as started:
        page.get_by_role("button", name="Start the quiz").click()
    quiz_id = started.value.json()["id"]
    levels = []
    for number in range(1, 11):
        quiz = own_api.get(f"/v1/quizzes/{quiz_id}").json()
        current = quiz["current"]
        levels.append(current["difficulty"])
        expect(page.locator("#item-card")).to_have_attribute("data-item", current["id"])
        expect(page.locator("#item-heading")).to_be_focused()
        expect(page.locator("#item-mode")).to_have_text("Quiz")
        expect(page.locator("#item-reason")).to_contain_text(
            f"Question {number} of 10, {current['difficulty']}:"
        )
        expect(page.locator("#quiz-progress")).to_have_text(
            f"Quiz on Prompt basics: {number - 1} of 10 answered"
        )
        item = items[current["id"]]
        attempt = _answer(page, item, _wrong(item) if number <= 2 else _right(item))
        _check_result(page, own_api, attempt)
        page.get_by_role(
            "button", name="See the quiz results" if number == 10 else "Next question"
        ).click()
    assert len(set(levels)) == 3, levels  # it moved between easy, medium and hard

    summary = own_api.get(f"/v1/quizzes/{quiz_id}").json()["summary"]
    expect(page.locator("#quiz-summary-title")).to_be_focused()
    expect(page.locator("#quiz-score")).to_have_text(
        f"{summary['correct']} of 10 correct · mean score {_pct(summary['mean_score'])}"
    )
    for part in ("strengths", "gaps"):
        names = [c["name"] for c in summary[part]] or ["None"]
        shown = page.locator(f"#quiz-{part} li").all_inner_texts()
        assert [text.split(":")[0] for text in shown] == names
    assert summary["correct"] <= 8  # the two wrong answers count
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "quiz-summary.png")
    page.get_by_role("button", name="Back to practice").click()
    expect(page.locator("#item-mode")).not_to_have_text("Quiz")
    expect(page.get_by_role("button", name="Start the quiz")).to_be_visible()


def test_a_service_with_keys_asks_for_one_and_works_with_it(
    open_page: Callable[[str], Page], own_server: OwnServer
) -> None:
    database = open_database(own_server.settings)
    try:
        ann = create_learner(database, "Ann").id
        secret = issue_api_key(database, Role.LEARNER, learner_id=ann).secret
    finally:
        database.dispose()

    page = open_page(f"{own_server.url}/?view=practice")
    dialog = page.get_by_role("dialog", name="This tutor needs an API key")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("API key", exact=True)).to_be_focused()
    page.get_by_label("API key", exact=True).fill("not-a-key")
    page.get_by_role("button", name="Use this key").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "That key was refused: unknown or revoked API key"
    )
    page.get_by_label("API key", exact=True).fill(secret)
    page.get_by_role("button", name="Use this key").click()
    expect(dialog).to_be_hidden()

    # The requests that waited for the key went through with it: lessons, then practice.
    expect(page.locator("#lesson option")).not_to_have_count(1)
    expect(page.locator("#item-card")).to_be_visible(timeout=SLOW)
    radio = page.get_by_role("radio")
    if radio.count():
        radio.first.check()
    else:
        page.get_by_role("textbox", name="Your answer").fill("A guess.")
    with page.expect_response(re.compile(r"/attempts$")) as reply:
        page.get_by_role("button", name="Check my answer").click()
    assert reply.value.status == 200
    assert reply.value.request.headers["authorization"] == f"Bearer {secret}"
    assert reply.value.json()["learner_id"] == ann
    expect(page.locator("#verdict")).not_to_be_empty()

    # The key is remembered, and the streamed chat sends it too.
    page.reload()
    expect(page.locator("#item-card")).to_be_visible(timeout=SLOW)
    expect(dialog).to_be_hidden()
    page.get_by_role("tab", name="Ask").click()
    page.get_by_label("Your question").fill("What is a few-shot prompt?")
    with page.expect_response(re.compile(r"/messages$")) as chat:
        page.get_by_label("Your question").press("Enter")
    assert chat.value.request.headers["authorization"] == f"Bearer {secret}"
    expect(page.locator(FINISHED)).to_have_count(1, timeout=SLOW)
    expect(page.get_by_role("button", name="Forget API key")).to_be_visible()


def test_grader_text_is_shown_as_text_never_as_markup(page: Page) -> None:
    """Feedback and misconceptions come from a model: markup in them stays text."""
    markup = '<img src=x onerror="document.title=`owned`">'

    def graded(route: Route) -> None:
        attempt = route.fetch().json()  # the real attempt, with a grade rewritten
        grade = attempt["grade"]
        grade["feedback"]["text"] = f"{markup} is not quite it."
        grade["mistakes"] = [f"{markup} a mistake"]
        route.fulfill(json=attempt)

    page.route(re.compile(r"/attempts$"), graded)
    _open_practice(page)
    radio = page.get_by_role("radio")
    if radio.count():
        radio.first.check()
    else:
        page.get_by_role("textbox", name="Your answer").fill("An answer.")
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator("#feedback")).to_have_text(f"{markup} is not quite it.")
    expect(page.locator("#misconception-list li")).to_have_text(f"{markup} a mistake")
    expect(page.locator("#result img")).to_have_count(0)
    assert page.title() == "tutor"


def test_practice_fits_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/?view=practice")
    expect(page.locator("#item-card")).to_be_visible(timeout=SLOW)
    expect(page.locator("#mastery-groups li").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "practice-phone.png", full_page=True)
