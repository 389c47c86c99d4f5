"""What each model call cost, one record per call (cache hits included), with totals."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field

from tutor.metrics import (
    LLM_CACHED_PROMPT_TOKENS,
    LLM_CALLS,
    LLM_COST,
    LLM_SECONDS,
    LLM_TOKENS,
    LLM_UNPRICED,
)

logger = logging.getLogger("tutor.llm")


@dataclass(frozen=True)
class UsageRecord:
    """One provider call or cache hit. ``cost_usd`` is None when the model has no known price."""

    model: str
    prompt: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    cached: bool
    latency_s: float
    kind: str = "complete"  # complete | structured | repair | stream
    cached_prompt_tokens: int = 0  # of prompt_tokens, read from the provider's prompt cache


@dataclass(frozen=True)
class UsageTotals:
    calls: int
    cached_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float  # unknown costs count as 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


RECENT_RECORDS = 1000  # a service makes calls for months: older records live on in the totals


@dataclass
class _Sums:
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced_calls: int = 0


@dataclass
class UsageLedger:
    """Accumulates records; every record is also logged as one line on ``tutor.llm``, and a
    provider call is counted in the Prometheus metrics (a cache hit is counted by the gateway).

    ``records`` keeps the latest :data:`RECENT_RECORDS` (a ledger lives as long as the service;
    keeping every record grew it by one per call); the totals cover every call. Safe to read
    from another thread (a progress bar) while the event loop records."""

    records: deque[UsageRecord] = field(default_factory=lambda: deque(maxlen=RECENT_RECORDS))
    _sums: dict[str, _Sums] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, record: UsageRecord) -> None:
        with self._lock:
            self.records.append(record)
            sums = self._sums.setdefault(record.prompt, _Sums())
            sums.calls += 1
            sums.cached_calls += record.cached
            sums.prompt_tokens += record.prompt_tokens
            sums.completion_tokens += record.completion_tokens
            if record.cost_usd is not None:
                sums.cost_usd += record.cost_usd
                sums.priced_calls += 1
        if not record.cached:
            _measure(record)
        # Never the API key or message content: names, counts, money and time only.
        logger.info(
            "llm %s prompt=%s model=%s tokens=%d+%d cost_usd=%s cached=%s latency_ms=%d",
            record.kind,
            record.prompt,
            record.model,
            record.prompt_tokens,
            record.completion_tokens,
            "unknown" if record.cost_usd is None else f"{record.cost_usd:.6f}",
            record.cached,
            round(record.latency_s * 1000),
        )

    def totals(self, prompt: str | None = None) -> UsageTotals:
        """Totals over every call recorded, or over one prompt ``name@version``."""
        with self._lock:
            rows = [s for p, s in self._sums.items() if prompt is None or p == prompt]
            return UsageTotals(
                calls=sum(s.calls for s in rows),
                cached_calls=sum(s.cached_calls for s in rows),
                prompt_tokens=sum(s.prompt_tokens for s in rows),
                completion_tokens=sum(s.completion_tokens for s in rows),
                cost_usd=sum(s.cost_usd for s in rows),
            )

    @property
    def priced(self) -> bool:
        """Whether any call so far had a known price."""
        with self._lock:
            return any(s.priced_calls for s in self._sums.values())


def _measure(record: UsageRecord) -> None:
    LLM_CALLS.labels(record.model, record.prompt, record.kind).inc()
    LLM_SECONDS.labels(record.model, record.kind).observe(record.latency_s)
    LLM_TOKENS.labels(record.model, "prompt").inc(record.prompt_tokens)
    LLM_TOKENS.labels(record.model, "completion").inc(record.completion_tokens)
    LLM_CACHED_PROMPT_TOKENS.labels(record.model).inc(record.cached_prompt_tokens)
    if record.cost_usd is None:
        LLM_UNPRICED.labels(record.model).inc()
    else:
        LLM_COST.labels(record.model).inc(record.cost_usd)


def add_costs(*costs: float | None) -> float | None:
    """Sum of known costs; None only when none is known."""
    known = [c for c in costs if c is not None]
    return sum(known) if known else None
