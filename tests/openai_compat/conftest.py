"""The real openai client, pointed at the real service."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from tests.api.conftest import server_url

__all__ = ["openai_client", "server_url"]


@pytest.fixture
def openai_client(server_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=server_url + "/v1", api_key="unused", max_retries=0, timeout=30
    ) as client:
        yield client
