"""The one module that talks to litellm: a single request, error triage, prices.

litellm takes seconds to import, so it is imported on first use: commands that never call a
model (listing prompts, the offline engine) start fast. ``tutor/__init__.py`` has already set
the environment litellm reads at import time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import warnings
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import httpx

from tutor.errors import ConfigurationError, LLMRequestError
from tutor.llm import direct as direct_calls
from tutor.llm.messages import ChatRequest, TokenUsage
from tutor.llm.retry import Transient, retry_after_seconds
from tutor.logs import redact

MISSING_KEY_HINTS = ("missing credentials", "api_key client option must be set", "no api key")


@functools.cache
def configure() -> None:
    """Import and set up litellm, once (it takes seconds: a gateway does it when built)."""
    import litellm
    from litellm.types import utils as types

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout
    litellm.telemetry = False
    # Retries are ours. litellm passes max_retries=0 through to the openai SDK for chat, but
    # its OpenAI embedding call reads `max_retries or DEFAULT_MAX_RETRIES`, so 0 became 2
    # hidden SDK retries with real sleeps. A default of 0 makes 0 mean 0 everywhere.
    setattr(litellm, "DEFAULT_MAX_RETRIES", 0)  # noqa: B010 (a Final constant to mypy)
    # litellm and the openai SDK log whole messages at DEBUG (and litellm, with its own
    # handler, everything twice). The gateway's one line per call replaces them, unless the
    # operator asks for them with LITELLM_LOG / OPENAI_LOG or sets their levels explicitly.
    quiet = [] if "LITELLM_LOG" in os.environ else ["LiteLLM", "LiteLLM Router", "LiteLLM Proxy"]
    quiet += [] if "OPENAI_LOG" in os.environ else ["openai"]
    for name in quiet:
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.WARNING)
    # litellm defers building its response models to the first reply, when pydantic warns
    # that a TypedDict uses ReadOnly. litellm silences that with a process-wide filter at
    # import, which pytest resets between tests (warnings are errors there): the first
    # streamed reply in a later test then failed. Building them now, quietly, ends that.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*`ReadOnly` qualifier", category=UserWarning)
        for model in (
            types.Message,
            types.Delta,
            types.Choices,
            types.StreamingChoices,
            types.Usage,
            types.ModelResponse,
            types.ModelResponseStream,
        ):
            model.model_rebuild()
        # ... and the first call of any kind imports a module that builds one more such type
        # (a call that never reaches litellm, as a direct one does, left it to a later test)
        with contextlib.suppress(ImportError):
            importlib.import_module("litellm.llms.github_copilot.per_user_auth")


@dataclass(frozen=True)
class Reply:
    text: str
    usage: TokenUsage
    cost_usd: float | None = None
    priced: bool = False  # litellm priced it (cost_usd None: a model without a known price)


def _kwargs(
    model: str, request: ChatRequest, api_base: str | None, timeout: float
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": [m.model_dump() for m in request.messages],
        "temperature": request.temperature,
        "timeout": timeout,
        "num_retries": 0,  # retries are ours (tutor.llm.retry)
        "max_retries": 0,  # ... and not the openai SDK's either
    }
    if request.max_tokens is not None:
        kwargs["max_tokens"] = request.max_tokens
    if request.response_format is not None:
        kwargs["response_format"] = request.response_format
    if api_base:
        kwargs["api_base"] = api_base
    return kwargs


async def complete(
    model: str, request: ChatRequest, *, api_base: str | None, timeout: float, direct: bool = False
) -> Reply:
    """``direct`` (TUTOR_LLM_DIRECT): an ``openai/`` model on ``api_base`` without litellm."""
    if direct and api_base and direct_calls.applies(model, api_base):
        return _direct_reply(await direct_calls.complete(model, request, api_base=api_base,
                                                   timeout=timeout))  # fmt: skip
    configure()
    import litellm

    response = await litellm.acompletion(**_kwargs(model, request, api_base, timeout))
    choices = getattr(response, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    text = getattr(message, "content", None) or ""
    usage = _usage(getattr(response, "usage", None))
    # litellm prices every reply it returns (from its cost map, by the model that answered);
    # pricing it again here cost ~0.4 ms of CPU per call, more for a model it cannot price
    hidden = getattr(response, "_hidden_params", None) or {}
    if "response_cost" in hidden:
        cost = hidden["response_cost"]
        return Reply(text, usage, None if cost is None else float(cost), priced=True)
    return Reply(text=text, usage=usage)


def _direct_reply(reply: dict[str, Any]) -> Reply:
    """The text and usage of a chat completion's JSON (priced by the caller)."""
    choice = reply["choices"][0] if reply["choices"] else {}
    message = choice.get("message") if isinstance(choice, dict) else None
    text = message.get("content") if isinstance(message, dict) else None
    return Reply(text=text if isinstance(text, str) else "", usage=_usage(reply.get("usage")))


