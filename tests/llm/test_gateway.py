import logging
import subprocess
import sys

import httpx
import pytest

from tests.llm.conftest import Provider
from tutor.config import Settings
from tutor.errors import ConfigurationError
from tutor.llm import DatabaseCache, Gateway, MemoryCache, Message

QUESTION = [
    Message(role="system", content="You are a patient tutor."),
    Message(role="user", content="What is a few-shot prompt? secret-learner-words"),
]


async def test_complete_returns_text_usage_and_cost(gateway, provider, api_key):
    route = provider.route().mock(
        return_value=provider.chat(
            "A prompt with examples.", prompt_tokens=120, completion_tokens=30
        )
    )

    reply = await gateway.complete(QUESTION, prompt="explain@1", max_tokens=200)

    assert reply.text == "A prompt with examples."
    assert reply.model == "openai/gpt-4o-mini"
    assert reply.prompt == "explain@1"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (120, 30)
    assert reply.cost_usd is not None and reply.cost_usd > 0  # from litellm's local cost map
    assert reply.cached is False
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {api_key}"
    body = provider.sent(route)
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [m.model_dump() for m in QUESTION]
    assert (body["temperature"], body["max_tokens"]) == (0.0, 200)
    assert "response_format" not in body


async def test_timeout_is_passed_to_the_http_request(gateway, provider):
    route = provider.route().mock(return_value=provider.chat("ok"))

    await gateway.complete(QUESTION, prompt="explain@1")

    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout["read"] == 7


async def test_usage_ledger_records_each_call_and_totals(gateway, provider):
    provider.route().mock(return_value=provider.chat("one", prompt_tokens=10, completion_tokens=2))

    await gateway.complete(QUESTION, prompt="explain@1")
    await gateway.complete(QUESTION, prompt="explain@1")  # cached: spends nothing

    first, second = gateway.ledger.records
    assert (first.prompt, first.model, first.cached) == ("explain@1", "openai/gpt-4o-mini", False)
    assert (first.prompt_tokens, first.completion_tokens) == (10, 2)
    assert first.cost_usd and first.latency_s >= 0
    assert second.cached and second.cost_usd == 0 and second.prompt_tokens == 0
    totals = gateway.ledger.totals()
    assert (totals.calls, totals.cached_calls, totals.total_tokens) == (2, 1, 12)
    assert totals.cost_usd == pytest.approx(first.cost_usd)
    assert gateway.ledger.totals("hint@1").calls == 0


def test_a_long_lived_ledger_keeps_recent_records_and_every_calls_totals(monkeypatch):
    """A service's ledger lives for months: it keeps the latest records, not one per call
    forever, while its totals still count every call."""
    from tutor.llm.usage import UsageLedger, UsageRecord

    monkeypatch.setattr("tutor.llm.usage.RECENT_RECORDS", 3)
    ledger = UsageLedger()
    for n in range(5):
        ledger.record(UsageRecord(model="openai/gpt-4o-mini", prompt="explain@1",
                                  prompt_tokens=10, completion_tokens=2,
                                  cost_usd=None if n == 0 else 0.001, cached=False,
                                  latency_s=0.1))  # fmt: skip

    assert len(ledger.records) == 3
    totals = ledger.totals("explain@1")
    assert (totals.calls, totals.total_tokens) == (5, 60)
    assert ledger.priced and totals.cost_usd == pytest.approx(0.004)
    assert ledger.totals("hint@1").calls == 0


async def test_every_call_logs_one_line_without_key_or_content(gateway, provider, api_key, caplog):
    provider.route().mock(return_value=provider.chat("the answer"))
    caplog.set_level(logging.INFO, logger="tutor.llm")

    await gateway.complete(QUESTION, prompt="explain@1")

    lines = [r.getMessage() for r in caplog.records if r.name == "tutor.llm"]
    assert len(lines) == 1
    assert "prompt=explain@1" in lines[0] and "model=openai/gpt-4o-mini" in lines[0]
    assert "tokens=20+5" in lines[0] and "cached=False" in lines[0] and "cost_usd=" in lines[0]
    everything = caplog.text
    assert api_key not in everything
    assert "secret-learner-words" not in everything and "the answer" not in everything


