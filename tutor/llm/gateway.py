"""The LLM gateway: every model call in tutor goes through one :class:`Gateway`.

A call is looked up in the cache, sent with bounded retries and fallbacks, priced, recorded
in the usage ledger (one log line each) and cached once accepted. The cache write does not hold
up the reply: in the service it runs in the background (:mod:`tutor.write_behind`), and the
reply is served from memory to identical requests until it is written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tutor.config import Settings
from tutor.errors import ConfigurationError, LLMOutputInvalidError
from tutor.llm import provider, structured
from tutor.llm.cache import CachedReply, ResponseCache, cache_from_settings
from tutor.llm.dispatch import Dispatcher
from tutor.llm.flight import SingleFlight
from tutor.llm.messages import ChatRequest, Completion, Message, StructuredCompletion, TokenUsage
from tutor.llm.retry import RetryPolicy, Sleep
from tutor.llm.usage import UsageLedger, UsageRecord, add_costs
from tutor.metrics import CACHE_REQUESTS
from tutor.offload import offload
from tutor.store import Database
from tutor.write_behind import WriteBehind

T = TypeVar("T", bound=BaseModel)


class Gateway:
    """litellm behind one small API: ``complete``, ``structured`` and ``stream``.

    ``api_base`` applies to every model (one OpenAI-compatible endpoint, or each provider's
    default when None); ``direct``: whole completions of an ``openai/`` model on that endpoint
    skip litellm (:mod:`tutor.llm.direct`, ``TUTOR_LLM_DIRECT``). ``sleep`` is injectable so
    that tests need not wait for backoff.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        fallbacks: Sequence[str] = (),
        cache: ResponseCache | None = None,
        ledger: UsageLedger | None = None,
        sleep: Sleep = asyncio.sleep,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        direct: bool = False,
    ) -> None:
        if not model.strip():
            raise ConfigurationError("the gateway needs a model: set TUTOR_MODEL")
        if timeout <= 0 or max_retries < 0:
            raise ConfigurationError("TUTOR_LLM_TIMEOUT must be > 0, TUTOR_LLM_MAX_RETRIES >= 0")
        self.model = model
        self.models = tuple(dict.fromkeys(m for m in (model, *fallbacks) if m.strip()))
        self.api_base = api_base
        self.timeout = timeout
        self.cache = cache
        self._writes = WriteBehind(self._put_many) if cache is not None else None
        self.ledger = ledger if ledger is not None else UsageLedger()
        self.policy = RetryPolicy(max_retries, base_delay=base_delay, max_delay=max_delay)
        self._dispatch = Dispatcher(
            self.models,
            api_base=api_base,
            timeout=timeout,
            policy=self.policy,
            sleep=sleep,
            ledger=self.ledger,
            direct=direct,
        )
        self._flights = SingleFlight()
        provider.configure()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        ledger: UsageLedger | None = None,
        sleep: Sleep = asyncio.sleep,
        database: Database | None = None,
    ) -> Gateway:
        """``database``: where the reply cache lives (by default the configured database)."""
        if not settings.model:
            raise ConfigurationError(
                "no LLM is configured: set TUTOR_MODEL to a litellm model string (for example "
                "openai/gpt-4o-mini, with OPENAI_API_KEY set), or use the offline engine"
            )
        return cls(
            settings.model,
            api_base=settings.api_base,
            direct=settings.llm_direct,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            fallbacks=settings.fallback_models,
            cache=cache_from_settings(settings, database),
            ledger=ledger,
            sleep=sleep,
        )

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        prompt: str,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        request = ChatRequest(
            prompt=prompt, messages=tuple(messages), temperature=temperature, max_tokens=max_tokens
        )
        key = self._key(request)
        async with self._flight(key):
            if (hit := await self._cached(key, request, "complete")) is not None:
                return hit
            reply = await self._dispatch.send(request, "complete")
            await self._store(key, reply)
            return reply

    async def structured(
        self,
        messages: Sequence[Message],
        output_model: type[T],
        *,
        prompt: str,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> StructuredCompletion[T]:
        """A reply validated as ``output_model``, after at most one repair call."""
        request = ChatRequest(
            prompt=prompt,
            messages=tuple(messages),
            temperature=temperature,
            max_tokens=max_tokens,
            response_format=structured.response_format(output_model),
        )
        key = self._key(request)
        async with self._flight(key):
            if (hit := await self._cached(key, request, "structured")) is not None:
                try:
                    return _structured(structured.parse(output_model, hit.text), [hit])
                except ValidationError:
                    pass  # cached under an older shape of the model: ask again
            first = await self._dispatch.send(request, "structured")
            try:
                output = structured.parse(output_model, first.text)
            except ValidationError as exc:
                errors = structured.describe(exc)
            else:
                await self._store(key, first)
                return _structured(output, [first])
            repair = request.followed_by(*structured.repair_messages(first.text, errors))
            second = await self._dispatch.send(repair, "repair")
            try:
                output = structured.parse(output_model, second.text)
            except ValidationError as exc:
                errors = structured.describe(exc)
                raise LLMOutputInvalidError(
                    f"{second.model} did not produce a valid {output_model.__name__} for "
                    f"{prompt}, even after a repair request:\n{errors}",
                    prompt=prompt,
                    errors=errors,
                    raw=second.text,
                ) from exc
            await self._store(key, second)
            return _structured(output, [first, second], repaired=True)

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        prompt: str,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        on_model: Callable[[str], None] | None = None,
    ) -> AsyncIterator[str]:
        """Text deltas as they arrive; usage is recorded when the provider reports it.

        Retries and fallbacks apply until the first delta; a failure after it raises
        :class:`LLMUnavailableError`. A reply read to its end is cached like ``complete``'s.
        ``on_model`` is told which model answers (a fallback, or the cached reply's model)
        before the first delta, since the deltas themselves do not say.
        """
        request = ChatRequest(
            prompt=prompt, messages=tuple(messages), temperature=temperature, max_tokens=max_tokens
        )
        key = self._key(request)
        if (hit := await self._cached(key, request, "stream")) is not None:
            if on_model is not None:
                on_model(hit.model)
            yield hit.text
            return
        finished: list[Completion] = []  # the whole reply, once the provider sent all of it
        async for delta in self._dispatch.stream(request, finished.append, on_model):
            yield delta
        for reply in finished:
            await self._store(key, reply)

    def _key(self, request: ChatRequest) -> str:
        """The request's cache key; none without a cache (hashing the rendered messages was
        1.7% of the event loop's time under explain load, for nothing then)."""
        return request.cache_key(self.model, self.api_base) if self.cache is not None else ""

    def _flight(self, key: str) -> AbstractAsyncContextManager[None]:
        """Identical requests wait for the first one only when its reply will be cached for
        them. Without a cache each calls the provider anyway, so waiting would only run them
        one after another: 50 learners asking one of 10 questions got 10 calls in flight
        (about 30 explanations/s with a 300 ms model) instead of 50."""
        return self._flights.hold(key) if self.cache is not None else nullcontext()

    async def _cached(self, key: str, request: ChatRequest, kind: str) -> Completion | None:
        """A cache hit spends nothing: it is recorded with zero tokens and zero cost. The
        cache is read in a worker thread (it may be the database)."""
        if self.cache is None:
            return None
        started = time.perf_counter()
        hit = self._writes.get(key) if self._writes is not None else None
        if hit is None:
            hit = await offload(self.cache.get, key)
        CACHE_REQUESTS.labels("llm", "miss" if hit is None else "hit").inc()
        if hit is None:
            return None
        self.ledger.record(
            UsageRecord(
                model=hit.model,
                prompt=request.prompt,
                prompt_tokens=0,
                completion_tokens=0,
                cost_usd=0.0,
                cached=True,
                latency_s=time.perf_counter() - started,
                kind=kind,
            )
        )
        return Completion(
            text=hit.text,
            model=hit.model,
            prompt=request.prompt,
            usage=TokenUsage(),
            cost_usd=0.0,
            cached=True,
        )

    async def _store(self, key: str, reply: Completion) -> None:
        """Cached in the background; read from memory by identical requests until written."""
        if self._writes is not None:
            cached = CachedReply(text=reply.text, model=reply.model, usage=reply.usage)
            await self._writes.put([(key, cached)])

    def _put_many(self, entries: Sequence[tuple[str, CachedReply]]) -> None:
        assert self.cache is not None
        for key, reply in entries:
            self.cache.put(key, reply)


def _structured(
    output: T, calls: Sequence[Completion], *, repaired: bool = False
) -> StructuredCompletion[T]:
    final = calls[-1]
    return StructuredCompletion(
        output=output,
        text=final.text,
        model=final.model,
        prompt=final.prompt,
        usage=sum((c.usage for c in calls), TokenUsage()),
        cost_usd=add_costs(*(c.cost_usd for c in calls)),
        cached=final.cached,
        repaired=repaired,
    )
