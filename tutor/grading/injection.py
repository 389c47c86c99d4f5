"""Spotting answers that talk to the grader instead of answering the question.

The offline grader cannot be talked into a grade (it only measures the answer against the
references), but such an answer still deserves a teacher's look, and an LLM engine must know.
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"\bignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding) (?:instructions?|"
    r"prompts?|rules?|messages?|text)",
    r"\bdisregard (?:all |any |the )?(?:previous|prior|above|earlier) ",
    r"\b(?:give|award|assign|grade) (?:me|this|this answer|the answer)\b.{0,30}"
    r"\b(?:full|maximum|max|perfect|100|top) ?(?:marks?|points?|score|credit|%)",
    r"\b(?:mark|grade|score|rate) (?:this|my answer|it) (?:as )?(?:correct|right|100)",
    r"\byou are (?:now|no longer) (?:a|an|the)\b",
    r"\b(?:system|developer) (?:prompt|message|instructions?)\b",
    r"\bnew instructions?\s*:",
    r"</?(?:system|assistant|user|instructions?)>",
    r"\bact as (?:a|an|the) (?:grader|teacher|system)\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.DOTALL)


def suspected_injection(answer: str) -> bool:
    """True when the answer contains an instruction aimed at the grader."""
    return _INJECTION.search(answer) is not None
