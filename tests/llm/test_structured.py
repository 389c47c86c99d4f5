import json

import pytest
from pydantic import BaseModel, ConfigDict

from tutor.errors import LLMOutputInvalidError
from tutor.llm import Message
from tutor.llm.structured import is_strict_compatible, response_format


class Explanation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str
    citations: list[str]
    covered: bool


class WithDefault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str
    confidence: float = 0.5


ASK = [Message(role="user", content="Why do examples help?")]
GOOD = {
    "answer": "They show the format [prompt-basics/few-shot].",
    "citations": ["prompt-basics/few-shot"],
    "covered": True,
}


async def test_valid_output_is_parsed_and_schema_is_sent(gateway, provider):
    route = provider.route().mock(return_value=provider.chat(json.dumps(GOOD)))

    reply = await gateway.structured(ASK, Explanation, prompt="explain@1")

    assert reply.output == Explanation(**GOOD)
    assert reply.repaired is False and reply.prompt == "explain@1"
    assert reply.cost_usd and reply.cost_usd > 0
    sent = provider.sent(route)["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "Explanation"
    assert sent["json_schema"]["schema"] == Explanation.model_json_schema()
    assert sent["json_schema"]["strict"] is True


async def test_a_fenced_json_reply_is_accepted(gateway, provider):
    provider.route().mock(return_value=provider.chat(f"```json\n{json.dumps(GOOD)}\n```"))

    reply = await gateway.structured(ASK, Explanation, prompt="explain@1")

    assert reply.output.covered is True


async def test_invalid_output_gets_one_repair_call_quoting_the_error(gateway, provider):
    bad = json.dumps({"answer": "Examples help."})  # no citations, no covered
    route = provider.route().mock(
        side_effect=[
            provider.chat(bad, prompt_tokens=50),
            provider.chat(json.dumps(GOOD), prompt_tokens=80),
        ]
    )

    reply = await gateway.structured(ASK, Explanation, prompt="explain@1")

    assert route.call_count == 2
    assert reply.output == Explanation(**GOOD) and reply.repaired is True
    assert reply.usage.prompt_tokens == 130  # both calls count
    repair = provider.sent(route, 1)["messages"]
    assert repair[:-2] == provider.sent(route, 0)["messages"]
    assert repair[-2] == {"role": "assistant", "content": bad}
    assert repair[-1]["role"] == "user"
    assert "citations: Field required" in repair[-1]["content"]
    assert "covered: Field required" in repair[-1]["content"]
    assert [r.kind for r in gateway.ledger.records] == ["structured", "repair"]


async def test_invalid_twice_raises_a_typed_error(gateway, provider):
    route = provider.route().mock(
        side_effect=[provider.chat("not json at all"), provider.chat('{"answer": 3}')]
    )

    with pytest.raises(LLMOutputInvalidError) as caught:
        await gateway.structured(ASK, Explanation, prompt="explain@1")

    assert route.call_count == 2  # exactly one repair, then give up
    error = caught.value
    assert (error.status_code, error.code) == (503, "llm_unavailable")
    assert error.prompt == "explain@1" and error.raw == '{"answer": 3}'
    assert "answer: Input should be a valid string" in error.errors
    assert "Invalid JSON" in provider.sent(route, 1)["messages"][-1]["content"]


async def test_an_invalid_reply_is_not_cached_but_the_repaired_one_is(gateway, provider):
    route = provider.route().mock(
        side_effect=[provider.chat("{}"), provider.chat(json.dumps(GOOD))]
    )
    await gateway.structured(ASK, Explanation, prompt="explain@1")

    again = await gateway.structured(ASK, Explanation, prompt="explain@1")

    assert route.call_count == 2
    assert again.cached and again.output == Explanation(**GOOD)


def test_strict_is_only_requested_for_schemas_openai_accepts_as_strict():
    assert is_strict_compatible(Explanation.model_json_schema())
    assert not is_strict_compatible(WithDefault.model_json_schema())
    assert response_format(WithDefault)["json_schema"]["strict"] is False