async def test_identical_request_is_served_from_cache(gateway, provider):
    route = provider.route().mock(return_value=provider.chat("cached text"))

    first = await gateway.complete(QUESTION, prompt="explain@1")
    again = await gateway.complete(QUESTION, prompt="explain@1")

    assert route.call_count == 1
    assert again.text == first.text and again.cached and again.cost_usd == 0


@pytest.mark.parametrize(
    "change",
    [{"prompt": "explain@2"}, {"temperature": 0.7}, {"max_tokens": 50}],
)
async def test_a_different_prompt_version_or_parameter_is_not_a_cache_hit(
    gateway, provider, change
):
    route = provider.route().mock(return_value=provider.chat("text"))
    await gateway.complete(QUESTION, prompt="explain@1")

    reply = await gateway.complete(QUESTION, **{"prompt": "explain@1", **change})

    assert route.call_count == 2 and not reply.cached


async def test_concurrent_identical_requests_call_the_provider_once(gateway, provider):
    import asyncio

    route = provider.route().mock(return_value=provider.chat("once"))

    replies = await asyncio.gather(
        *(gateway.complete(QUESTION, prompt="explain@1") for _ in range(3))
    )

    assert route.call_count == 1
    assert [r.cached for r in replies] == [False, True, True]


async def test_database_cache_survives_a_new_gateway(provider, tmp_path):
    route = provider.route().mock(return_value=provider.chat("persisted"))
    settings = Settings(data_dir=tmp_path, _env_file=None)

    await Gateway("openai/gpt-4o-mini", cache=DatabaseCache.from_settings(settings)).complete(
        QUESTION, prompt="explain@1"
    )
    reply = await Gateway(
        "openai/gpt-4o-mini", cache=DatabaseCache.from_settings(settings)
    ).complete(QUESTION, prompt="explain@1")

    assert route.call_count == 1
    assert reply.text == "persisted" and reply.cached
    assert len(DatabaseCache.from_settings(settings)) == 1


async def test_without_a_cache_every_request_reaches_the_provider(provider):
    route = provider.route().mock(return_value=provider.chat("fresh"))
    gateway = Gateway("openai/gpt-4o-mini", cache=None)

    await gateway.complete(QUESTION, prompt="explain@1")
    await gateway.complete(QUESTION, prompt="explain@1")

    assert route.call_count == 2


async def test_without_a_cache_identical_requests_are_in_flight_together(
    provider: Provider,
) -> None:
    """With nothing to share, an identical request must not wait for the one before it: the
    provider here answers only once all three are in flight (before, the second waited for
    the first, which never got its reply)."""
    import asyncio

    arrived, everyone = 0, asyncio.Event()

    async def answer_when_all_are_here(request: httpx.Request) -> httpx.Response:
        nonlocal arrived
        arrived += 1
        if arrived == 3:
            everyone.set()
        await asyncio.wait_for(everyone.wait(), timeout=10)
        return provider.chat("fresh")

    route = provider.route().mock(side_effect=answer_when_all_are_here)
    gateway = Gateway("openai/gpt-4o-mini", cache=None, max_retries=0)

    replies = await asyncio.gather(
        *(gateway.complete(QUESTION, prompt="explain@1") for _ in range(3))
    )

    assert route.call_count == 3
    assert [r.text for r in replies] == ["fresh"] * 3 and not any(r.cached for r in replies)


async def test_missing_api_key_names_the_variable_and_sends_nothing(gateway, provider, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    route = provider.route().mock(return_value=provider.chat("never"))

    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        await gateway.complete(QUESTION, prompt="explain@1")

    assert route.call_count == 0


async def test_credentials_are_checked_until_they_pass_then_not_again(
    gateway, provider, monkeypatch
):
    from tutor.llm import provider as llm_provider

    checks: list[str] = []
    check = llm_provider.check_credentials

    def counted(model: str, api_base: str | None) -> None:
        checks.append(model)
        check(model, api_base)

    monkeypatch.setattr(llm_provider, "check_credentials", counted)
    provider.route().mock(return_value=provider.chat("ok"))
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ConfigurationError):
        await gateway.complete(QUESTION, prompt="explain@1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-1234567890")

    for n in range(3):
        await gateway.complete(QUESTION, prompt=f"explain@{n + 1}")

    assert checks == [gateway.model, gateway.model]  # the failed one, then the first that passed


