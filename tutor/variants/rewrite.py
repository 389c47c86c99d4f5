"""New wording for an item's question: its ask rephrased by kind, a new setting, and common
mistakes worded as options.

A stem is a scenario (its leading sentences) and an ask (its last sentence, or the last two
when the last is an instruction such as "Show the calculation."). The ask's kind decides how
it may be rephrased: a "most likely cause" question can be asked as "Which explanation
accounts for this best?" without changing its answer, a "which tokens can be sampled?" one
cannot, and keeps its words. The scenario's facts are never changed here (quantities are
``quantities``' business); a new setting sentence places them somewhere else.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from tutor.corpus import Item, Lesson
from tutor.engines.extractive import split_sentences
from tutor.variants import frames, text

# (a sentence that sets the scene, who acts in it)
SETTINGS: tuple[tuple[str, str], ...] = (
    (
        "A regional hospital group is rolling out its first assistants for ward and pharmacy "
        "staff, and every change goes through its clinical-safety board.",
        "the hospital group's data team",
    ),
    (
        "A logistics company tracks freight across twelve countries, and carriers and "
        "warehouse managers query its systems all day.",
        "the logistics company's platform team",
    ),
    (
        "A university's student-services office answers questions about enrolment, housing "
        "and exams, thousands of them in the first weeks of term.",
        "the university's web team",
    ),
    (
        "An online bookshop run by three engineers sells second-hand and rare books to "
        "collectors in Europe and North America.",
        "the bookshop's lead engineer",
    ),
    (
        "An insurance firm's claims department handles motor, home and travel claims, and "
        "auditors review a sample of its decisions every quarter.",
        "the claims department's automation team",
    ),
    (
        "A city council's digital-services team runs the forms, payments and help pages "
        "residents use for parking permits, waste collection and council tax.",
        "the council's digital team",
    ),
    (
        "A games studio builds internal tools for its level designers and writers, who ship "
        "an update to their online game every fortnight.",
        "the studio's tools team",
    ),
    (
        "A bank's compliance group monitors payments and customer messages, and regulators "
        "can ask it to explain any automated decision.",
        "the bank's compliance-technology team",
    ),
)
_ACTOR = re.compile(r"^(?:An?|Your) (?:team|developer|engineer)(?P<poss>'s)?\b")

# (kind, pattern on the ask) in the order they are tried.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "assessment",
        re.compile(r"\b(assessment|most accurate|what can .* expect|conclude)", re.I),
    ),
    (
        "cause",
        re.compile(
            r"\b(most likely cause|what went wrong|what is going on|core issue|main problem|"
            r"why\b)",
            re.I,
        ),
    ),
    (
        "action",
        re.compile(
            r"\b(what should|which (plan|approach|change|fix|measure|response|instruction)\b|"
            r"next step|most effective|best fix|best change|which .* sound|"
            r"what is the best|most appropriate|do first)",
            re.I,
        ),
    ),
)
# Asks without a scenario, reworded where the wording is generic.
_DEFINITIONS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(
            r"^Which (?:statement best describes|of these is the best description of) "
            r"(?P<x>.+)\?$"
        ),
        ("Which option describes {x} correctly?", "How would you sum up {x}?"),
    ),
    (
        re.compile(r"^Which of these is an example of (?P<x>.+)\?$"),
        ("Which of the following would count as {x}?", "Which case below is {x}?"),
    ),
)

ASKS: dict[str, tuple[str, ...]] = {
    "cause": (
        "Which explanation accounts for this best?",
        "What is the most plausible reason for what they see?",
        "Of the explanations below, which one holds up?",
    ),
    "action": (
        "What would you advise them to do?",
        "Which course of action is the soundest?",
        "Which of the following would you recommend?",
    ),
    "assessment": (
        "Which judgement of this is right?",
        "Which reading of the situation is correct?",
    ),
}
# The same kinds asked without options.
OPEN_ASKS: dict[str, tuple[str, ...]] = {
    "cause": ("What explains this?", "Why does this happen?"),
    "action": ("What would you advise them to do?", "What course of action would you take?"),
    "assessment": ("How would you judge this?", "What is the right reading of this?"),
}
_OPEN_VERBS = {
    "Explain": ("Set out", "Account for"),
    "Describe": ("Walk through", "Outline"),
    "Design": ("Sketch", "Propose"),
    "List": ("Name",),
    "Give": ("Offer",),
    "Evaluate": ("Assess",),
    "Classify": ("Sort",),
    "Recommend": ("Propose",),
}
_CLAIMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^Confusing (?P<x>.+?) with (?P<y>[^,;]+)\.?$"),
        "{x} and {y} are the same thing.",
    ),
    (re.compile(r"^Treating (?P<x>.+?) as (?P<y>[^,;]+)\.?$"), "{x} can be treated as {y}."),
    (re.compile(r"^Blaming (?P<x>.+?)(?: for | instead of | before |\.?$)"), "the cause is {x}."),
)
_PRONOUN = re.compile(r"^(it|they|them|this|that|both|any|one)\b", re.I)
_INSTRUCTION = re.compile(r"^(show|answer|give|state)\b", re.I)
_GERUND = re.compile(r"^(?P<verb>[A-Z][a-z]+)ing\b")
_AND_GERUND = re.compile(r"(?P<and>\b(?:and|or|then) (?:[a-z]+ly )?)(?P<word>[a-z]+ing)\b")


def split_stem(stem: str) -> tuple[list[str], str]:
    """The scenario's sentences and the ask."""
    sentences = split_sentences(stem)
    if len(sentences) >= 2 and _INSTRUCTION.match(sentences[-1]):
        return sentences[:-2], " ".join(sentences[-2:])
    return sentences[:-1], sentences[-1] if sentences else stem


