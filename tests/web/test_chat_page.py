"""The chat page in a real browser, against the real service on the offline engine."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, Response, expect

from tests.web.conftest import SCREENSHOTS

LESSON, LESSON_TITLE = "few-shot-prompting", "Few-shot prompting"
FINISHED = ".msg.assistant[aria-busy='false']"


def _words(text: str) -> str:
    return " ".join(text.split())


def _ask(page: Page, question: str) -> Response:
    """Type a question, send it with Enter; the reply's response (its headers, not its end)."""
    page.get_by_label("Your question").fill(question)
    with page.expect_response(re.compile(r"/v1/sessions/[^/]+/messages$")) as reply:
        page.get_by_label("Your question").press("Enter")
    return reply.value


def test_a_learner_gets_a_streamed_cited_answer_then_asks_why(page: Page, server_url: str) -> None:
    expect(page.locator("#engine")).to_have_text(
        "offline engine — answers come from lesson passages"
    )
    page.get_by_label("Lesson", exact=True).select_option(LESSON)
    expect(page.locator("#chat-title")).to_have_text(LESSON_TITLE)

    first_reply = _ask(page, "How many examples should I put in a prompt?")
    assert first_reply.headers["content-type"].startswith("text/event-stream")
    assert first_reply.request.post_data_json == {
        "content": "How many examples should I put in a prompt?",
        "stream": True,
    }
    answers = page.locator(FINISHED)
    expect(answers).to_have_count(1)
    first = answers.first
    expect(first.locator(".answer")).to_contain_text("example")
    expect(first.locator(".meta")).to_contain_text("offline engine")
    assert "[few-shot-prompting/" not in first.locator(".answer").inner_text()  # ids became [n]
    chips = first.locator(".chip")
    expect(chips.first).to_be_visible()
    assert chips.count() >= 1

    # The first chip opens the passage the service cited first.
    session_url = first_reply.url.removesuffix("/messages")
    stored = httpx.get(session_url, timeout=10).json()["messages"][-1]["citations"][0]
    chips.first.click()
    expect(page.locator("#panel")).to_be_visible()
    expect(page.locator("#passage-title")).to_be_focused()
    expect(page.locator("#passage-lesson")).to_have_text(stored["lesson_title"])
    expect(page.locator("#passage-title")).to_have_text(stored["title"])
    assert _words(page.locator("#passage-text").inner_text()) == _words(stored["text"])
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()
    expect(chips.first).to_be_focused()

    # "Why?" continues the same session with a second, different, cited answer.
    with page.expect_response(re.compile(r"/messages$")) as why_reply:
        page.get_by_role("button", name="Why?").click()
    assert why_reply.value.url == first_reply.url
    expect(answers).to_have_count(2)
    expect(page.locator(".msg.user .bubble").nth(1)).to_have_text("Why?")
    second = answers.nth(1)
    expect(second.locator(".chip").first).to_be_visible()
    assert _words(second.locator(".answer").inner_text()) != _words(
        first.locator(".answer").inner_text()
    )
    expect(page.get_by_label("Your question")).to_be_focused()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    second.locator(".chip").first.click()
    page.screenshot(path=SCREENSHOTS / "chat.png")


def test_the_lesson_outline_and_search_open_passages(page: Page) -> None:
    page.get_by_label("Lesson", exact=True).select_option(LESSON)
    expect(page.locator("#lesson-title")).to_have_text(LESSON_TITLE)
    page.locator("#lesson-outline button", has_text="Structure examples well").click()
    expect(page.locator("#passage-title")).to_have_text("Structure examples well")
    expect(page.locator("#passage-text")).to_contain_text("three to five examples")

    page.get_by_label("Search passages").fill("delimiters around each example")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#search-results button")
    expect(results.first).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text("passages")
    results.first.click()
    expect(page.locator("#passage-lesson")).to_have_text(LESSON_TITLE)  # searched in the lesson
    expect(page.locator("#passage-text")).not_to_be_empty()


def test_a_failed_reply_is_shown_where_the_answer_would_be(page: Page) -> None:
    failing = (
        'event: delta\ndata: {"text": "Half an ans"}\n\n'
        'event: error\ndata: {"code": "llm_unavailable", "message": "every model failed"}\n\n'
    )
    page.route(
        re.compile(r"/messages$"),
        lambda route: route.fulfill(
            status=200, headers={"content-type": "text/event-stream"}, body=failing
        ),
    )
    _ask(page, "What is a few-shot prompt?")
    expect(page.get_by_role("alert")).to_contain_text("every model failed")
    expect(page.get_by_role("button", name="Why?")).to_be_disabled()

    page.unroute(re.compile(r"/messages$"))
    page.route(
        re.compile(r"/messages$"),
        lambda route: route.fulfill(
            status=404, json={"error": {"code": "not_found", "message": "no chat session 'x'"}}
        ),
    )
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("alert")).to_contain_text("no chat session 'x'")
    expect(page.locator(".msg.user")).to_have_count(1)  # a retry does not repeat the question


def test_learner_text_is_shown_as_text_never_as_markup(page: Page) -> None:
    question = '<img src=x onerror="document.title=`owned`"> what is a few-shot prompt?'
    _ask(page, question)
    expect(page.locator(FINISHED)).to_have_count(1)
    expect(page.locator(".msg.user .bubble")).to_have_text(question)
    expect(page.locator("#log img")).to_have_count(0)
    assert page.title() == "tutor"


def test_the_page_fits_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _ask(page, "What is a context window?")
    expect(page.locator(FINISHED)).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "phone.png", full_page=True)


def test_the_pages_shared_script_is_served_as_javascript(client: httpx.Client) -> None:
    script = client.get("/static/api.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")  # a module needs a JS type
    assert "export async function send(" in script.text
    for path in ("/", "/teacher"):
        assert 'from "/static/api.js"' in client.get(path).text