async def open_stream(
    model: str, request: ChatRequest, *, api_base: str | None, timeout: float
) -> AsyncIterator[Any]:
    """Start a streamed reply; HTTP errors surface here, before any delta is yielded."""
    configure()
    import litellm

    kwargs = _kwargs(model, request, api_base, timeout)
    kwargs["stream"] = True
    if "stream_options" in (litellm.get_supported_openai_params(model=model) or []):
        kwargs["stream_options"] = {"include_usage": True}
    return cast(AsyncIterator[Any], await litellm.acompletion(**kwargs))


def chunk_delta(chunk: Any) -> tuple[str, TokenUsage | None]:
    """The text of one streamed chunk, and the usage if this chunk carries it."""
    choices = getattr(chunk, "choices", None) or []
    delta = getattr(choices[0], "delta", None) if choices else None
    usage = getattr(chunk, "usage", None)
    return (getattr(delta, "content", None) or ""), (_usage(usage) if usage else None)


def _usage(usage: Any) -> TokenUsage:
    """The token counts of a reply's ``usage``: litellm's object or the provider's JSON."""

    def field(source: Any, name: str) -> Any:
        return source.get(name) if isinstance(source, dict) else getattr(source, name, None)

    def count(value: Any) -> int:
        return max(int(value), 0) if isinstance(value, int | float) else 0

    return TokenUsage(
        prompt_tokens=count(field(usage, "prompt_tokens")),
        completion_tokens=count(field(usage, "completion_tokens")),
        cached_prompt_tokens=count(field(field(usage, "prompt_tokens_details"), "cached_tokens")),
    )


def cost_usd(model: str, usage: TokenUsage) -> float | None:
    """Price from litellm's bundled cost map; None for a model it does not know."""
    if model in _UNPRICED:
        return None
    configure()
    import litellm

    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cache_read_input_tokens=usage.cached_prompt_tokens,
        )
    except Exception:  # litellm raises for unmapped models; an unknown price is fine
        # and stays unknown: the map is the one bundled (asking again cost ~1 ms a call)
        _UNPRICED.add(model)
        return None
    return float(prompt_cost) + float(completion_cost)


_UNPRICED: set[str] = set()


def _key_names(model: str) -> str:
    import litellm

    try:
        provider = litellm.get_llm_provider(model)[1]
    except Exception:
        return "the provider's API key variable"
    return f"{provider.upper()}_API_KEY"


def check_credentials(model: str, api_base: str | None) -> None:
    """Fail before any request when the model's provider needs a variable that is not set."""
    configure()
    import litellm

    try:
        found = litellm.validate_environment(model=model, api_base=api_base)
    except Exception:  # a provider litellm cannot check: let the request tell
        return
    missing = [
        key for key in found.get("missing_keys", []) if not (api_base and key.endswith("_API_BASE"))
    ]
    if missing:
        raise ConfigurationError(
            f"the model {model!r} needs {' and '.join(missing)}: set it in the environment "
            "or in .env (or choose another TUTOR_MODEL)"
        )


def _headers(exc: Exception) -> Mapping[str, str] | None:
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    return cast(Mapping[str, str], headers) if headers else None


def _brief(exc: Exception) -> str:
    """What the provider said, for messages, logs and replies: one line, at most 300
    characters, and without credentials (a provider or proxy may echo the request's key)."""
    text = redact(" ".join(str(exc).split()))
    return text if len(text) <= 300 else text[:297] + "..."


def triage(exc: Exception, model: str) -> Transient | Exception:
    """Transient (retry, then fall back) or the error to raise now."""
    text = str(exc).lower()
    if any(hint in text for hint in MISSING_KEY_HINTS):
        return ConfigurationError(
            f"no API key for {model!r}: set {_key_names(model)} in the environment or in .env"
        )
    status = getattr(exc, "status_code", None)
    if isinstance(exc, TimeoutError | httpx.TimeoutException) or status == 408:
        return Transient("timeout")
    if isinstance(exc, httpx.TransportError):
        return Transient("connection error")
    if not isinstance(status, int):
        return exc  # not a provider failure: a bug to see, not to retry
    if status in (409, 425, 429) or status >= 500:
        return Transient(f"HTTP {status}: {_brief(exc)}", retry_after_seconds(_headers(exc)))
    if status in (401, 403):
        return ConfigurationError(
            f"the provider refused the credentials for {model!r} (HTTP {status}): "
            f"check {_key_names(model)} (and TUTOR_API_BASE if set)"
        )
    if status == 404:
        return ConfigurationError(
            f"the provider does not serve {model!r} (HTTP 404): check TUTOR_MODEL, "
            f"TUTOR_FALLBACK_MODELS and TUTOR_API_BASE ({_brief(exc)})"
        )
    return LLMRequestError(f"{model!r} rejected the request (HTTP {status}): {_brief(exc)}")
