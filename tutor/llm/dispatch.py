"""Sending one request: credentials check, retries and fallbacks, then price and record it.

Every provider request ends within ``timeout`` seconds, and a streamed reply may go at most
``timeout`` seconds without a chunk, whatever the transport does (a provider that accepts the
connection and then says nothing would otherwise hold a learner's request open).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from tutor.errors import LLMUnavailableError, TutorError
from tutor.llm import provider
from tutor.llm.messages import ChatRequest, Completion, TokenUsage
from tutor.llm.retry import RetryPolicy, Sleep, call_with_fallbacks
from tutor.llm.usage import UsageLedger, UsageRecord
from tutor.metrics import LLM_FAILURES

R = TypeVar("R")

logger = logging.getLogger("tutor.llm")


class Dispatcher:
    def __init__(
        self,
        models: Sequence[str],
        *,
        api_base: str | None,
        timeout: float,
        policy: RetryPolicy,
        sleep: Sleep,
        ledger: UsageLedger,
        direct: bool = False,
    ) -> None:
        self.models = tuple(models)
        self.api_base = api_base
        self.direct = direct
        self.timeout = timeout
        self.policy = policy
        self.ledger = ledger
        self._sleep = sleep
        self._credentials_checked = False

    async def send(self, request: ChatRequest, kind: str) -> Completion:
        self._check_credentials()
        started = time.perf_counter()

        async def call(model: str) -> tuple[str, provider.Reply]:
            async with asyncio.timeout(self.timeout):  # whatever the transport does
                reply = await provider.complete(
                    model, request, api_base=self.api_base, timeout=self.timeout,
                    direct=self.direct,
                )  # fmt: skip
            return model, reply

        model, reply = await self._with_fallbacks(call, request, started)
        cost = reply.cost_usd if reply.priced else provider.cost_usd(model, reply.usage)
        return self._account(request, model, reply.text, reply.usage, started, kind, cost)

    async def stream(
        self,
        request: ChatRequest,
        on_done: Callable[[Completion], None],
        on_open: Callable[[str], None] | None = None,
    ) -> AsyncIterator[str]:
        """Deltas; ``on_open`` learns which model answers (a fallback, maybe) before the first
        delta, and ``on_done`` gets the whole reply once the provider has sent all of it."""
        self._check_credentials()
        started = time.perf_counter()

        async def open_stream(model: str) -> tuple[str, AsyncIterator[Any]]:
            async with asyncio.timeout(self.timeout):
                chunks = await provider.open_stream(
                    model, request, api_base=self.api_base, timeout=self.timeout
                )
            return model, chunks

        model, chunks = await self._with_fallbacks(open_stream, request, started)
        if on_open is not None:
            on_open(model)
        parts: list[str] = []
        usage: TokenUsage | None = None
        iterator = aiter(chunks)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timeout):  # a stalled stream ends too
                        chunk = await anext(iterator)
                except StopAsyncIteration:
                    break
                except TimeoutError as exc:
                    raise LLMUnavailableError(
                        f"{model} sent nothing for {self.timeout:g} s in the middle of a streamed "
                        f"reply for {request.prompt} (TUTOR_LLM_TIMEOUT); try again"
                    ) from exc
                except Exception as exc:
                    raise LLMUnavailableError(
                        f"{model} stopped in the middle of a streamed reply for {request.prompt}: "
                        f"{type(exc).__name__}; try again"
                    ) from exc
                delta, reported = provider.chunk_delta(chunk)
                usage = reported or usage
                if delta:
                    parts.append(delta)
                    yield delta
        finally:  # also when the reader stops early: release the connection now
            if (close := getattr(chunks, "aclose", None)) is not None:
                await close()
        cost = provider.cost_usd(model, usage) if usage is not None else None
        on_done(self._account(request, model, "".join(parts), usage, started, "stream", cost))

    async def _with_fallbacks(
        self, call: Callable[[str], Awaitable[R]], request: ChatRequest, started: float
    ) -> R:
        """The calls, with retries and fallbacks; a failure is logged as one line."""
        try:
            return await call_with_fallbacks(
                call, self.models, policy=self.policy, sleep=self._sleep, triage=provider.triage
            )
        except TutorError as exc:
            LLM_FAILURES.labels(request.prompt, exc.code).inc()
            logger.warning(
                "llm failed prompt=%s models=%s error=%s latency_ms=%d",
                request.prompt,
                ",".join(self.models),
                exc.code,
                round((time.perf_counter() - started) * 1000),
            )
            raise

    def _check_credentials(self) -> None:
        """Every model's, before the first request: a missing key is a setting to fix, not an
        outage. Once they passed, not again (litellm's check was ~2% of a busy event loop): the
        environment a dispatcher was built in does not lose a key."""
        if self._credentials_checked:
            return
        for model in self.models:
            provider.check_credentials(model, self.api_base)
        self._credentials_checked = True

    def _account(
        self,
        request: ChatRequest,
        model: str,
        text: str,
        usage: TokenUsage | None,
        started: float,
        kind: str,
        cost: float | None,
    ) -> Completion:
        """Record a priced reply; a stream that reported no usage has an unknown cost."""
        usage = usage or TokenUsage()
        self.ledger.record(
            UsageRecord(
                model=model,
                prompt=request.prompt,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cached_prompt_tokens=usage.cached_prompt_tokens,
                cost_usd=cost,
                cached=False,
                latency_s=time.perf_counter() - started,
                kind=kind,
            )
        )
        return Completion(
            text=text, model=model, prompt=request.prompt, usage=usage, cost_usd=cost, cached=False
        )
