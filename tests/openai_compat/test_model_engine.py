"""With a model behind the tutor: live streamed citations, and failures in OpenAI's shape.

A scripted engine streams the way a model does (a citation split across deltas, an id it made
up) or fails; the app runs in process with the real openai client on top.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.conftest import CORPUS_DIR
from tutor.api import create_app
from tutor.api.deps import get_tutor
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.engines import Draft, FollowUp, HintRequest, Streamed
from tutor.errors import LLMUnavailableError
from tutor.retrieval import Hit, PassageIndex
from tutor.tutoring import Tutor

CONVERSATION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "How many few-shot examples should I include in a prompt?"},
    {"role": "assistant", "content": "Start with three to five examples."},
    {"role": "user", "content": "Why?"},
]


@dataclass
class ScriptedModel:
    name: str = "scripted-model"
    fail_explain: bool = False
    fail_after: int | None = None  # deltas of a follow-up before it fails

    async def explain(self, question: str, passages: Sequence[Hit]) -> Draft:
        if self.fail_explain:
            raise LLMUnavailableError("every model failed after retries")
        return Draft(f"Examples teach the format [{passages[0].passage_id}].", self.name, "e@1")

    async def follow_up(self, request: FollowUp) -> Streamed:
        first = request.passages[0].passage_id
        text = f"Because it imitates them [{first}] and [made-up/passage] copies details [{first}]."
        return Streamed(self.name, "followup_why@2", self._pieces(text))

    async def _pieces(self, text: str) -> AsyncIterator[str]:
        for count, start in enumerate(range(0, len(text), 3)):
            if count == self.fail_after:
                raise LLMUnavailableError("the model stopped answering")
            yield text[start : start + 3]

    async def hint(self, request: HintRequest) -> Draft:
        raise NotImplementedError


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
async def client(
    model: ScriptedModel,
    indexed_data_dir: Path,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    tmp_path: Path,
) -> AsyncIterator[openai.AsyncOpenAI]:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=indexed_data_dir,
        corpus_dir=CORPUS_DIR,
        database_url=f"sqlite:///{tmp_path / 'tutor.db'}",
        _env_file=None,
    )
    app = create_app(settings)
    database = app.state.services.database  # the one the service signs requests in with
    tutor = Tutor(model, starter_corpus, starter_index, database)
    app.dependency_overrides[get_tutor] = lambda: tutor
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        yield openai.AsyncOpenAI(
            base_url="http://localhost/v1", api_key="unused", http_client=http, max_retries=0
        )
    database.dispose()


async def test_citations_streamed_live_are_numbered_and_checked(
    client: openai.AsyncOpenAI,
) -> None:
    plain = await client.chat.completions.create(model="tutor", messages=CONVERSATION)
    content = plain.choices[0].message.content or ""
    body, _, sources = content.partition("\n\nSources:\n")
    assert body == "Because it imitates them [1] and copies details [1]."  # made-up id dropped
    assert sources.count("\n") == 0 and sources.startswith("- [1] ")
    extras = (plain.model_extra or {})["tutor"]
    assert extras["engine"] == "scripted-model"
    assert extras["prompt"] == "followup_why@2"
    assert plain.system_fingerprint == "tutor-0.1.0-scripted-model"

    stream = await client.chat.completions.create(model="tutor", messages=CONVERSATION, stream=True)
    deltas = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    assert "".join(deltas) == content


async def test_a_model_that_fails_before_answering_is_a_server_error(
    client: openai.AsyncOpenAI, model: ScriptedModel
) -> None:
    model.fail_explain = True
    with pytest.raises(openai.InternalServerError) as raised:
        await client.chat.completions.create(
            model="tutor", messages=[{"role": "user", "content": "What is a few-shot prompt?"}]
        )
    assert raised.value.status_code == 503
    assert raised.value.code == "llm_unavailable"
    assert raised.value.type == "server_error"


async def test_a_model_that_fails_mid_stream_ends_the_stream_with_an_error(
    client: openai.AsyncOpenAI, model: ScriptedModel
) -> None:
    model.fail_after = 4
    stream = await client.chat.completions.create(model="tutor", messages=CONVERSATION, stream=True)
    received: list[str] = []
    with pytest.raises(openai.APIError, match="the model stopped answering"):
        async for chunk in stream:
            received.extend(c.delta.content or "" for c in chunk.choices)
    assert "".join(received).startswith("Because")
