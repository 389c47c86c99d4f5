"""Variants without a model: template frames, option shuffles and changes of form.

For a multiple-choice parent: the stem in a new frame with the options shuffled (the key and
any "option C" in the solution remapped), a colleague's wrong claim to weigh, new distractors
drawn from the common mistakes, and the question asked open (free text, the correct option as
the canonical answer). For a free-text parent: new frames, a colleague's mistaken claim, and a
multiple-choice form whose distractors are the common mistakes. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from itertools import zip_longest
from typing import Any

from pydantic import ValidationError

from tutor.corpus import Difficulty, Item, ItemType, Lesson
from tutor.variants import frames, text
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
    concept = _concept_name(lesson, item)
    if item.type is ItemType.MULTIPLE_CHOICE:
        groups = _choice_makers(item, concept)
    else:
        groups = _open_makers(item, concept)
    for group in groups:
        rng.shuffle(group)
    ordered = [m for row in zip_longest(*groups) for m in row if m is not None]
    return [make(rng) for make in ordered]


def _choice_makers(item: Item, concept: str) -> list[list[Maker]]:
    wrong = [o.text for o in item.options if o.key != item.answer_key]
    claims = [*_beliefs(item), *wrong][:3]
    return [
        [_to_open(item)],
        [_new_distractors(item, concept)] if _beliefs(item) else [],
        [_claim(item, claim, n) for n, claim in enumerate(claims)],
        [_reframe(item, name, kind, frame.format(stem=item.stem, concept=concept))
         for name, kind, frame in frames.CHOICE_FRAMES],
    ]  # fmt: skip


def _open_makers(item: Item, concept: str) -> list[list[Maker]]:
    framed = frames.OPEN_FRAMES[0][2].format(stem=item.stem, concept=concept)
    return [
        [_to_choice(item, "plain", item.stem), _to_choice(item, "design-review", framed)]
        if item.common_mistakes else [],
        [_claim(item, claim, n) for n, claim in enumerate(_beliefs(item)[:2])],
        [_reframe(item, name, kind, frame.format(stem=item.stem, concept=concept))
         for name, kind, frame in frames.OPEN_FRAMES],
    ]  # fmt: skip


def _reframe(item: Item, name: str, kind: str, stem: str) -> Maker:
    notes = {"template": name}
    if item.type is ItemType.MULTIPLE_CHOICE:
        return lambda rng: _shuffled(item, item.model_dump(mode="json"), stem, kind, notes, rng)
    return lambda rng: _build(item, kind, notes, stem=stem)


def _claim(item: Item, claim: str, n: int) -> Maker:
    template = frames.CHOICE_CLAIM if item.options else frames.OPEN_CLAIM
    return _reframe(item, f"claim-{n}", "reworded", template.format(stem=item.stem, claim=claim))


def _new_distractors(item: Item, concept: str) -> Maker:
    """Distractors replaced by the claims the item's common mistakes make."""

    def make(rng: random.Random) -> Candidate:
        wrong = [o.key for o in item.options if o.key != item.answer_key]
        replaced = dict(zip(rng.sample(wrong, len(wrong)), _beliefs(item), strict=False))
        base = item.model_dump(mode="json")
        base["options"] = [
            {"key": o.key, "text": replaced.get(o.key, o.text)} for o in item.options
        ]
        stem = frames.CHOICE_FRAMES[0][2].format(stem=item.stem, concept=concept)
        notes = {"template": "mistake-distractors", "replaced": sorted(replaced)}
        return _shuffled(item, base, stem, "new_distractors", notes, rng)

    return make


def _to_open(item: Item) -> Maker:
    steps = [s for s in item.solution_steps if not text.mentions_options(s.text)]
    hints = [h for h in item.hints if not text.mentions_options(h)]
    return lambda rng: _build(
        item, "to_free_text", {"template": "open"}, stem=frames.open_stem(item.stem),
        type=ItemType.FREE_TEXT.value, options=[], answer_key=None,
        difficulty=_HARDER.get(item.difficulty, item.difficulty).value,
        solution_steps=[s.model_dump() for s in steps], hints=hints,
    )  # fmt: skip


def _to_choice(item: Item, name: str, stem: str) -> Maker:
    """The parent's answer (its leading sentences) among its common mistakes."""

    def make(rng: random.Random) -> Candidate:
        correct = text.lead(item.answer)
        texts = [correct, *(text.as_option(m) for m in item.common_mistakes[:3])]
        rng.shuffle(texts)
        return _build(
            item, "to_multiple_choice", {"template": f"choice-{name}"},
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
        answer_key=mapping[old_key], solution_steps=steps,
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


def _beliefs(item: Item) -> list[str]:
    return [s for m in item.common_mistakes if (s := text.as_statement(m))]


def _concept_name(lesson: Lesson, item: Item) -> str:
    names = {c.id: c.name for c in lesson.concepts}
    return text.lower_first(names.get(item.concepts[0], item.concepts[0].replace("-", " ")))
