"""Changes of form: a choice stem asked open ("Which of these is …" → "What is …"), and the
lines that tell a learner how a changed form is answered. New settings and asks are in
``rewrite``."""

from __future__ import annotations

import re

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
