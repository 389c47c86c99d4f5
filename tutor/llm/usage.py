"""What each model call cost, one record per call (cache hits included), with totals."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tutor.metrics import LLM_CALLS, LLM_COST, LLM_SECONDS, LLM_TOKENS, LLM_UNPRICED

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


@dataclass
class UsageLedger:
    """Accumulates records; every record is also logged as one line on ``tutor.llm``, and a
    provider call is counted in the Prometheus metrics (a cache hit is counted by the gateway)."""

    records: list[UsageRecord] = field(default_factory=list)

    def record(self, record: UsageRecord) -> None:
        self.records.append(record)
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
        """Totals over all records, or over one prompt ``name@version``."""
        rows = [r for r in self.records if prompt is None or r.prompt == prompt]
        return UsageTotals(
            calls=len(rows),
            cached_calls=sum(r.cached for r in rows),
            prompt_tokens=sum(r.prompt_tokens for r in rows),
            completion_tokens=sum(r.completion_tokens for r in rows),
            cost_usd=sum(r.cost_usd or 0.0 for r in rows),
        )


def _measure(record: UsageRecord) -> None:
    LLM_CALLS.labels(record.model, record.prompt, record.kind).inc()
    LLM_SECONDS.labels(record.model, record.kind).observe(record.latency_s)
    LLM_TOKENS.labels(record.model, "prompt").inc(record.prompt_tokens)
    LLM_TOKENS.labels(record.model, "completion").inc(record.completion_tokens)
    if record.cost_usd is None:
        LLM_UNPRICED.labels(record.model).inc()
    else:
        LLM_COST.labels(record.model).inc(record.cost_usd)


def add_costs(*costs: float | None) -> float | None:
    """Sum of known costs; None only when none is known."""
    known = [c for c in costs if c is not None]
    return sum(known) if known else None
