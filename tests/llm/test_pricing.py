"""A reply is priced once: litellm prices every reply it returns, and the gateway uses that
price instead of computing it again; a model without a known price costs "unknown"."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY

from tests.llm.conftest import Provider
from tests.provider_replies import chat_completion
from tutor.llm import Gateway, Message, provider
from tutor.llm.messages import TokenUsage

QUESTION = [Message(role="user", content="What is a few-shot prompt?")]
LOCAL_BASE = "http://127.0.0.1:9/v1"
PRICE = provider.cost_usd  # the gateway's own pricing, as every call used it before


@pytest.fixture
def pricings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The models the gateway prices itself (litellm's own pricing is not counted)."""
    priced: list[str] = []
    ours = provider.cost_usd

    def counted(model: str, usage: object) -> float | None:
        priced.append(model)
        return ours(model, usage)  # type: ignore[arg-type]

    monkeypatch.setattr(provider, "cost_usd", counted)
    return priced


async def test_a_reply_is_priced_once_at_the_same_price(
    provider: Provider, pricings: list[str], api_key: str
) -> None:
    provider.route().mock(return_value=provider.chat("ok", prompt_tokens=120, completion_tokens=30))

    reply = await Gateway("openai/gpt-4o-mini", max_retries=0).complete(QUESTION, prompt="p@1")

    usage = TokenUsage(prompt_tokens=120, completion_tokens=30)
    assert reply.cost_usd is not None
    assert reply.cost_usd == pytest.approx(PRICE("openai/gpt-4o-mini", usage))
    assert pricings == []  # litellm's price, not a second computation


async def test_a_model_without_a_known_price_costs_unknown(
    provider: Provider, pricings: list[str], api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = chat_completion("ok").json() | {"model": "house-model"}
    provider.router.post(f"{LOCAL_BASE}/chat/completions").mock(
        return_value=httpx.Response(200, json=body)
    )
    gateway = Gateway("openai/house-model", api_base=LOCAL_BASE, max_retries=0)

    with caplog.at_level("INFO", logger="tutor.llm"):
        reply = await gateway.complete(QUESTION, prompt="p@1")

    assert reply.cost_usd is None and pricings == []
    assert gateway.ledger.records[-1].cost_usd is None
    assert any("cost_usd=unknown" in r.getMessage() for r in caplog.records)


def _cached_reply(cached: int) -> httpx.Response:
    """A reply of 1,200 prompt tokens, ``cached`` of them read from the provider's cache."""
    body = chat_completion("ok", prompt_tokens=1200, completion_tokens=30).json()
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": cached}
    return httpx.Response(200, json=body)


@pytest.mark.parametrize("direct", [False, True], ids=["litellm", "direct"])
async def test_prompt_tokens_read_from_the_provider_s_cache_cost_less(
    provider: Provider, api_key: str, direct: bool
) -> None:
    """A repeated prompt prefix (an item's grading prompt up to the answer) comes back with
    ``cached_tokens``: the reply counts them and is priced at the cached rate, through
    litellm and on the direct path alike."""
    model = "openai/gpt-4o-mini"
    gateway = Gateway(model, api_base=LOCAL_BASE, direct=direct, max_retries=0)
    route = provider.router.post(f"{LOCAL_BASE}/chat/completions")
    costs = []
    before = REGISTRY.get_sample_value("tutor_llm_cached_prompt_tokens_total", {"model": model})
    for version, cached in ((1, 0), (2, 1024)):
        route.mock(return_value=_cached_reply(cached))
        # another prompt version each time, so the gateway's own cache does not answer
        reply = await gateway.complete(QUESTION, prompt=f"p@{version}")
        assert reply.usage == TokenUsage(
            prompt_tokens=1200, completion_tokens=30, cached_prompt_tokens=cached
        )
        assert reply.cost_usd == pytest.approx(PRICE(model, reply.usage))
        costs.append(reply.cost_usd)
    full, cached_cost = costs
    assert full is not None and cached_cost is not None and cached_cost < full
    record = gateway.ledger.records[-1]
    assert record.model == model
    assert record.cost_usd == pytest.approx(cached_cost) and record.cached_prompt_tokens == 1024
    counted = REGISTRY.get_sample_value("tutor_llm_cached_prompt_tokens_total", {"model": model})
    assert counted is not None and counted - (before or 0) == 1024  # in /metrics
