"""The service's Prometheus metrics, all in one place (``GET /metrics`` exposes them).

Metrics are process-wide by nature, so these are module-level objects of the standard client
library, as it intends; the code that does the work records into them (the HTTP middleware, the
LLM gateway's usage ledger, the grading service, the worker pool) and reads nothing back.
Tests compare a scrape before and after what they do.

Labels are bounded: a route is its template (``/v1/items/{item_id}/attempts``), never the raw
path; a model, a prompt ``name@version``, an engine and an error code come from configuration
and code, never from a request.

``tutor serve --workers N`` runs N processes. There the library's multiprocess mode is on:
``PROMETHEUS_MULTIPROC_DIR`` names a folder where each process keeps its values (the CLI sets
it before the workers start, and it must be set before this module is first imported), and a
scrape of any worker adds up every worker's counters and histograms; the gauges are summed over
the processes alive (``livesum``). Per-process metrics (CPU, memory, open files) are not in
multiprocess scrapes: the library cannot collect them across processes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# HTTP: seconds from the request to the last byte of the response (a whole SSE stream)
HTTP_SECONDS = Histogram(
    "tutor_http_request_duration_seconds",
    "Time to answer a request, to the last byte of the response, per route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
HTTP_REQUESTS = Counter(
    "tutor_http_requests_total", "Requests answered, per route template and status code.",
    ["method", "route", "status"],
)  # fmt: skip

# The LLM gateway: calls that reached a provider (cache hits are in tutor_cache_requests_total)
LLM_CALLS = Counter(
    "tutor_llm_calls_total", "Provider calls answered, per model, prompt and kind.",
    ["model", "prompt", "kind"],
)  # fmt: skip
LLM_TOKENS = Counter(
    "tutor_llm_tokens_total", "Tokens the provider reported, per model and direction.",
    ["model", "direction"],
)  # fmt: skip
LLM_CACHED_PROMPT_TOKENS = Counter(
    "tutor_llm_cached_prompt_tokens_total",
    "Of the prompt tokens, those the provider read from its prompt cache (billed at its cached "
    "price), per model.",
    ["model"],
)  # fmt: skip
LLM_COST = Counter(
    "tutor_llm_cost_usd_total", "Cost of provider calls in US dollars (known prices only).",
    ["model"],
)  # fmt: skip
LLM_UNPRICED = Counter(
    "tutor_llm_unpriced_calls_total", "Provider calls whose cost is unknown (no price, or a "
    "stream that reported no usage).", ["model"],
)  # fmt: skip
LLM_SECONDS = Histogram(
    "tutor_llm_call_duration_seconds", "Time a provider call took, retries and fallbacks included.",
    ["model", "kind"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120),
)  # fmt: skip
LLM_FAILURES = Counter(
    "tutor_llm_failures_total", "Model requests that failed after retries and fallbacks, "
    "per prompt and error code.", ["prompt", "error"],
)  # fmt: skip

# Caches: the LLM response cache ("llm") and the grade cache ("grade")
CACHE_REQUESTS = Counter(
    "tutor_cache_requests_total", "Cache lookups, per cache and result (hit or miss).",
    ["cache", "result"],
)  # fmt: skip

# Grading: grades newly made (not cached), per engine ("offline" or the model)
GRADES = Counter("tutor_grades_total", "Grades made, per engine that made them.", ["engine"])
GRADE_STAND_INS = Counter(
    "tutor_grade_stand_ins_total",
    "Offline grades that stood in for the model's because it could not grade.",
)

# The worker pool (tutor/offload.py), summed over the processes alive
WORKER_THREADS = Gauge(
    "tutor_worker_threads", "Worker threads for blocking work.", multiprocess_mode="livesum"
)
WORKER_BUSY = Gauge(
    "tutor_worker_busy_threads", "Worker threads running a call now.", multiprocess_mode="livesum"
)
WORKER_WAITING = Gauge(
    "tutor_worker_queue_depth", "Calls waiting for a worker thread now.",
    multiprocess_mode="livesum",
)  # fmt: skip
WORKER_REFUSED = Counter(
    "tutor_worker_refused_total",
    "Calls refused with a 503 (queue full) or dropped (no worker in time).",
)


def exposition() -> tuple[bytes, str]:
    """The scrape: every metric in Prometheus' text format, and its content type (all worker
    processes' values in multiprocess mode, this process's otherwise)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def forget_process(pid: int) -> None:
    """A worker process is ending: its gauges leave the ``livesum`` (multiprocess mode)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


@contextmanager
def shared_between_workers(workers: int) -> Iterator[None]:
    """For ``tutor serve``: with several worker processes, a fresh folder for their values
    (``PROMETHEUS_MULTIPROC_DIR``, inherited by the workers), removed afterwards. A folder the
    environment already names is used at any worker count and emptied first, as the library
    asks (values left by an earlier run would be added to this one's), except for this
    process's own files, which it opened when this module was imported."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        mine = f"_{os.getpid()}"  # this process's own files are open already: keep them
        for stale in Path(given).glob("*.db"):
            if not stale.stem.endswith(mine):
                stale.unlink()
        yield
        return
    if workers == 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="tutor-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
