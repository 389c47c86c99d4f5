"""The LLM gateway: the only code in tutor that talks to litellm (and so to a provider).

gateway = Gateway.from_settings(get_settings())
reply = await gateway.structured(rendered.messages, Explanation, prompt=rendered.ref)
"""

from tutor.llm.cache import CachedReply, MemoryCache, ResponseCache, SQLiteCache
from tutor.llm.gateway import Gateway
from tutor.llm.messages import (
    ChatRequest,
    Completion,
    Message,
    Role,
    StructuredCompletion,
    TokenUsage,
)
from tutor.llm.retry import RetryPolicy
from tutor.llm.usage import UsageLedger, UsageRecord, UsageTotals

__all__ = [
    "CachedReply",
    "ChatRequest",
    "Completion",
    "Gateway",
    "MemoryCache",
    "Message",
    "ResponseCache",
    "RetryPolicy",
    "Role",
    "SQLiteCache",
    "StructuredCompletion",
    "TokenUsage",
    "UsageLedger",
    "UsageRecord",
    "UsageTotals",
]
