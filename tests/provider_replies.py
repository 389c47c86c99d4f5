"""Canned OpenAI chat-completion replies for respx routes at the provider's HTTP edge."""

from __future__ import annotations

import httpx


def chat_completion(
    content: str, *, prompt_tokens: int = 20, completion_tokens: int = 5
) -> httpx.Response:
    """A successful ``chat.completion`` whose one choice says ``content``."""
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )
