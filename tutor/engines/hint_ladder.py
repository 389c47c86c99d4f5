"""Hints made from an item's own material: its hints, solution steps and common mistakes.

``ladder`` lists candidate hints for a level, most helpful first; a later candidate gives away
less. Level 1 is a nudge: the item's first hint unless it points at the answer (``nudges``),
with the concepts involved. The offline engine answers with the first candidate, and the hint
service walks down the list when a hint (from any engine) fails the leak check. Level 3 walks
through the solution steps but never the last one, which is where an item's answer usually
is, then fewer of them (an imported item's step before a closing recap may choose the
answer), then their titles.
"""

from __future__ import annotations

from tutor.corpus import Item, ItemType, Lesson
from tutor.engines.nudges import points_at_answer

LEVEL_NAMES = {1: "a nudge", 2: "a strategy", 3: "a worked step"}


def label(level: int, *, offline: bool) -> str:
    who = "Offline hint" if offline else "Hint"
    return f"{who}, level {level} ({LEVEL_NAMES.get(level, 'a hint')}): "


def concept_names(lesson: Lesson, item: Item) -> str:
    names = [c.name for c in lesson.concepts if c.id in item.concepts]
    return ", ".join(names) or lesson.title


def pointer(lesson: Lesson, item: Item) -> str:
    """The most general hint: where to look. It names the lesson and the concepts only."""
    return (
        f'Look back at the lesson "{lesson.title}", on {concept_names(lesson, item)}, and work '
        "out which idea is being tested."
    )


def _nudges(lesson: Lesson, item: Item) -> list[str]:
    """The item's first hint, unless it points at the answer (an imported page's hint often
    restates it: "If prompts fail, fine-tune with data"), then the concepts involved; else
    what to consider, then the concepts."""
    about = f"Concepts involved: {concept_names(lesson, item)}."
    first = _sentence(item.hints[0]) if item.hints else None
    if first is None or points_at_answer(lesson, item, first):
        first = _CONSIDER[item.type]
    return [f"{first} {about}", pointer(lesson, item)]


_CONSIDER = {
    ItemType.MULTIPLE_CHOICE: (
        "For each option, work out what it would change, and whether the situation described "
        "needs that."
    ),
    ItemType.FREE_TEXT: (
        "Before you write, name the idea the situation turns on and what it implies here."
    ),
}


def _strategies(lesson: Lesson, item: Item, mistake: str | None) -> list[str]:
    """Level 2 adds to the nudge: the item's second hint, else (one hint, which the nudge has
    used) where the solution starts; with a common mistake to avoid."""
    hint = _sentence(item.hints[1]) if len(item.hints) > 1 else _first_step(item)
    watch = _watch(item, mistake)
    out = []
    if hint and watch:
        out.append(f"{hint} {watch}")
    if hint:
        out.append(hint)
    if watch:
        out.append(watch)
    return out


def _first_step(item: Item) -> str | None:
    """Where a worked solution starts, by the first step's title only (its text may compute
    the answer); None when the steps have no titles."""
    titles = [s.title.strip().rstrip(".") for s in item.solution_steps if s.title.strip()]
    if len(titles) < 2:
        return None
    return f"Start where a worked solution would: {_lower_first(titles[0])}."


def _worked(item: Item) -> list[str]:
    """The solution's steps but the last, then fewer and fewer (a step before the last may
    state the answer: imported items often end on a recap, "Quick check", after the step that
    chooses), each ending on the step the learner takes next, named by its title."""
    steps = item.solution_steps
    if len(steps) < 2:
        return []
    out = []
    for shown in range(len(steps) - 1, 0, -1):
        parts = [
            f"Step {n}{', ' + s.title.strip() if s.title.strip() else ''}: {_sentence(s.text)}"
            for n, s in enumerate(steps[:shown], start=1)
        ]
        which = "last" if shown == len(steps) - 1 else "next"
        title = _lower_first(steps[shown].title.strip().rstrip("."))
        then = f"Now take the {which} step yourself" + (f": {title}." if title else ".")
        out.append(" ".join([*parts, then]))
    return out


def _outline(item: Item, mistake: str | None) -> list[str]:
    """The titles of the solution's steps but the last, with the common mistake: more than
    level 2's first step, for an item whose worked steps all give the answer away (the last
    title may name the answer)."""
    titles = [s.title.strip().rstrip(".") for s in item.solution_steps]
    if len(titles) < 3 or not all(titles):
        return []
    steps = "; ".join(f"{n}. {title}" for n, title in enumerate(titles[:-1], start=1))
    outline = f"Work it through step by step: {steps}; then the last step is yours."
    watch = _watch(item, mistake)
    return [f"{outline} {watch}", outline] if watch else [outline]


def _watch(item: Item, mistake: str | None) -> str | None:
    """The common mistake to avoid: the one given (closest to the learner's attempt), else the
    item's first."""
    mistake = mistake or (item.common_mistakes[0] if item.common_mistakes else None)
    return f"Watch out for a common mistake: {_sentence(mistake)}" if mistake else None


def _lower_first(title: str) -> str:
    """ "Look for ..." reads on in a sentence as "look for ..."; "JSON ..." keeps its case."""
    return title[0].lower() + title[1:] if title[1:2].islower() else title


def ladder(lesson: Lesson, item: Item, level: int, mistake: str | None = None) -> list[str]:
    """Candidate hints for ``level``, most helpful first, ending with the most general one."""
    nudges = _nudges(lesson, item)
    if level <= 1:
        return nudges
    strategies = _strategies(lesson, item, mistake)
    if level == 2:
        return [*strategies, *nudges]
    return [*_worked(item), *_outline(item, mistake), *strategies, *nudges]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!")) else text + "."
