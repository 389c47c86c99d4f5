"""The tutor as a model: the openai SDK talks to /v1/chat/completions and /v1/models."""

from __future__ import annotations

import re
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

QUESTION = "How many few-shot examples should I include in a prompt?"
ASK: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are a helpful assistant."},  # ignored by the tutor
    {"role": "user", "content": QUESTION},
]


def _sources(content: str) -> list[int]:
    _, _, listed = content.partition("\n\nSources:\n")
    return [int(n) for n in re.findall(r"^- \[(\d+)\] ", listed, re.MULTILINE)]


def test_the_models_list_names_the_tutor_and_each_lesson(openai_client: openai.OpenAI) -> None:
    models = {model.id: model for model in openai_client.models.list()}
    assert "tutor" in models
    assert "tutor/few-shot-prompting" in models
    assert models["tutor"].object == "model"
    assert models["tutor"].owned_by == "tutor"


def test_a_completion_answers_with_numbered_citations(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(model="tutor", messages=ASK)
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "tutor"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    content = choice.message.content or ""
    assert "example" in content.lower()
    assert "[few-shot-prompting/" not in content  # passage ids became [n]
    listed = _sources(content)
    assert listed == list(range(1, len(listed) + 1)) and listed
    body = content.partition("\n\nSources:\n")[0]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", body)} <= set(listed)
    assert "- [1] Few-shot prompting — " in content
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens > 0 and usage.completion_tokens > len(content) // 8
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    extras: dict[str, Any] = (completion.model_extra or {})["tutor"]
    assert extras["engine"] == "offline"
    assert extras["covered"] is True
    assert [c["n"] for c in extras["citations"]] == listed


def test_a_streamed_completion_says_the_same_as_a_plain_one(openai_client: openai.OpenAI) -> None:
    plain = openai_client.chat.completions.create(model="tutor", messages=ASK)
    stream = openai_client.chat.completions.create(
        model="tutor", messages=ASK, stream=True, stream_options={"include_usage": True}
    )
    deltas: list[str] = []
    roles: list[str] = []
    finish: list[str] = []
    usage = None
    with stream:
        for chunk in stream:
            assert chunk.object == "chat.completion.chunk"
            usage = chunk.usage or usage
            for choice in chunk.choices:
                if choice.delta.role:
                    roles.append(choice.delta.role)
                if choice.delta.content:
                    deltas.append(choice.delta.content)
                if choice.finish_reason:
                    finish.append(choice.finish_reason)
    assert roles == ["assistant"]
    assert finish == ["stop"]
    assert len(deltas) > 3  # it arrived in pieces
    assert "".join(deltas).rstrip() == (plain.choices[0].message.content or "").rstrip()
    assert usage is not None and usage.completion_tokens > 0


def test_a_follow_up_continues_the_conversation_in_a_session(
    openai_client: openai.OpenAI, server_url: str
) -> None:
    first = openai_client.chat.completions.create(model="tutor/few-shot-prompting", messages=ASK)
    answer = first.choices[0].message.content or ""
    first_cited = [c["passage_id"] for c in (first.model_extra or {})["tutor"]["citations"]]
    assert (first.model_extra or {})["tutor"]["session"] is None  # a lone question is not stored
    history: list[ChatCompletionMessageParam] = [
        *ASK,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "Why?"},
    ]
    why = openai_client.chat.completions.create(model="tutor/few-shot-prompting", messages=history)
    content = why.choices[0].message.content or ""
    assert content != answer
    assert "Here is the reason" in content  # the follow-up path, not an explanation of "Why?"
    assert _sources(content)
    extras: dict[str, Any] = (why.model_extra or {})["tutor"]
    assert all(c["lesson_id"] == "few-shot-prompting" for c in extras["citations"])

    # The session holds the replayed turns as the tutor writes them: passage ids, citations.
    stored = httpx.get(f"{server_url}/v1/sessions/{extras['session']}", timeout=10).json()
    assert stored["lesson"] == "few-shot-prompting"
    roles = [m["role"] for m in stored["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    why_stored = stored["messages"][3]["content"]
    replayed = stored["messages"][1]
    assert [c["passage_id"] for c in replayed["citations"]] == first_cited
    assert f"[{first_cited[0]}]" in replayed["content"]
    assert "Sources:" not in replayed["content"]

    # Sending the conversation so far plus a new question continues that session (the client
    # resends everything each time; the server does not start a new session per request).
    history += [
        {"role": "assistant", "content": content},
        {"role": "user", "content": "Why does the order of examples matter?"},
    ]
    more = openai_client.chat.completions.create(model="tutor/few-shot-prompting", messages=history)
    assert (more.model_extra or {})["tutor"]["session"] == extras["session"]
    stored = httpx.get(f"{server_url}/v1/sessions/{extras['session']}", timeout=10).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 3
    assert stored["messages"][3]["content"] == why_stored

    # An edited history (not what the session holds) starts a session of its own.
    history[-2] = {"role": "assistant", "content": "Something the tutor never said."}
    edited = openai_client.chat.completions.create(
        model="tutor/few-shot-prompting", messages=history
    )
    assert (edited.model_extra or {})["tutor"]["session"] not in (None, extras["session"])


def test_a_streamed_follow_up_numbers_its_citations(openai_client: openai.OpenAI) -> None:
    history: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "Start with three to five examples. [1]"},
        {"role": "user", "content": "why?"},
    ]
    with openai_client.chat.completions.create(
        model="tutor", messages=history, stream=True
    ) as stream:
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert not re.search(r"\[[a-z0-9-]+/[a-z0-9-]+\]", text)
    assert _sources(text)


def test_a_conversation_without_a_user_message_is_a_bad_request(
    openai_client: openai.OpenAI,
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client.chat.completions.create(
            model="tutor", messages=[{"role": "system", "content": "Be brief."}]
        )
    assert raised.value.status_code == 400
    assert raised.value.type == "invalid_request_error"
    assert "no user message" in raised.value.message


def test_an_unknown_lesson_model_is_not_found(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        openai_client.chat.completions.create(
            model="tutor/no-such-lesson", messages=[{"role": "user", "content": "hi"}]
        )
    assert raised.value.code == "model_not_found"


@pytest.mark.parametrize("model", ["gpt-4", "tutor-2", "Tutor"])
def test_a_model_the_tutor_does_not_serve_is_not_found_with_the_list(
    openai_client: openai.OpenAI, model: str
) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        openai_client.chat.completions.create(model=model, messages=ASK)
    assert raised.value.code == "model_not_found" and raised.value.param == "model"
    message = raised.value.message
    assert f"The model '{model}' does not exist" in message
    assert "'tutor'" in message and "'tutor/few-shot-prompting'" in message


def test_errors_use_openais_shape(server_url: str) -> None:
    reply = httpx.post(f"{server_url}/v1/chat/completions", json={"model": "tutor"}, timeout=10)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "code", "param"}
    assert error["param"] == "messages"
    assert error["type"] == "invalid_request_error"
    broken = httpx.post(
        f"{server_url}/v1/chat/completions",
        content=b"{not json",
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["error"]["message"]
