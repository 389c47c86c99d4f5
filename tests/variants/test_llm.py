"""The model path, with the provider's HTTP edge mocked by respx: ``variant_generate@1``
proposes, the blind ``solve_item@1`` solver confirms keys by majority, and every rejection
is counted by reason."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.provider_replies import chat_completion
from tutor.config import Settings
from tutor.corpus import Corpus, Item
from tutor.retrieval import PassageIndex
from tutor.store import Database
from tutor.variants import NoveltyIndex, VariantService

CHAT_URL = "https://api.openai.com/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"

DROPPED = "The app trimmed the oldest messages to fit the context window, so they were not sent."
GOOD = {
    "transformation": "new_scenario",
    "type": "multiple_choice",
    "difficulty": "medium",
    "stem": "A returns chatbot helps a customer for sixty messages. Near the end it asks for "
    "the order number the customer gave in their second message. What is the most likely cause?",
    "options": [
        {
            "key": "A",
            "text": "The temperature is too high, so details are lost at random.",
        },
        {"key": "B", "text": DROPPED},
        {"key": "C", "text": "The model deletes order numbers after a few turns for privacy."},
    ],
    "answer_key": "B",
    "answer": DROPPED,
    "solution_steps": ["Recall that input and output share one window.", "Ask what was sent."],
    "hints": ["What does the app send with each request?"],
    "common_mistakes": ["Blaming the temperature for missing information."],
}
WRONG_KEY = {
    **GOOD,
    "transformation": "reworded",
    "stem": "Forty turns into a long conversation, a travel assistant asks the traveller for "
    "the passport name they typed at the very start. Why did this happen?",
    "options": [
        {
            "key": "A",
            "text": "The history was cut to fit the window, so the first turn was gone.",
        },
        {"key": "B", "text": "Sampling randomness made the model lose track of the earlier turn."},
        {"key": "C", "text": "The model keeps a memory per user that expires after ten minutes."},
    ],
    "answer_key": "B",  # wrong: the solver will keep choosing A
    "answer": "Sampling randomness made the model lose track of the earlier turn.",
}
OFF_TOPIC = {
    **GOOD,
    "transformation": "new_scenario",
    "stem": "Which flour gives sourdough bread the most open crumb after a long cold proof?",
    "options": [
        {"key": "A", "text": "Bread flour with a high protein content."},
        {"key": "B", "text": "Cake flour with a very low protein content."},
    ],
    "answer_key": "A",
    "answer": "Bread flour with a high protein content.",
}
# What the solver believes, for each question it may be shown.
SOLVER_PICKS = {GOOD["stem"]: DROPPED, WRONG_KEY["stem"]: WRONG_KEY["options"][0]["text"]}


def chat(content: dict[str, Any]) -> httpx.Response:
    return chat_completion(json.dumps(content), prompt_tokens=50, completion_tokens=20)


class Provider:
    """The mocked endpoint: a batch for ``variant_generate``, a blind answer for ``solve_item``."""

    def __init__(self, batch: list[dict[str, Any]]) -> None:
        self.batch = batch
        self.solver_prompts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        schema = body["response_format"]["json_schema"]["name"]
        if schema == "VariantBatch":
            return chat({"variants": self.batch})
        assert schema == "Solution"
        question = body["messages"][-1]["content"]
        self.solver_prompts.append(question)
        stem = next(s for s in SOLVER_PICKS if s in question)
        shown = dict(re.findall(r"^([A-Z])\. (.+)$", question, re.MULTILINE))
        letter = next(k for k, text in shown.items() if text == SOLVER_PICKS[stem])
        return chat({"reasoning": "Input and output share the window.", "answer": letter})


@pytest.fixture
def llm_settings(tmp_path: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TUTOR_MODEL", MODEL)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-1234567890")
    return Settings(data_dir=settings.data_dir, corpus_dir=settings.corpus_dir, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def mocked() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def service(
    llm_settings: Settings,
    corpus: Corpus,
    index: PassageIndex,
    database: Database,
    known: NoveltyIndex,
) -> VariantService:
    return VariantService.from_settings(
        llm_settings, corpus=corpus, index=index, database=database, novelty=known.copy()
    )


async def test_only_the_variant_the_blind_solver_confirms_is_kept(
    llm_settings: Settings,
    mocked: respx.MockRouter,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
    corpus_questions: NoveltyIndex,
) -> None:
    provider = Provider([GOOD, WRONG_KEY, OFF_TOPIC])
    route = mocked.post(CHAT_URL).mock(side_effect=provider)
    variants = service(llm_settings, starter_corpus, starter_index, database, corpus_questions)

    outcome = await variants.generate("ctx-03", 3)

    assert outcome.report.rejected == {"key_not_confirmed": 1, "ungrounded": 1}
    assert [r.item["stem"] for r in outcome.records] == [GOOD["stem"]]
    item = Item.model_validate(outcome.records[0].item)
    assert item.concepts == ["context-window", "long-context-strategies"]  # the parent's
    provenance = outcome.records[0].provenance
    assert provenance["prompt"] == "variant_generate@1"
    assert provenance["engine"] == MODEL and provenance["model"] == MODEL
    assert provenance["parent"] == "ctx-03" and provenance["transformation"] == "new_scenario"
    key = provenance["validation"]["key"]
    assert key["method"] == "solver" and key["prompt"] == "solve_item@1"
    assert key["votes"] == 3 and key["samples"] == 3 and key["model"] == MODEL
    # One generation call, three blind attempts at each grounded candidate, none at the
    # off-topic one; the solver never sees the key, and sees the options in rotated orders.
    assert route.call_count == 1 + 3 + 3
    assert all("answer_key" not in p and "<answer" not in p for p in provider.solver_prompts)
    good_prompts = [p for p in provider.solver_prompts if GOOD["stem"] in p]
    assert len({re.search(r"^A\. (.+)$", p, re.MULTILINE)[1] for p in good_prompts}) == 3  # type: ignore[index]


async def test_a_draft_that_is_not_a_valid_item_is_counted_as_invalid(
    llm_settings: Settings,
    mocked: respx.MockRouter,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
    corpus_questions: NoveltyIndex,
) -> None:
    broken = {**GOOD, "answer": "An answer that is not the text of option B."}
    mocked.post(CHAT_URL).mock(side_effect=Provider([broken, GOOD]))
    variants = service(llm_settings, starter_corpus, starter_index, database, corpus_questions)

    outcome = await variants.generate("ctx-03", 2)

    assert outcome.report.rejected == {"invalid_schema": 1}
    assert len(outcome.records) == 1


async def test_a_free_text_key_is_confirmed_by_a_majority_of_similar_answers(
    llm_settings: Settings,
    mocked: respx.MockRouter,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
    corpus_questions: NoveltyIndex,
) -> None:
    opened = {
        **GOOD,
        "transformation": "to_free_text",
        "type": "free_text",
        "stem": "A returns chatbot asks, sixty messages in, for an order number the customer "
        "gave at the start. Explain the most likely cause.",
        "options": [],
        "answer_key": None,
    }
    answers = iter(
        [
            "The app dropped the oldest messages to keep the chat inside the context window, "
            "so the order number was no longer sent to the model.",
            "Old turns were trimmed to fit the context window, so the early message was gone.",
            "The model was tired.",
        ]
    )

    def provider(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["response_format"]["json_schema"]["name"] == "VariantBatch":
            return chat({"variants": [opened]})
        assert "<options>" not in body["messages"][-1]["content"]
        return chat({"reasoning": "Think about the window.", "answer": next(answers)})

    mocked.post(CHAT_URL).mock(side_effect=provider)
    variants = service(llm_settings, starter_corpus, starter_index, database, corpus_questions)

    outcome = await variants.generate("ctx-03", 1)

    assert outcome.report.rejected == {}
    key = outcome.records[0].provenance["validation"]["key"]
    assert key["votes"] == 2 and len(key["answer_similarities"]) == 3
