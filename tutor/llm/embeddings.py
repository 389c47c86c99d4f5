"""Embeddings through litellm (``TUTOR_EMBEDDER=litellm``), for the retrieval index.

Implements :class:`tutor.retrieval.embedder.Embedder`. Same retry rules as the gateway
(429/5xx/timeouts with backoff honouring ``Retry-After``), but no fallback model: vectors
from another model live in another space, so a fallback would corrupt the index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor.errors import ConfigurationError, LLMUnavailableError
from tutor.llm import provider
from tutor.llm.retry import RetryPolicy

Vectors = npt.NDArray[np.float32]

logger = logging.getLogger("tutor.llm")


class LiteLLMEmbedder:
    """A provider's embedding model; vectors are L2-normalised like the offline embedder's."""

    def __init__(
        self,
        model: str,
        batch_size: int = 64,
        *,
        api_base: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not model.strip():
            raise ConfigurationError("TUTOR_EMBEDDER=litellm needs TUTOR_EMBEDDING_MODEL")
        self.model = model
        self.api_base = api_base
        self.timeout = timeout
        self._batch_size = max(1, batch_size)
        self._policy = RetryPolicy(max_retries)
        self._sleep = sleep
        provider.configure()

    @property
    def name(self) -> str:
        return f"litellm:{self.model}"

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        provider.check_credentials(self.model, self.api_base)
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            rows += self._embed_batch(texts[start : start + self._batch_size])
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: Vectors = (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        import litellm

        kwargs: dict[str, Any] = {
            "model": self.model,
            "input": batch,
            "timeout": self.timeout,
            "num_retries": 0,
            "max_retries": 0,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        reason = "none"
        for retry in range(self._policy.max_retries + 1):
            started = time.perf_counter()
            try:
                response = _in_worker_thread(litellm.embedding, **kwargs)
            except Exception as exc:
                verdict = provider.triage(exc, self.model)
                if verdict is exc:
                    raise
                if isinstance(verdict, Exception):
                    raise verdict from exc
                reason = verdict.reason
                if retry < self._policy.max_retries:
                    self._sleep(self._policy.delay(retry, verdict.retry_after))
                continue
            data = sorted(response.data, key=lambda item: _field(item, "index"))
            usage = getattr(response, "usage", None)
            logger.info(
                "llm embed model=%s texts=%d tokens=%s latency_ms=%d",
                self.model,
                len(batch),
                getattr(usage, "prompt_tokens", "unknown"),
                round((time.perf_counter() - started) * 1000),
            )
            return [list(_field(item, "embedding")) for item in data]
        raise LLMUnavailableError(
            f"the embedding model {self.model!r} did not answer after "
            f"{self._policy.max_retries + 1} attempt(s); last failure: {reason}"
        )


def _field(item: Any, name: str) -> Any:
    """litellm returns embedding items as dicts or as objects, depending on the provider."""
    return item[name] if isinstance(item, dict) else getattr(item, name)


def _in_worker_thread(function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call litellm's blocking API off this thread.

    After a blocking call litellm dispatches a monitoring hook on ``asyncio.get_event_loop()``,
    which on the main thread creates an event loop that nobody closes (a ResourceWarning
    later). In a fresh thread it finds no loop and uses ``asyncio.run``, which cleans up.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutor-embed") as pool:
        return pool.submit(function, **kwargs).result()
