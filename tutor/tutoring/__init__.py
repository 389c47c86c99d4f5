"""Tutoring: explanations with checked citations, sessions with memory, hints that do not leak.

tutor = Tutor.from_settings(get_settings())
reply = await tutor.explain("Why do examples help?")
turn = await tutor.reply(session.id, "why?")
hint = await tutor.hint("pb-01", level=2)
"""

from tutor.tutoring.citations import Citation, check_citations, cited_ids
from tutor.tutoring.context import LessonRef, Retrieved, Retriever
from tutor.tutoring.dialogue import Dialogue, PendingTurn, TurnReply
from tutor.tutoring.explain import NOT_COVERED, NOT_COVERED_PROMPT, ExplainReply
from tutor.tutoring.hints import SAFE_PROMPT, Hinter, HintReply
from tutor.tutoring.leak import AnswerGuard, Leak, guard_for, redact
from tutor.tutoring.tutor import Tutor

__all__ = [
    "NOT_COVERED",
    "NOT_COVERED_PROMPT",
    "SAFE_PROMPT",
    "AnswerGuard",
    "Citation",
    "Dialogue",
    "ExplainReply",
    "HintReply",
    "Hinter",
    "Leak",
    "LessonRef",
    "PendingTurn",
    "Retrieved",
    "Retriever",
    "TurnReply",
    "Tutor",
    "check_citations",
    "cited_ids",
    "guard_for",
    "redact",
]
