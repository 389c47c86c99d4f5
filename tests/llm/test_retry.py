import httpx
import pytest

from tutor.errors import ConfigurationError, LLMRequestError, LLMUnavailableError
from tutor.llm import Gateway, Message, RetryPolicy
from tutor.llm.retry import retry_after_seconds

ASK = [Message(role="user", content="Give me a hint.")]


async def test_429_waits_as_long_as_retry_after_says_then_succeeds(gateway, provider, sleeps):
    route = provider.route().mock(
        side_effect=[
            provider.error(429, "Rate limit reached", headers={"retry-after": "7"}),
            provider.chat("here is a hint"),
        ]
    )

    reply = await gateway.complete(ASK, prompt="hint@1")

    assert reply.text == "here is a hint"
    assert route.call_count == 2
    assert sleeps == [7.0]


async def test_5xx_backs_off_exponentially_then_falls_back(provider, sleeps):
    primary = provider.route(json__model="gpt-4o-mini").mock(
        return_value=provider.error(500, "The server had an error")
    )
    fallback = provider.route(json__model="gpt-4o").mock(return_value=provider.chat("from 4o"))
    gateway = Gateway(
        "openai/gpt-4o-mini", fallbacks=["openai/gpt-4o"], max_retries=2, sleep=sleeps
    )

    reply = await gateway.complete(ASK, prompt="hint@1")

    assert primary.call_count == 3  # 1 + max_retries
    assert sleeps == [1.0, 2.0]  # no wait before switching model
    assert fallback.call_count == 1
    assert reply.model == "openai/gpt-4o" and reply.text == "from 4o"
    assert gateway.ledger.records[-1].model == "openai/gpt-4o"


async def test_every_model_failing_raises_llm_unavailable_after_a_bounded_number_of_calls(
    provider, sleeps
):
    route = provider.route().mock(return_value=provider.error(503, "overloaded"))
    gateway = Gateway(
        "openai/gpt-4o-mini", fallbacks=["openai/gpt-4o"], max_retries=1, sleep=sleeps
    )

    with pytest.raises(LLMUnavailableError) as caught:
        await gateway.complete(ASK, prompt="hint@1")

    assert route.call_count == 4  # (1 + 1 retry) x 2 models
    assert (caught.value.status_code, caught.value.code) == (503, "llm_unavailable")
    assert "HTTP 503" in caught.value.message and "TUTOR_FALLBACK_MODELS" in caught.value.message


async def test_401_is_not_retried_and_names_the_key_variable(gateway, provider, sleeps):
    route = provider.route().mock(
        return_value=provider.error(401, "Incorrect API key provided: sk-test*****7890")
    )

    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        await gateway.complete(ASK, prompt="hint@1")

    assert route.call_count == 1 and sleeps == []


async def test_404_model_not_found_says_which_setting_to_fix(gateway, provider, sleeps):
    route = provider.route().mock(return_value=provider.error(404, "The model does not exist"))

    with pytest.raises(ConfigurationError, match="TUTOR_MODEL"):
        await gateway.complete(ASK, prompt="hint@1")

    assert route.call_count == 1 and sleeps == []


async def test_400_is_not_retried_and_carries_the_provider_message(gateway, provider, sleeps):
    route = provider.route().mock(return_value=provider.error(400, "max_tokens is too large"))

    with pytest.raises(LLMRequestError, match="max_tokens is too large") as caught:
        await gateway.complete(ASK, prompt="hint@1")

    assert route.call_count == 1 and sleeps == []
    assert caught.value.code == "llm_request_rejected"


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout("read timed out"), httpx.ConnectError("connection refused")]
)
async def test_timeouts_and_connection_errors_are_retried(gateway, provider, sleeps, failure):
    route = provider.route().mock(side_effect=[failure, provider.chat("made it")])

    reply = await gateway.complete(ASK, prompt="hint@1")

    assert reply.text == "made it"
    assert route.call_count == 2 and sleeps == [1.0]


async def test_timeouts_exhausting_retries_raise_llm_unavailable(gateway, provider, sleeps):
    route = provider.route().mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(LLMUnavailableError, match="timeout"):
        await gateway.complete(ASK, prompt="hint@1")

    assert route.call_count == 3 and sleeps == [1.0, 2.0]


def test_policy_caps_every_wait_at_max_delay():
    policy = RetryPolicy(max_retries=5, base_delay=1.0, max_delay=10.0)

    assert [policy.delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert policy.delay(0, retry_after=3.5) == 3.5
    assert policy.delay(0, retry_after=600) == 10.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"retry-after-ms": "250", "retry-after": "1"}, 0.25),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers, seconds):
    assert retry_after_seconds(headers) == seconds
