"""Hints in three levels that never give the answer away.

Every hint, from either engine, goes through the item's :class:`AnswerGuard` before it is
returned, and a level-1 hint (a nudge) must not point at the answer either
(``tutor.engines.nudges``). A leaking hint is replaced by the first safe candidate from the
item's own material (``hint_ladder``), or by a pointer to the lesson, and counted
(``leaks_blocked``, a log line, ``leak_blocked`` in the reply). With a session, the hint sees
the learner's latest attempt at the item and is added to the session's messages, so a
follow-up "why?" can build on it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from tutor.corpus import Corpus
from tutor.engines import Draft, Engine, HintRequest, OfflineEngine, hint_ladder
from tutor.engines.nudges import points_at_answer
from tutor.errors import BadRequestError
from tutor.retrieval import Embedder
from tutor.store import ChatSessionRecord, Database, add_message
from tutor.tutoring import memory
from tutor.tutoring.leak import AnswerGuard, guard_for

logger = logging.getLogger("tutor.tutoring")

SAFE_PROMPT = "safe_hint@1"


@dataclass(frozen=True)
class HintReply:
    item_id: str
    level: int
    hint: str
    engine: str
    prompt: str
    leak_blocked: bool


@dataclass
class Hinter:
    engine: Engine
    corpus: Corpus
    database: Database
    embedder: Embedder | None = None
    leaks_blocked: int = 0  # since this service started
    _guards: dict[str, AnswerGuard] = field(default_factory=dict, repr=False)

    async def hint(
        self, item_id: str, level: int, session: ChatSessionRecord | None = None
    ) -> HintReply:
        if level not in (1, 2, 3):
            raise BadRequestError(f"hint level must be 1, 2 or 3, not {level}")
        lesson, item = self.corpus.item(item_id)
        attempt = None
        if session is not None:
            context = await asyncio.to_thread(
                memory.latest_attempt, self.database, self.corpus, session, item_id
            )
            attempt = context.response if context else None
        request = HintRequest(lesson=lesson, item=item, level=level, attempt=attempt)
        draft = await self.engine.hint(request)
        reply = await asyncio.to_thread(self._checked, request, draft)
        if session is not None:
            await asyncio.to_thread(
                add_message, self.database, session.id, "assistant", reply.hint,
                engine=reply.engine, prompt=reply.prompt,
            )  # fmt: skip
        logger.info(
            "hint item=%s level=%d engine=%s prompt=%s leak_blocked=%s leaks_blocked_total=%d",
            item_id, level, reply.engine, reply.prompt, reply.leak_blocked, self.leaks_blocked,
        )  # fmt: skip
        return reply

    def _checked(self, request: HintRequest, draft: Draft) -> HintReply:
        guard = self._guards.get(request.item.id)
        if guard is None or guard.item != request.item:
            guard = guard_for(request.lesson, request.item, self.embedder)
            self._guards[request.item.id] = guard
        text = draft.text.strip()
        reason = self._leak(request, guard, text)
        if reason is None:
            item_id, level = request.item.id, request.level
            return HintReply(item_id, level, text, draft.engine, draft.prompt, False)
        self.leaks_blocked += 1
        logger.warning(
            "hint blocked item=%s level=%d engine=%s prompt=%s reason=%s",
            request.item.id, request.level, draft.engine, draft.prompt, reason,
        )  # fmt: skip
        offline = draft.engine == OfflineEngine.name
        candidates = hint_ladder.ladder(request.lesson, request.item, request.level)
        safe = next(
            (c for c in candidates if self._leak(request, guard, c) is None),
            "Re-read the question and make a first attempt; then ask for the next hint level.",
        )
        label = hint_ladder.label(request.level, offline=offline)
        return HintReply(
            request.item.id, request.level, label + safe, draft.engine, SAFE_PROMPT, True
        )

    @staticmethod
    def _leak(request: HintRequest, guard: AnswerGuard, text: str) -> str | None:
        """Why ``text`` may not be this hint, or None: it leaks the answer, or, at level 1 (a
        nudge), it points at it."""
        if not text:
            return "empty hint"
        verdict = guard.check(text)
        if verdict.leaked:
            return verdict.reason
        if request.level == 1 and points_at_answer(request.lesson, request.item, text):
            return "the nudge points at the answer"
        return None
