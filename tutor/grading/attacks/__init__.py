"""Spotting answers that talk to the grader, however they are dressed up.

``detect`` reads an answer the way a model would see it: hidden text revealed (Unicode tag
characters decoded, right-to-left overrides read in display order, zero-width characters
dropped), look-alike letters folded to Latin (NFKC, Cyrillic and Greek homoglyphs, leetspeak),
s-p-a-c-e-d letters joined and base64 runs decoded. It then looks for what attacks on a grader
say: instructions to ignore the rubric, requests for a grade, fake verdicts and JSON grades,
spoofed system or teacher messages, closing delimiters, role-play, claims that the reference is
wrong, appeals and bribes.

Honest answers in this course talk *about* prompt injection, so a phrase inside quotation marks
that follows a mention cue (``an attacker can write "ignore previous instructions"``) is a
mention and is left out of the phrase rules; structural rules (tags, JSON, role markers) still
see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tutor.grading.attacks.reveal import Revealed, reveal, visible
from tutor.grading.attacks.rules import PHRASE_RULES, STRUCTURE_RULES, Rule

_MENTION_CUE = re.compile(
    r"(?:\b(?:write|writes|wrote|written|writing|say|says|saying|said|like|such as|e\.g\.|"
    r"for example|phrase|phrases|text|string|words?|called|reads?|containing|contains|"
    r"instructions?|sentence|line|tells?|told|telling|type|typed|insert|inserted|hide|hid|"
    r"hidden|embed|embedded|treated|sees|saw|see|command|message|prompt)\b|[:(])\s*$"
)
_QUOTED = re.compile(
    r"\"[^\"\n]{1,200}\"|\u201c[^\u201d\n]{1,200}\u201d|\u2018[^\u2019\n]{1,200}\u2019"
    r"|(?<![a-z])'[^'\n]{1,200}'(?![a-z])"  # 'single quotes', not apostrophes
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    excerpt: str


@dataclass(frozen=True)
class Detection:
    findings: tuple[Finding, ...] = ()

    @property
    def suspected(self) -> bool:
        return bool(self.findings)

    @property
    def categories(self) -> list[str]:
        return sorted({f.category for f in self.findings})


def without_mentions(text: str) -> str:
    """``text`` with quoted spans that follow a mention cue blanked out."""

    def blank(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 40) : match.start()]
        return " " if _MENTION_CUE.search(before) else match.group(0)

    return _QUOTED.sub(blank, text)


def _run(rules: tuple[Rule, ...], views: list[str], findings: dict[str, Finding]) -> None:
    for rule in rules:
        if rule.name in findings:
            continue
        for view in views:
            if (match := rule.search(view)) is not None:
                excerpt = " ".join(match.group(0).split())[:80]
                findings[rule.name] = Finding(rule.name, rule.category, excerpt)
                break


@lru_cache(maxsize=256)
def detect(answer: str) -> Detection:
    """Every rule the answer trips, once each (empty when it looks like an honest answer).

    Kept for the last answers read (a ``Detection`` is immutable): the grading service reads
    an answer before grading it, and the offline grade that follows reads it again for its
    flag (0.3 ms of CPU per read on our corpus answers)."""
    seen: Revealed = reveal(answer)
    findings: dict[str, Finding] = {}
    for signal in seen.signals:
        findings[signal] = Finding(signal, "hidden_text", signal.replace("_", " "))
    _run(STRUCTURE_RULES, seen.views, findings)
    _run(PHRASE_RULES, [without_mentions(v) for v in seen.views], findings)
    return Detection(tuple(findings.values()))


def suspected(answer: str) -> bool:
    return detect(answer).suspected


def sanitise(answer: str) -> str:
    """What a teacher would grade: the visible text, without the sentences that trip a rule."""
    pieces = [p for p in _SENTENCE.split(visible(answer)) if p.strip()]
    return " ".join(p.strip() for p in pieces if not detect(p).suspected)
