"""Settings: every knob is a ``TUTOR_*`` variable (or a line in ``.env``)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, IPvAnyNetwork, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CacheKind = Literal["database", "memory", "off"]


def _in_checkout() -> bool:
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "corpus").is_dir()


def default_data_dir() -> Path:
    """``.tutor-data`` inside a source checkout, else the user's data directory."""
    if _in_checkout():
        return PROJECT_ROOT / ".tutor-data"
    return Path(platformdirs.user_data_dir("tutor"))


def default_corpus_dir() -> Path:
    return PROJECT_ROOT / "corpus" if _in_checkout() else Path("corpus")


class Settings(BaseSettings):
    """Configuration for the whole service, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    corpus_dir: Path = Field(default_factory=default_corpus_dir)
    chroma_url: str | None = None
    collection: str = "passages"
    embedder: Literal["minilm-int8", "minilm-fp32", "litellm"] = "minilm-int8"
    embedding_model: str | None = None
    embed_batch_size: int = Field(default=16, ge=1, le=1024)
    # Per process: query vectors remembered (0: off), and passages whose vectors the
    # lesson- and concept-filtered searches keep (1.5 KB each with MiniLM).
    query_cache_size: int = Field(default=1024, ge=0, le=1_000_000)
    filter_cache_passages: int = Field(default=50_000, ge=0, le=10_000_000)

    # The LLM gateway (tutor/llm). No model means the offline engine only.
    model: str | None = None  # a litellm model string, e.g. "openai/gpt-4o-mini"
    api_base: str | None = None  # an OpenAI-compatible endpoint used for every model
    # TUTOR_LLM_DIRECT=1: an openai/ model on a set api_base (vLLM, Ollama, a proxy) is called
    # with one POST of our own instead of through litellm (tutor/llm/direct.py): 4-6 ms less CPU
    # per call. Off by default: litellm, with the openai SDK underneath, is the gateway's way.
    llm_direct: bool = False
    llm_timeout: float = Field(default=60.0, gt=0)  # seconds per provider request
    llm_max_retries: int = Field(default=3, ge=0, le=10)  # per model, on 429/5xx/timeouts
    # TUTOR_FALLBACK_MODELS: comma-separated (or a JSON list), tried in order after `model`.
    fallback_models: Annotated[list[str], NoDecode] = Field(default_factory=list)
    llm_cache: CacheKind = "database"  # see "Caches" below
    prompts_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "prompts")

    @field_validator("fallback_models", "trusted_proxies", mode="before")
    @classmethod
    def _split_models(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    # The learner store (tutor/store) and the learner model (tutor/learners).
    # TUTOR_DATABASE_URL: any SQLAlchemy URL (postgresql+psycopg://...); unset: SQLite
    # at <data_dir>/tutor.db.
    database_url: str | None = None
    mastery_threshold: float = Field(default=0.95, gt=0.5, lt=1)  # P(known) counted as mastered
    mastery_check: int = Field(default=2, ge=0, le=10)  # ... once the last N answers were right
    target_success: float = Field(default=0.7, gt=0, lt=1)  # next item's predicted P(success)
    recent_items: int = Field(default=3, ge=0, le=50)  # next item is none of the last N answered
    review_after_hours: float = Field(default=24.0, gt=0)  # first review of a mastered concept
    review_growth: float = Field(default=2.0, ge=1)  # each success in a row multiplies the interval

    # Tutoring (tutor/tutoring). A question is "covered" when its best passage scores at least
    # this cosine similarity. Calibrated for minilm-int8 on the starter corpus (see
    # docs/design/tutoring.md); recalibrate it for another embedder.
    coverage_threshold: float = Field(default=0.33, ge=0, le=1)
    history_turns: int = Field(default=10, ge=0, le=100)  # earlier messages a follow-up sees
    max_request_bytes: int = Field(default=65_536, ge=1024)  # larger request bodies get a 413
    # Observability (tutor/logs.py, tutor/metrics.py): TUTOR_LOG_FORMAT=json makes every log
    # line of `tutor serve` one JSON object, each with its request's id; GET /metrics serves
    # Prometheus metrics without a key unless TUTOR_METRICS=false (404), or only with
    # `Authorization: Bearer <TUTOR_METRICS_TOKEN>` when that is set.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    metrics: bool = True
    metrics_token: str | None = Field(default=None, min_length=16, repr=False)
    # Blocking work (embedding, Chroma, the offline grader, database calls) runs in one pool of
    # worker threads (tutor/offload.py): TUTOR_WORKER_THREADS threads (unset: CPUs + 4, at most
    # 32), at most TUTOR_QUEUE_LIMIT calls waiting for one, each for at most TUTOR_QUEUE_TIMEOUT
    # seconds; past either, the request gets a 503 with Retry-After.
    worker_threads: int | None = Field(default=None, ge=1, le=256)
    queue_limit: int = Field(default=256, ge=1)
    queue_timeout: float = Field(default=10.0, gt=0)
    # TUTOR_TRUSTED_PROXIES: comma-separated addresses or networks (or a JSON list) whose
    # X-Forwarded-For / Forwarded headers name the client; from anyone else they are not trusted.
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)

    # Grading (tutor/grading/service.py). With TUTOR_MODEL set, each answer is graded by
    # TUTOR_GRADE_SAMPLES model calls and a majority vote. Grades are cached per engine, version,
    # item and normalised answer.
    grade_samples: int = Field(default=1, ge=1, le=9)
    grade_cache: CacheKind = "database"

    # Caches (TUTOR_LLM_CACHE, TUTOR_GRADE_CACHE): "database" keeps entries in the service's
    # database, shared by every replica (tutor/store/caches.py); "memory" in the process; "off"
    # keeps none. "sqlite", the old file in the data dir, now means "database" (by default a
    # SQLite file in the data dir too). An entry older than TUTOR_CACHE_MAX_AGE_DAYS is a miss,
    # and each table keeps about TUTOR_CACHE_MAX_ENTRIES (the oldest beyond are deleted).
    cache_max_age_days: float = Field(default=30.0, gt=0)
    cache_max_entries: int = Field(default=100_000, ge=100)

    @field_validator("llm_cache", "grade_cache", mode="before")
    @classmethod
    def _old_cache_names(cls, value: object) -> object:
        return "database" if value == "sqlite" else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
