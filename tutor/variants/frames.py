"""The offline templates' wording: stem frames, and turning a choice stem into an open one.

Frames take ``{stem}``, ``{concept}`` (the parent's first concept, e.g. "few-shot examples")
and, for claims, ``{claim}`` (a common mistake worded as a claim, or a wrong option).
"""

from __future__ import annotations

import re

# (frame name, transformation, template) for multiple-choice stems.
CHOICE_FRAMES: tuple[tuple[str, str, str], ...] = (
    (
        "best-describes",
        "reworded",
        "Which statement best describes the right answer to the question below?\n\n{stem}",
    ),
    (
        "design-review",
        "new_scenario",
        "During a design review about {concept}, a teammate puts this question to the "
        "group.\n\n{stem}",
    ),
    (
        "quiz-writer",
        "new_scenario",
        "You are writing a quiz for engineers who are new to {concept}. One question "
        "reads:\n\n{stem}\n\nWhich option should the answer key mark as correct?",
    ),
    (
        "new-colleague",
        "new_scenario",
        "A new colleague who is learning about {concept} asks for your help with this "
        "question.\n\n{stem}",
    ),
)

# (frame name, transformation, template) for free-text stems.
OPEN_FRAMES: tuple[tuple[str, str, str], ...] = (
    (
        "design-review",
        "new_scenario",
        "During a design review about {concept}, a teammate asks you the following.\n\n{stem}",
    ),
    (
        "briefing",
        "new_scenario",
        "You are preparing a short briefing on {concept} for your team. It must answer "
        "this:\n\n{stem}",
    ),
    (
        "new-colleague",
        "new_scenario",
        "A new colleague who is learning about {concept} asks you this.\n\n{stem}",
    ),
)

CHOICE_CLAIM = '{stem}\n\nA colleague claims: "{claim}" Which option is actually correct?'
OPEN_CLAIM = (
    '{stem}\n\nA colleague\'s draft answer rests on a common mistake: "{claim}" Write the '
    "answer you would give instead."
)
TO_OPEN_SUFFIX = "\n\nAnswer in your own words, in a few sentences; no options are given."
TO_CHOICE_SUFFIX = "\n\nWhich answer is best?"

_OPEN_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bWhich of these (is|are)\b"), r"What \1"),
    (re.compile(r"\b([Ww])hich of these (\w+?)s\b"), r"\1hat kind of \2"),
    (re.compile(r"\bWhich (statement|response|option|plan|approach|instruction)\b"), r"What \1"),
)


def open_stem(stem: str) -> str:
    """A choice stem asked without options: "Which of these is …" → "What is …"."""
    for pattern, replacement in _OPEN_REWRITES:
        stem = pattern.sub(replacement, stem)
    return stem + TO_OPEN_SUFFIX
