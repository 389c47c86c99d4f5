"""What a level-1 hint (a nudge) may not do: point at the answer.

A nudge says which concept the question tests or what to consider. It points at the answer
when one of its sentences uses a third or more of the *answer's own words*: the content words
of the correct option that the stem and every other option lack (for free text, those of the
canonical answer the stem lacks). "Fine-tune = model change; prompt engineer = question
change" uses "question", one of the three words ("ask", "knowledge", "question") that set
"Fine-tuning changes the model's knowledge, while prompt engineering changes how you ask
questions" apart. A sentence that names every concept of the item ("Concepts involved:
Fine-tuning, Prompt engineering") names each option's idea alike, so the concepts' own words
do not count in it.

On the starter corpus an item's first hint uses at most 0.29 of the answer's own words; the
imported seed page's hints, which restate the answer, use 0.33 to all of them.
"""

from __future__ import annotations

from tutor.corpus import Item, Lesson
from tutor.engines.extractive import split_sentences
from tutor.engines.lexicon import terms

SHARE = 1 / 3  # of the answer's own words, in one sentence


def answer_words(item: Item) -> set[str]:
    """The answer's own words: those of the correct option (or the canonical answer) that
    neither the stem nor another option uses."""
    others = [o.text for o in item.options if o.key != item.answer_key]
    return terms(item.answer) - terms(item.stem) - set().union(*(terms(o) for o in others))


def points_at_answer(lesson: Lesson, item: Item, text: str) -> bool:
    """True when the text, or one of its sentences, uses ``SHARE`` of the answer's own words."""
    own = answer_words(item)
    if not own:
        return False
    names = [terms(c.name) for c in lesson.concepts if c.id in item.concepts]
    concept_words = set().union(*names)
    for piece in {text, *split_sentences(text)}:
        words = terms(piece)
        names_all = bool(names) and all(name <= words for name in names)
        counted = own - concept_words if names_all else own
        used = len(counted & words)
        if used and used >= SHARE * len(counted):
            return True
    return False
