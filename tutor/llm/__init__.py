"""The LLM gateway: the only code in tutor that talks to litellm (and so to a provider).

gateway = Gateway.from_settings(get_settings())
reply = await gateway.structured(rendered.messages, Explanation, prompt=rendered.ref)
"""

from tutor.llm.cache import CachedReply, DatabaseCache, MemoryCache, ResponseCache
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
    "DatabaseCache",
    "Gateway",
    "MemoryCache",
    "Message",
    "ResponseCache",
    "RetryPolicy",
    "Role",
    "StructuredCompletion",
    "TokenUsage",
    "UsageLedger",
    "UsageRecord",
    "UsageTotals",
]