def kind(ask: str) -> str:
    for name, pattern in _KINDS:
        if pattern.search(ask):
            return name
    return "other"


def scene(scenario: Sequence[str], place: int) -> list[str]:
    """Setting number ``place``'s sentence, then the scenario with its generic actor ("A team",
    "An engineer" at the start of a sentence) made the setting's."""
    sentence, actor = SETTINGS[place % len(SETTINGS)]
    moved = [
        _ACTOR.sub(lambda m: actor[0].upper() + actor[1:] + (m["poss"] or ""), s) for s in scenario
    ]
    asks = f"{actor[0].upper()}{actor[1:]} asks you this."
    return [sentence, *moved] if moved else [sentence, asks]


def setting(stem: str, place: int) -> str:
    """``stem`` in setting number ``place``."""
    scenario, ask = split_stem(stem)
    return " ".join([*scene(scenario, place), ask])


def choice_stem(item: Item, rng: random.Random, place: int) -> tuple[str, str]:
    """A multiple-choice stem in a new setting, its ask rephrased when its kind allows; and
    the kind."""
    scenario, ask = split_stem(item.stem)
    ask_kind = kind(ask)
    if scenario and ask_kind in ASKS:
        ask = rng.choice(ASKS[ask_kind])
    for pattern, wordings in _DEFINITIONS:
        if not scenario and (match := pattern.match(ask)):
            ask = rng.choice(wordings).format(x=match["x"])
    return " ".join([*scene(scenario, place), ask]), ask_kind


def opened_stem(item: Item, rng: random.Random, place: int) -> str:
    """A multiple-choice stem asked without its options, in a new setting: the ask rephrased
    for an open answer when its kind allows, else "Which of these is …" → "What is …"."""
    scenario, ask = split_stem(item.stem)
    ask_kind = kind(ask)
    if scenario and ask_kind in OPEN_ASKS:
        ask = rng.choice(OPEN_ASKS[ask_kind]) + frames.TO_OPEN_SUFFIX
    else:
        ask = frames.open_stem(ask)
    return " ".join([*scene(scenario, place), ask])


def open_stem(item: Item, rng: random.Random, place: int) -> str:
    """A free-text stem in a new setting, its instruction verb changed."""
    scenario, ask = split_stem(item.stem)
    for verb, others in _OPEN_VERBS.items():
        if re.match(rf"{verb}\b", ask):
            ask = rng.choice(others) + ask[len(verb) :]
            break
    return " ".join([*scene(scenario, place), ask])


def mistake_options(item: Item, lesson: Lesson, ask_kind: str) -> list[str]:
    """The item's common mistakes worded as options that fit the ask: an action ("Adding more
    examples of the dominant label" → "Add more examples of the dominant label.") for what to
    do, a claim ("Believing that X" → "X.") otherwise."""
    if ask_kind != "action":
        return [s for m in item.common_mistakes if (s := claim(m, cause=ask_kind == "cause"))]
    vocabulary = _vocabulary(lesson)
    out = []
    for mistake in item.common_mistakes:
        verb = _imperative(mistake.strip(), vocabulary)
        if verb is None:
            continue
        rest = _GERUND.sub("", mistake.strip(), count=1)
        # "..., and losing most of the gain" → "..., and lose most of the gain"
        rest = _AND_GERUND.sub(lambda m: _and_verb(m, vocabulary), rest)
        if not _AND_GERUND.search(rest):  # else a clause would stay a gerund: skip it
            out.append(_ended(verb + rest))
    return out


def _and_verb(match: re.Match[str], vocabulary: set[str]) -> str:
    verb = _imperative(match["word"].capitalize(), vocabulary)
    return f"{match['and']}{verb.lower()}" if verb else match[0]


def claim(mistake: str, *, cause: bool = False) -> str | None:
    """The claim a common mistake makes, or None: "Believing that X" → "X.", "Confusing X with
    Y" → "X and Y are the same thing.", "Treating X as Y" → "X can be treated as Y.", "Blaming
    X for Y" → "The cause is X." (only as an answer to what caused something)."""
    statement = text.as_statement(mistake)
    if statement is not None:
        return statement
    for pattern, template in _CLAIMS[: None if cause else -1]:
        match = pattern.match(mistake.strip())
        if match and not _PRONOUN.match(match["x"]):
            parts = {k: v.strip().rstrip(".") for k, v in match.groupdict().items()}
            out = template.format(**parts)
            return out[0].upper() + out[1:]
    return None


def _imperative(mistake: str, vocabulary: set[str]) -> str | None:
    """ "Adding" → "Add", "Using" → "Use", "Dropping" → "Drop": the form the lesson's own
    text uses, or None (a form it never uses is not guessed)."""
    match = _GERUND.match(mistake.strip())
    if match is None or match["verb"] in {"Assum", "Believ", "Think", "Claim", "Say", "Confus"}:
        return None
    base = match["verb"]
    forms = [base, base + "e"]
    if len(base) > 2 and base[-1] == base[-2]:
        forms.append(base[:-1])
    return next((f for f in forms if f.lower() in vocabulary), None)


def _vocabulary(lesson: Lesson) -> set[str]:
    texts: Sequence[str] = [
        *(p.text for p in lesson.passages),
        *(s.text for i in lesson.items for s in i.solution_steps),
        *(i.answer for i in lesson.items),
        *(o.text for i in lesson.items for o in i.options),
    ]
    return set(re.findall(r"[a-z]+", " ".join(texts).lower()))


def _ended(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence.endswith((".", "?", "!")) else sentence + "."
