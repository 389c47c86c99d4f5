"""Engines write the tutor's text: ``OfflineEngine`` without a model, ``LLMEngine`` with one.

engine = make_engine(settings, corpus=corpus, embedder=index.embedder)
draft = await engine.explain(question, hits)
"""

from __future__ import annotations

from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.engines.base import (
    AttemptContext,
    Draft,
    Engine,
    FollowUp,
    FollowUpKind,
    HintRequest,
    Streamed,
    Turn,
    chunked,
)
from tutor.engines.llm import Explanation, LLMEngine
from tutor.engines.offline import OfflineEngine
from tutor.retrieval import Embedder

__all__ = [
    "AttemptContext",
    "Draft",
    "Engine",
    "Explanation",
    "FollowUp",
    "FollowUpKind",
    "HintRequest",
    "LLMEngine",
    "OfflineEngine",
    "Streamed",
    "Turn",
    "chunked",
    "engine_name",
    "make_engine",
]


def engine_name(settings: Settings) -> str:
    """What replies will say in ``engine``: the model when one is set, else "offline"."""
    return settings.model or OfflineEngine.name


def make_engine(settings: Settings, *, corpus: Corpus, embedder: Embedder) -> Engine:
    """The LLM engine when ``TUTOR_MODEL`` is set, else the offline engine."""
    if not settings.model:
        return OfflineEngine(embedder, corpus)
    from tutor.llm import Gateway
    from tutor.prompts import PromptLibrary

    return LLMEngine(Gateway.from_settings(settings), PromptLibrary.from_settings(settings))
