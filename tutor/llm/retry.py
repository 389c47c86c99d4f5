"""Bounded retries with exponential backoff, then fallback models, then a typed failure.

At most ``(1 + max_retries) * len(models)`` provider requests are made; the gateway does
this loop itself (litellm's own retries are off) so that it is bounded and testable.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tutor.errors import LLM_RETRY_AFTER, LLMUnavailableError

logger = logging.getLogger("tutor.llm")

R = TypeVar("R")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry`` (0-based).

        The provider's ``Retry-After`` wins when sent; otherwise ``base_delay * 2**retry``.
        Either way no wait exceeds ``max_delay``.
        """
        wanted = retry_after if retry_after is not None else self.base_delay * 2**retry
        return max(0.0, min(wanted, self.max_delay))


@dataclass(frozen=True)
class Transient:
    """A failure worth retrying: why, and how long the provider asked us to wait."""

    reason: str
    retry_after: float | None = None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """``retry-after-ms``, or ``Retry-After`` as seconds or an HTTP date; None if absent."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


async def call_with_fallbacks(
    call: Callable[[str], Awaitable[R]],
    models: Sequence[str],
    *,
    policy: RetryPolicy,
    sleep: Sleep,
    triage: Callable[[Exception, str], Transient | Exception],
) -> R:
    """``await call(model)`` for each model in turn until one succeeds.

    ``triage`` turns a failure into :class:`Transient` (retry, then fall back) or into the
    exception to raise at once (a client error no retry can fix).
    """
    failures: list[str] = []
    asked: float | None = None  # the longest Retry-After a provider sent
    for index, model in enumerate(models):
        for retry in range(policy.max_retries + 1):
            try:
                return await call(model)
            except Exception as exc:
                verdict = triage(exc, model)
                if verdict is exc:
                    raise
                if isinstance(verdict, Exception):
                    raise verdict from exc
                failures.append(f"{model}: {verdict.reason}")
                if verdict.retry_after is not None:
                    asked = max(asked or 0.0, verdict.retry_after)
                if retry == policy.max_retries:
                    break
                delay = policy.delay(retry, verdict.retry_after)
                logger.warning(
                    "llm retry model=%s attempt=%d/%d reason=%s wait_s=%.2f",
                    model,
                    retry + 1,
                    policy.max_retries + 1,
                    verdict.reason,
                    delay,
                )
                await sleep(delay)
        if index + 1 < len(models):
            logger.warning("llm fallback from=%s to=%s", model, models[index + 1])
    raise LLMUnavailableError(
        f"no model answered after {len(failures)} attempt(s) "
        f"({', '.join(models)}); last failure: {failures[-1] if failures else 'none'}. "
        "Check the provider's status, TUTOR_MODEL and TUTOR_FALLBACK_MODELS.",
        retry_after=client_retry_after(asked),
    )


def client_retry_after(asked: float | None) -> int:
    """Whole seconds for our ``Retry-After``: the provider's when it sent one (at least 1,
    at most an hour), else :data:`~tutor.errors.LLM_RETRY_AFTER`."""
    if asked is None:
        return LLM_RETRY_AFTER
    return min(3600, max(1, math.ceil(asked)))
