"""Variants without a model: new settings and asks, mistake-built options, new quantities,
and changes of form.

For a multiple-choice parent: the stem in a new setting with its ask rephrased by kind
(``rewrite``), the distractors replaced by the item's common mistakes worded to fit the ask,
the options shuffled (the key and any "option C" in the solution remapped); the quantities
scaled where the item works its answer out in equations (``quantities``, the key recomputed);
and the question asked open (free text, the correct option as the canonical answer). For a
free-text parent: new settings and instruction verbs, scaled quantities, and multiple-choice
forms whose distractors are the common mistakes. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator, Sequence
from itertools import zip_longest
from typing import Any

from pydantic import ValidationError

from tutor.corpus import Difficulty, Item, ItemType, Lesson
from tutor.variants import frames, quantities, rewrite, text
from tutor.variants.models import Candidate, GenerationRequest

ENGINE = "offline"
PROMPT = "offline-templates@1"
KEYS = "ABCDEFGH"
# Recalling an answer is harder than recognising it among options.
_HARDER = {Difficulty.EASY: Difficulty.MEDIUM, Difficulty.MEDIUM: Difficulty.HARD}
_EASIER = {Difficulty.HARD: Difficulty.MEDIUM, Difficulty.MEDIUM: Difficulty.EASY}

Maker = Callable[[random.Random], Candidate]


class OfflineGenerator:
    """Every template variant of an item, interleaved by kind and ordered by the seed."""

    engine = ENGINE
    prompt = PROMPT

    async def candidates(self, request: GenerationRequest) -> Sequence[Candidate]:
        return build_candidates(request.lesson, request.item, request.seed)


def build_candidates(lesson: Lesson, item: Item, seed: int = 0) -> list[Candidate]:
    digest = hashlib.sha256(f"{seed}:{item.id}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    # Each variant of the item gets a setting of its own, in an order set by the seed.
    places = iter(rng.sample(range(len(rewrite.SETTINGS)), len(rewrite.SETTINGS)) * 2)
    if item.type is ItemType.MULTIPLE_CHOICE:
        groups = _choice_makers(item, lesson, places)
    else:
        groups = _open_makers(item, places)
    for group in groups:
        rng.shuffle(group)
    ordered = [m for row in zip_longest(*groups) for m in row if m is not None]
    return [make(rng) for make in ordered]


SETTINGS_PER_ITEM = 3  # new-setting variants of each item (each its own setting and ask)
FACTORS = (2, 3)  # quantities scaled by these


def _choice_makers(item: Item, lesson: Lesson, places: Iterator[int]) -> list[list[Maker]]:
    return [
        [_to_open(item, next(places))],
        [_new_setting(item, lesson, next(places)) for _ in range(SETTINGS_PER_ITEM)],
        [_rescaled(item, f, next(places)) for f in _factors(item)],
    ]


def _open_makers(item: Item, places: Iterator[int]) -> list[list[Maker]]:
    return [
        [_to_choice(item, next(places)) for _ in range(2)] if item.common_mistakes else [],
        [_open_setting(item, next(places)) for _ in range(SETTINGS_PER_ITEM - 1)],
        [_rescaled(item, f, next(places)) for f in _factors(item)],
    ]


def _factors(item: Item) -> list[int]:
    return [f for f in FACTORS if quantities.scaled(item, f) is not None]


def _new_setting(item: Item, lesson: Lesson, place: int) -> Maker:
    """A new setting and ask, with as many distractors replaced by the item's mistakes (worded
    to fit the ask) as it has; which ones, by the seed."""

    def make(rng: random.Random) -> Candidate:
        stem, ask_kind = rewrite.choice_stem(item, rng, place)
        mistakes = rewrite.mistake_options(item, lesson, ask_kind)
        wrong = [o.key for o in item.options if o.key != item.answer_key]
        chosen = rng.sample(mistakes, len(mistakes))
        replaced = dict(zip(rng.sample(wrong, len(wrong)), chosen, strict=False))
        base = item.model_dump(mode="json")
        base["options"] = [
            {"key": o.key, "text": replaced.get(o.key, o.text)} for o in item.options
        ]
        kind = "new_distractors" if replaced else "new_scenario"
        notes = {"template": f"setting-{place}", "ask": ask_kind, "replaced": sorted(replaced)}
        return _shuffled(item, base, stem, kind, notes, rng)

    return make


def _open_setting(item: Item, place: int) -> Maker:
    return lambda rng: _build(
        item, "new_scenario", {"template": f"setting-{place}"},
        stem=rewrite.open_stem(item, rng, place),
    )  # fmt: skip


def _rescaled(item: Item, factor: int, place: int) -> Maker:
    """Every count times ``factor`` (only where the item's equations still hold), in a new
    setting; a multiple-choice item's options shuffled."""

    def make(rng: random.Random) -> Candidate:
        raw = quantities.scaled(item, factor)
        notes = {"template": f"quantities-x{factor}", "setting": place}
        if raw is None:
            error = "its equations would not hold with scaled quantities"
            return Candidate("new_quantities", None, {}, error=error, notes=notes)
        stem = rewrite.setting(raw["stem"], place)
        if item.type is ItemType.MULTIPLE_CHOICE:
            return _shuffled(item, raw, stem, "new_quantities", notes, rng)
        return _build(item, "new_quantities", notes, **{**raw, "stem": stem})

    return make


def _to_open(item: Item, place: int) -> Maker:
    steps = [s for s in item.solution_steps if not text.mentions_options(s.text)]
    hints = [h for h in item.hints if not text.mentions_options(h)]
    return lambda rng: _build(
        item, "to_free_text", {"template": "open", "setting": place},
        stem=rewrite.opened_stem(item, rng, place),
        type=ItemType.FREE_TEXT.value, options=[], answer_key=None,
        difficulty=_HARDER.get(item.difficulty, item.difficulty).value,
        solution_steps=[s.model_dump() for s in steps], hints=hints,
    )  # fmt: skip


def _to_choice(item: Item, place: int) -> Maker:
    """The parent's answer (its leading sentences) among its common mistakes."""

    def make(rng: random.Random) -> Candidate:
        stem = rewrite.open_stem(item, rng, place)
        correct = text.lead(item.answer)
        texts = [correct, *(text.as_option(m) for m in item.common_mistakes[:3])]
        rng.shuffle(texts)
        return _build(
            item, "to_multiple_choice", {"template": "choice", "setting": place},
            stem=stem + frames.TO_CHOICE_SUFFIX, type=ItemType.MULTIPLE_CHOICE.value,
            options=[{"key": KEYS[n], "text": t} for n, t in enumerate(texts)],
            answer_key=KEYS[texts.index(correct)], answer=correct,
            difficulty=_EASIER.get(item.difficulty, item.difficulty).value,
        )  # fmt: skip

    return make


def _shuffled(
    item: Item,
    base: dict[str, Any],
    stem: str,
    kind: str,
    notes: dict[str, Any],
    rng: random.Random,
) -> Candidate:
    """``base``'s options in a new order where the correct one moves, relabelled A, B, C…"""
    options = base["options"]
    old_key = base["answer_key"]
    correct = next(n for n, o in enumerate(options) if o["key"] == old_key)
    order = list(range(len(options)))
    for _ in range(20):
        rng.shuffle(order)
        if KEYS[order.index(correct)] != old_key:
            break
    mapping = {options[old]["key"]: KEYS[new] for new, old in enumerate(order)}
    steps = [
        {**s, "text": text.remap_option_letters(s["text"], mapping)} for s in base["solution_steps"]
    ]
    return _build(
        item, kind, {**notes, "key_moved": f"{old_key}->{mapping[old_key]}"}, stem=stem,
        options=[{"key": KEYS[new], "text": options[old]["text"]} for new, old in enumerate(order)],
        answer_key=mapping[old_key], answer=base["answer"], solution_steps=steps,
        hints=[text.remap_option_letters(h, mapping) for h in base["hints"]],
    )  # fmt: skip


def _build(item: Item, kind: str, notes: dict[str, Any], **changes: Any) -> Candidate:
    # The parent's graded answers answer the parent's question, not the variant's.
    raw = {**item.model_dump(mode="json", exclude={"graded_answers"}), **changes}
    raw["id"] = f"{item.id}-v{text.fingerprint(raw)[:8]}"
    try:
        return Candidate(kind, Item.model_validate(raw), raw, notes=notes)
    except ValidationError as exc:
        return Candidate(kind, None, raw, error=str(exc), notes=notes)
