"""The tutoring services behind one object, built once from the settings (API and CLI alike)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tutor.config import Settings
from tutor.corpus import Corpus, load_corpus
from tutor.engines import Engine, make_engine
from tutor.errors import BadRequestError
from tutor.retrieval import PassageIndex
from tutor.store import (
    ChatSessionRecord,
    Database,
    MessageRecord,
    create_chat_session,
    get_chat_session,
    list_messages,
    open_database,
)
from tutor.tutoring import explain
from tutor.tutoring.context import CourseVocabulary, Retriever
from tutor.tutoring.dialogue import Dialogue, PendingTurn, TurnReply
from tutor.tutoring.hints import Hinter, HintReply


@dataclass
class Tutor:
    """Explain, converse in sessions, and hint, over one corpus, index, store and engine."""

    engine: Engine
    corpus: Corpus
    index: PassageIndex
    database: Database
    coverage_threshold: float = 0.33
    history_turns: int = 10
    retriever: Retriever = field(init=False)
    dialogue: Dialogue = field(init=False)
    hinter: Hinter = field(init=False)

    def __post_init__(self) -> None:
        embedder = self.index.embedder
        self.retriever = Retriever(
            self.index, self.coverage_threshold, CourseVocabulary.of(self.corpus)
        )
        self.dialogue = Dialogue(
            self.engine, self.retriever, self.database, self.corpus, embedder, self.history_turns
        )
        self.hinter = Hinter(self.engine, self.corpus, self.database, embedder)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        corpus: Corpus | None = None,
        index: PassageIndex | None = None,
        database: Database | None = None,
        engine: Engine | None = None,
    ) -> Tutor:
        corpus = corpus or load_corpus(settings.corpus_dir)
        index = index or PassageIndex.from_settings(settings)
        return cls(
            engine=engine or make_engine(settings, corpus=corpus, embedder=index.embedder),
            corpus=corpus,
            index=index,
            database=database or open_database(settings),
            coverage_threshold=settings.coverage_threshold,
            history_turns=settings.history_turns,
        )

    async def explain(self, question: str, lesson: str | None = None) -> explain.ExplainReply:
        if lesson is not None:
            self.corpus.lesson(lesson)  # a NotFoundError for an unknown lesson
        return await explain.explain(self.engine, self.retriever, question, lesson)

    async def create_session(
        self, lesson: str | None = None, learner_id: str | None = None, item: str | None = None
    ) -> ChatSessionRecord:
        """A conversation; with ``item``, that practice item's session (in the item's lesson),
        where the learner's attempts at the item are the context of follow-ups."""
        if item is not None:
            owner, _ = self.corpus.item(item)  # a NotFoundError for an unknown item
            if lesson not in (None, owner.id):
                raise BadRequestError(f"item {item!r} is in lesson {owner.id!r}, not {lesson!r}")
            lesson = owner.id
        if lesson is not None:
            self.corpus.lesson(lesson)
        return await asyncio.to_thread(
            create_chat_session,
            self.database,
            learner_id=learner_id,
            lesson_id=lesson,
            item_id=item,
        )

    async def session(self, session_id: str) -> tuple[ChatSessionRecord, list[MessageRecord]]:
        record = await asyncio.to_thread(get_chat_session, self.database, session_id)
        return record, await asyncio.to_thread(list_messages, self.database, session_id)

    async def start_turn(self, session_id: str, question: str) -> PendingTurn:
        """Everything that can fail before the reply starts; read ``deltas()`` for the reply."""
        record = await asyncio.to_thread(get_chat_session, self.database, session_id)
        return await self.dialogue.start(record, question)

    async def reply(self, session_id: str, question: str) -> TurnReply:
        record = await asyncio.to_thread(get_chat_session, self.database, session_id)
        return await self.dialogue.send(record, question)

    async def hint(self, item_id: str, level: int, session_id: str | None = None) -> HintReply:
        record = None
        if session_id is not None:
            record = await asyncio.to_thread(get_chat_session, self.database, session_id)
        return await self.hinter.hint(item_id, level, record)
