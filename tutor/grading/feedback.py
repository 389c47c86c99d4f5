"""Feedback from coverage: which key points of the answer key the learner's answer covers.

A *point* is a solution step when the item has steps, else a key phrase of the reference
answer (a run of content words that the question does not already give away). A point is
covered when its words are matched in the answer, exactly or through word vectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.grading.features import EmbeddingTable
from tutor.grading.lexical import NEGATIONS, STOPWORDS, spoken, stem, token_stem, words
from tutor.grading.models import Feedback, Verdict
from tutor.grading.synonyms import synonyms

WORD_MATCH = 0.6  # word-vector cosine from which a key word counts as said (show ~ demonstrate)
TERM_WORDS = 2  # a key phrase of this many key words or fewer is a term, said in its own words
STEP_SIMILARITY = 0.7  # a solution step is covered from this sentence similarity on
MAX_POINTS = 6
_PUNCTUATION = re.compile(r"[,.;:!?()]")
# Latin abbreviations a rubric uses ("synonyms, e.g., harmful, damaging, etc."): not points,
# and their dots would otherwise leave single letters ("e", "g") as phrases.
_ABBREVIATIONS = re.compile(r"\b(?:e\.\s?g|i\.\s?e|etc|cf|viz|vs)\b\.?", re.IGNORECASE)
# Words that name no point on their own: "Missing: works" for "... that only works if the
# elements are sorted" told a learner nothing (in a longer run, "use RAG", they stay).
_VAGUE = frozenset(
    "still also just even really very works work worked use uses used using make makes made "
    "get gets got need needs needed help helps know knows see sees keep keeps thing things "
    "way ways".split()
)


def key_phrases(reference: str, question: str) -> list[str]:
    """Runs of content words of the reference, without those the question already states,
    in the reference's own words ("discards half", not the "discards 0.5" that
    :func:`words` compares). A key the question states whole is its own point: "solid" for
    "Is ice at -5 C a solid, a liquid or a gas?" (the choice is the answer)."""
    phrases = _runs(reference, words(question).stems)
    return phrases or _runs(reference, frozenset())


def _runs(reference: str, asked: frozenset[str]) -> list[str]:
    phrases: list[str] = []
    for clause in _PUNCTUATION.split(_ABBREVIATIONS.sub(" ", reference)):
        run: list[str] = []
        for token in (*spoken(clause), "."):
            if token in STOPWORDS or token in NEGATIONS or token == ".":
                # token_stem, not words(w): one word per call would push the item's texts
                # out of words' bounded cache
                vague = len(run) == 1 and run[0].lower() in _VAGUE
                if run and not vague and any(token_stem(w) not in asked for w in run):
                    phrases.append(" ".join(run))
                run = []
            else:
                run.append(token)
    return list(dict.fromkeys(phrases))


def coverage(
    answer: str,
    points: Sequence[str],
    question: str,
    table: EmbeddingTable,
    *,
    steps: bool,
    terms: bool = True,
) -> tuple[list[str], list[str]]:
    """Split ``points`` into (covered, missing): at least half of a point's key words (those
    the question does not state) have a match in the answer; a step also counts when the
    answer says the same thing as a whole. A word matches through its vector (cosine
    ``WORD_MATCH``: "show" for "demonstrate"), but with ``terms`` a key phrase of
    ``TERM_WORDS`` key words or fewer needs every one of its own words: co-hyponyms sit as
    close as synonyms, and "oxygen" was told "You correctly mention: carbon dioxide", "red,
    green, blue" that it mentions "yellow", "Ice is more dense than water" that it mentions
    "less dense" (half of its words)."""
    answer_words = list(words(answer).content)
    if not answer_words or not points:
        return [], list(points)
    asked = words(question).stems
    said = words(answer).stems
    answer_vecs = table[answer_words]
    answer_vec = table[[answer]][0]
    covered: list[str] = []
    missing: list[str] = []
    for point in points:
        content = list(words(point).content) or [point]
        key = [w for w in content if stem(w) not in asked] or content
        if terms and not steps and len(key) <= TERM_WORDS:  # a term: every one of its words
            # "more dense" says no "less dense"; a WordNet synonym says the word ("quick" for
            # "fast", which the verdict credits, was told "Missing: fast")
            hit = all(word_said(w, said) for w in key)
        else:
            hits = (table[key] @ answer_vecs.T).max(axis=1) >= WORD_MATCH
            hit = float(hits.mean()) >= 0.5
        if steps:
            hit = hit or float(table[[point]][0] @ answer_vec) >= STEP_SIMILARITY
        (covered if hit else missing).append(point)
    return covered, missing


def compose(
    verdict: Verdict,
    covered: Sequence[str],
    missing: Sequence[str],
    mistakes: Sequence[str],
    *,
    steps: bool,
    contradicts: bool = False,
) -> Feedback:
    if contradicts:  # the words are there, the meaning is reversed: nothing counts as covered
        covered, missing = [], [*covered, *missing]
    covered, missing = list(covered)[:MAX_POINTS], list(missing)[:MAX_POINTS]
    parts: list[str] = []
    if contradicts:
        parts.append(
            "Your answer says the opposite of the answer key: check each negation and each "
            "direction (which change raises or lowers what)."
        )
    elif covered:
        parts.append(
            "You correctly " + ("cover: " if steps else "mention: ") + _join(covered) + "."
        )
    elif verdict is not Verdict.CORRECT:
        parts.append("Your answer does not yet state the key points of the answer.")
    if verdict is Verdict.CORRECT and not missing:
        parts.insert(0, "Correct.")
    if missing and verdict is not Verdict.CORRECT:
        parts.append("Missing: " + _join(missing) + ".")
    if mistakes:
        parts.append("Watch out for a common mistake: " + _join(mistakes) + ".")
    next_step = _next_step(verdict, missing, mistakes, steps=steps)
    parts.append(f"Next step: {next_step}")
    return Feedback(correct=covered, missing=missing, next_step=next_step, text=" ".join(parts))


def _next_step(
    verdict: Verdict, missing: Sequence[str], mistakes: Sequence[str], *, steps: bool
) -> str:
    if mistakes:
        return f'compare your answer with the reference and see why "{mistakes[0]}" is wrong.'
    if verdict is Verdict.CORRECT:
        return "explain in one sentence why this works, or try a harder item."
    if missing and steps:
        return f"work through this step: {missing[0]}"
    if missing:
        return f'add how "{missing[0]}" answers the question.'
    return "reread the question and state the main idea in your own words."


def _join(items: Sequence[str]) -> str:
    return "; ".join(item.strip().rstrip(".;:!?") for item in items)


def word_said(word: str, said: frozenset[str]) -> bool:
    """``word``'s stem, or a synonym's (:mod:`tutor.grading.synonyms`), is among the stems
    ``said``."""
    return stem(word) in said or any(stem(other) in said for other in synonyms(word))
