import httpx
import numpy as np
import pytest

from tutor.errors import ConfigurationError, LLMUnavailableError
from tutor.llm.embeddings import LiteLLMEmbedder
from tutor.retrieval.embedder import make_embedder

EMBED_URL = "https://api.openai.com/v1/embeddings"


def embeddings(vectors: list[list[float]]) -> httpx.Response:
    # Out of order on purpose: items are matched to texts by their index.
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)][
        ::-1
    ]
    return httpx.Response(
        200,
        json={
            "object": "list",
            "data": data,
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 4, "total_tokens": 4},
        },
    )


def test_vectors_come_back_in_order_and_normalised(provider, sleeps):
    route = provider.router.post(EMBED_URL).mock(
        side_effect=[embeddings([[3.0, 4.0], [0.0, 2.0]]), embeddings([[1.0, 0.0]])]
    )
    embedder = LiteLLMEmbedder("openai/text-embedding-3-small", batch_size=2)

    vectors = embedder.embed(["a", "b", "c"])

    assert route.call_count == 2  # batches of two
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]], rtol=1e-6)
    assert embedder.name == "litellm:openai/text-embedding-3-small"


def test_rate_limits_are_retried_but_never_with_another_model(provider):
    waits: list[float] = []
    route = provider.router.post(EMBED_URL).mock(
        side_effect=[
            httpx.Response(429, json={"error": {"message": "slow"}}, headers={"retry-after": "3"}),
            embeddings([[1.0, 0.0]]),
        ]
    )

    vectors = LiteLLMEmbedder("openai/text-embedding-3-small", sleep=waits.append).embed(["a"])

    assert route.call_count == 2 and waits == [3.0] and vectors.shape == (1, 2)


def test_an_outage_raises_llm_unavailable(provider):
    waits: list[float] = []
    provider.router.post(EMBED_URL).mock(
        return_value=httpx.Response(503, json={"error": {"message": "down"}})
    )
    embedder = LiteLLMEmbedder("openai/text-embedding-3-small", max_retries=1, sleep=waits.append)

    with pytest.raises(LLMUnavailableError, match="HTTP 503"):
        embedder.embed(["a"])
    assert waits == [1.0]


def test_bad_credentials_name_the_variable(provider):
    provider.router.post(EMBED_URL).mock(
        return_value=httpx.Response(401, json={"error": {"message": "Incorrect API key"}})
    )

    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        LiteLLMEmbedder("openai/text-embedding-3-small").embed(["a"])


def test_the_retrieval_registry_builds_it():
    embedder = make_embedder("litellm", model="openai/text-embedding-3-small", batch_size=8)

    assert isinstance(embedder, LiteLLMEmbedder)
    assert embedder.embed([]).shape[0] == 0