def test_from_settings_reads_the_llm_settings(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        model="openai/gpt-4o-mini",
        fallback_models=["openai/gpt-4o", "openai/gpt-4o-mini"],
        llm_timeout=12,
        llm_max_retries=1,
        api_base="http://localhost:9999/v1",
    )

    gateway = Gateway.from_settings(settings)

    assert gateway.models == ("openai/gpt-4o-mini", "openai/gpt-4o")
    assert (gateway.timeout, gateway.policy.max_retries) == (12, 1)
    assert gateway.api_base == "http://localhost:9999/v1"
    assert isinstance(gateway.cache, DatabaseCache)  # the default: the service's database
    assert gateway.cache.table.database.url == f"sqlite:///{tmp_path / 'tutor.db'}"
    old_name = Gateway.from_settings(Settings(data_dir=tmp_path, model="m", llm_cache="sqlite"))
    assert isinstance(old_name.cache, DatabaseCache)  # what "sqlite" meant is now the database
    memory = Gateway.from_settings(settings.model_copy(update={"llm_cache": "memory"}))
    assert isinstance(memory.cache, MemoryCache)
    assert Gateway.from_settings(settings.model_copy(update={"llm_cache": "off"})).cache is None


def test_from_settings_without_a_model_says_how_to_configure_one(tmp_path):
    with pytest.raises(ConfigurationError, match="TUTOR_MODEL"):
        Gateway.from_settings(Settings(data_dir=tmp_path, model=None))


def test_fallback_models_setting_accepts_a_comma_separated_list(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_FALLBACK_MODELS", "openai/gpt-4o, anthropic/claude-3-5-haiku-latest")

    settings = Settings(data_dir=tmp_path)

    assert settings.fallback_models == ["openai/gpt-4o", "anthropic/claude-3-5-haiku-latest"]


async def test_debug_logging_does_not_leak_messages_through_litellm_or_openai(
    gateway, provider, api_key, caplog
):
    provider.route().mock(return_value=provider.chat("the answer"))
    caplog.set_level(logging.DEBUG)

    await gateway.complete(QUESTION, prompt="explain@1")

    assert "secret-learner-words" not in caplog.text and "the answer" not in caplog.text
    assert api_key not in caplog.text


def test_importing_the_package_does_not_import_litellm():
    """litellm takes seconds to import: only building a Gateway pays for it."""
    code = "import sys, tutor.llm, tutor.prompts; sys.exit('litellm' in sys.modules)"

    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_public_names_are_sorted_and_importable():
    import tutor.llm

    assert tutor.llm.__all__ == sorted(tutor.llm.__all__)
    assert all(hasattr(tutor.llm, name) for name in tutor.llm.__all__)


@pytest.mark.parametrize(("direct", "through_sdk"), [(False, True), (True, False)])
async def test_a_self_hosted_openai_model_goes_through_litellm_unless_direct(
    provider: Provider, direct: bool, through_sdk: bool
) -> None:
    """TUTOR_LLM_DIRECT is opt-in: by default litellm (and the openai SDK, whose requests carry
    its X-Stainless headers) sends the call; with it, tutor/llm/direct.py's one POST does."""
    base = "http://127.0.0.1:9/v1"
    route = provider.router.post(f"{base}/chat/completions").mock(
        return_value=Provider.chat("Examples fix the format.")
    )
    gateway = Gateway("openai/house-model", api_base=base, max_retries=0, direct=direct)

    reply = await gateway.complete([Message(role="user", content="Why?")], prompt="p@1")

    assert reply.text == "Examples fix the format."
    sent_by_sdk = "x-stainless-lang" in route.calls[-1].request.headers
    assert sent_by_sdk is through_sdk
    assert Settings(_env_file=None).llm_direct is False  # type: ignore[call-arg]
