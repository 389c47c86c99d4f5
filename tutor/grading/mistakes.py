"""Which of an item's common mistakes an answer states (the offline grader's ``mistakes``).

An item lists its mistakes as a teacher writes them ("Claiming delimiters fully solve the
problem."); a learner states one in a sentence or a clause of a longer answer ("wrapping the
data in delimiters completely solves injection"). So each mistake is compared, as a
proposition (the teacher's lead-in "Claiming", "Thinking that" ... dropped), with every
sentence and clause of the answer, and is named when

- one part of the answer is close to it (cosine of sentence vectors >= :data:`SIMILARITY`),
- that part is closer to the mistake than to any part of the reference or the solution steps
  by :data:`MARGIN` (a right answer restating the reference is not a mistake), or, where the
  vectors put it nearer the reference part, it says more of the mistake's words than of that
  part's, two at least (:func:`words_said`), and
- the sentence holding the closest part does not reject it: no negation that the mistake
  lacks in its main clause ("There is no protected side channel"), and no words that call it
  wrong ("that belief is wrong").

Measured on ``evals/mistakes.yaml`` (135 answers, 82 labelled mistakes; ``tutor eval
mistakes``): precision 0.73, recall 0.23 (before :func:`left_out`, below), against 0.67 and
0.10 for the whole answer's vector matched against the mistake's alone. The two settings were
chosen on that file; choosing them by F0.5 with one lesson held out at a time (an earlier
form of the rejection check) gave precision 0.53, recall 0.24 on the held-out lessons, nearer
what to expect on a new lesson.
The whole-answer match (the grader's ``Thresholds.mistake``) stays beside it, under the same
rejection check: it finds short answers that are nothing but the mistake. A whole-answer match
caps the grade, and so do two mistakes stated (``Stated.several``); one part match alone is
named when the answer is not graded correct.

A mistake of leaving something out ("Forgetting that the output tokens also consume the
window", "Retrying without a limit") is not stated but made by what an answer lacks, and 29 of
the 82 labels are of that kind. The claim match skips them (their proposition, "the output
tokens also consume the window", is the right fact: an answer saying it was named with the
mistake). :func:`left_out` names one when an answer not graded correct, that names no other
mistake, misses the left-out point (the feedback's coverage test) and, for "X without Y", says
X: recall 0.23 -> 0.37, precision 0.73 -> 0.67 (the settings and the two conditions chosen on
that file; on the int8-weight embedder 0.22 -> 0.34 and 0.72 -> 0.62).

The words check (2026-12-07): "wrapping the data in delimiters completely solves injection" is
0.40 from "delimiters fully solve the problem" but 0.53 from the key's "Delimiters and system
prompts signal which part is data" (the vectors read the topic, delimiters and data), yet it
says three of the mistake's words (delimiters, solve, and "completely" for "fully": an
overclaim, :data:`OVERCLAIMS`) and two of the key part's. On ``evals/mistakes.yaml``: 5 more
mistakes named, none wrongly (precision 0.605 -> 0.646, recall 0.302 -> 0.360); the other
settings were chosen on that file before, this one was not tuned (the similarity is the
rule's own). On the 326 unlabelled answers of ``evals/corpus`` and ``evals/contrast.yaml``,
each graded with and without the item's graded answers, it changed the names of 7 answers and
no grade: 5 right ("they know the truth but choose to lie" now names "Saying the model
deliberately lies", "The system prompt is a protected channel that text in the data cannot
override" the channel mistake), 2 wrong (a rag-02 answer named "Describing the indexing step
(chunking documents) as if it happened at query time" for saying documents and the
question; a right fsp-05 paraphrase "Removing all examples ..." for its examples, format and
tone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tutor.grading.features import EmbeddingTable
from tutor.grading.feedback import coverage, word_said
from tutor.grading.lexical import CLAUSE_BREAK, NEGATIONS, deduplicated, sentences, words

SIMILARITY = 0.35  # an answer part this close to the mistake's proposition may state it ...
MARGIN = 0.05  # ... when it is this much closer to it than to every part of the reference

# The teacher's framing of a mistake, which no learner writes: "Claiming (that) X" -> "X".
_LEAD = re.compile(
    r"^(?:claiming|saying|thinking|assuming|believing|stating|treating|expecting|concluding|"
    r"suggesting|arguing|insisting|describing|attributing|confusing|using|relying on|"
    r"forgetting|ignoring|asking|answering|choosing|putting|adding|picking|trusting)\b"
    r"(?:\s+that)?\s*",
    re.IGNORECASE,
)
# Where a sentence splits into parts that can each carry a claim: lexical's clause breaks, less
# the sentence ends (`parts` splits sentences first, and "0.7" is one number), in any case.
_PART = re.compile(r"[;:]|" + CLAUSE_BREAK, re.IGNORECASE)
# Words that call what the sentence states wrong: it names a mistake only to reject it.
_REJECTS = re.compile(
    r"\b(?:wrong|myths?|misconceptions?|mistaken|mistakes?|false|untrue|belief|fallacy)\b",
    re.IGNORECASE,
)
# A claim's relative clause ("a channel that data cannot affect") does not negate the claim.
_RELATIVE = re.compile(r"\b(?:that|which|who|whom|whose)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+")
# Mistakes of leaving something out: "Forgetting (that) Y", "X without (checking) Y".
_FORGETS = re.compile(
    r"^(?:forgetting|ignoring|omitting|leaving out|skipping|neglecting|overlooking|missing)\b"
    r"(?:\s+(?:that|to|about))?\s*(?P<omitted>.+)$",
    re.IGNORECASE,
)
_WITHOUT = re.compile(
    r"^(?P<said>.+?)\s*,?\s+without\s+(?:(?:mentioning|addressing|saying|checking|explaining|"
    r"naming|giving|any|a|an|the|first)\s+)*(?P<omitted>.+)$",
    re.IGNORECASE,
)
SAYS = 0.4  # an answer part this close to the X of "X without Y" says X
WORDS_SAID = 2  # the words check: at least this many of the mistake's words said
# Words that claim too much, the way many listed mistakes do ("fully solve", "always works"):
# any of them says any other (WordNet's first senses do not link "completely" and "fully")
OVERCLAIMS = frozenset({
    "fully", "completely", "entirely", "totally", "wholly", "perfectly", "always", "never",
    "guarantee", "guarantees", "guaranteed",
})  # fmt: skip
_MIN_WORDS = 3  # a shorter part ("so", "and then") carries no claim of its own


def proposition(mistake: str) -> str:
    """The claim a mistake describes, without the teacher's lead-in."""
    return _LEAD.sub("", mistake.strip()).rstrip(".").strip() or mistake


def parts(text: str) -> list[str]:
    """The text's sentences, then the parts of each sentence that has several."""
    found = sentences(text)
    out = list(found)
    for sentence in found:
        pieces = [p.strip(" ,") for p in _PART.split(sentence)]
        pieces = [p for p in pieces if len(_WORD.findall(p.lower())) >= _MIN_WORDS]
        if len(pieces) > 1:
            out.extend(pieces)
    return list(dict.fromkeys(out))


def _negations(text: str) -> int:
    """Negations in the main clause: a relative clause ("a channel that data cannot affect")
    does not negate what the sentence claims."""
    main = _RELATIVE.split(text, maxsplit=1)[0]
    words = _WORD.findall((main if len(main.split()) >= _MIN_WORDS else text).lower())
    return sum(w.replace("'", "") in NEGATIONS for w in words)


def rejects(sentence: str, claim: str) -> bool:
    """The sentence negates the claim (one negation more or less in its main clause) or calls
    it wrong."""
    return (_negations(sentence) - _negations(claim)) % 2 == 1 or bool(_REJECTS.search(sentence))


class Stated(NamedTuple):
    """The mistakes an answer states: ``whole`` when the whole answer is the mistake (the
    grader caps its score), ``part`` when one part of it is (named unless the answer is
    otherwise graded correct: on the corpus's right answers a part match alone was too often
    wrong to let it lower a grade). ``parts_pending``: the part matches were not looked for
    yet (``parts_too=False`` and no whole-answer match); :func:`with_parts` looks for them."""

    whole: list[str]
    part: list[str]
    parts_pending: bool = False

    @property
    def several(self) -> bool:
        """Two or more of the listed mistakes stated, whole or in part. One part match alone
        is too often a right answer's (4 of the 54 right answers of ``evals/corpus``); two
        distinct ones were stated by none of 170 right answers (``evals/corpus``, the items'
        graded answers scored 1, the contrast paraphrases) nor by the 69 answers of
        ``evals/mistakes.yaml`` that make no mistake (docs/design/evals.md, 2026-12-07)."""
        return len({*self.whole, *self.part}) >= 2


def claims(mistakes: Sequence[str]) -> int:
    """How many of the mistakes claim something (not omissions, :func:`omission`): the ones a
    part of an answer can state."""
    return sum(omission(m) is None for m in mistakes)


def stated_mistakes(
    answer: str,
    mistakes: Sequence[str],
    references: Sequence[str],
    table: EmbeddingTable,
    *,
    whole_similarity: float = 0.6,
    parts_too: bool = True,
) -> Stated:
    """The mistakes (as listed) that the answer states; ``references`` are the reference
    answers and the solution steps. ``whole_similarity``: the grader's ``Thresholds.mistake``,
    from which the whole answer's vector alone names a mistake.

    ``parts_too=False`` is for a caller that wants only ``whole`` for now (the grader, before it
    knows whether the answer is graded correct): the answer's sentences and clauses, one
    forward pass each, are then embedded only when the whole answer is close enough to a
    mistake to name it (its rejection check reads the sentence holding the closest part);
    otherwise the result is ``parts_pending`` and :func:`with_parts` completes it later without
    matching the whole answer again. ``whole`` is the same either way."""
    if not mistakes:
        return Stated([], [])
    text = deduplicated(answer)
    answer_parts = parts(text)
    if not answer_parts:
        return Stated([], [])
    whole = table[[text]][0]
    whole_to_mistakes = table[list(mistakes)] @ whole
    whole_to_reference = float((table[list(references)] @ whole).max())
    in_whole = (whole_to_mistakes >= whole_similarity) & (whole_to_mistakes > whole_to_reference)
    if not parts_too and not in_whole.any():
        return Stated([], [], parts_pending=True)
    return _named(text, answer_parts, mistakes, references, table, in_whole)


def with_parts(
    stated: Stated,
    answer: str,
    mistakes: Sequence[str],
    references: Sequence[str],
    table: EmbeddingTable,
) -> Stated:
    """``stated`` (from ``parts_too=False``, same arguments) with its part matches: a pending
    one matched no mistake as a whole, so only the parts are compared now."""
    if not stated.parts_pending:
        return stated
    text = deduplicated(answer)
    no_whole = np.zeros(len(mistakes), dtype=bool)
    return _named(text, parts(text), mistakes, references, table, no_whole)


def _named(
    text: str,
    answer_parts: list[str],
    mistakes: Sequence[str],
    references: Sequence[str],
    table: EmbeddingTable,
    in_whole: npt.NDArray[np.bool_],
) -> Stated:
    """The mistakes that the whole answer (``in_whole``, per mistake) or one of its parts
    states, less those its sentence rejects."""
    reference_parts = [p for r in references for p in parts(r)] or list(references)
    claims = [proposition(m) for m in mistakes]
    vectors = table[answer_parts]
    to_reference_parts = vectors @ table[reference_parts].T
    to_reference = to_reference_parts.max(axis=1)
    to_claims = vectors @ table[claims].T  # parts x mistakes
    whole_sentences = sentences(text)
    found = Stated([], [])
    for j, mistake in enumerate(mistakes):
        if omission(mistake):  # "Forgetting that X": X is no claim to find (see left_out)
            continue
        sims = to_claims[:, j]
        k = int(np.argmax(sims))
        nearest = reference_parts[int(to_reference_parts[k].argmax())]
        in_part = sims[k] >= SIMILARITY and (
            sims[k] - to_reference[k] >= MARGIN or _says_more(answer_parts[k], claims[j], nearest)
        )
        if not (in_part or in_whole[j]):
            continue
        part = answer_parts[k]
        sentence = next((s for s in whole_sentences if part in s), part)
        if not rejects(sentence, claims[j]):
            (found.whole if in_whole[j] else found.part).append(mistake)
    return found


def words_said(part: str, text: str) -> int:
    """How many of the text's content words the part says: the same stem, a WordNet synonym
    or derived form, and one for any overclaim (:data:`OVERCLAIMS`) both make."""
    said, claimed = words(part), words(text)
    found = sum(word_said(w, said.stems) for w in claimed.content)
    return found + bool(OVERCLAIMS & set(said.tokens) and OVERCLAIMS & set(claimed.tokens))


def _says_more(part: str, claim: str, reference_part: str) -> bool:
    """The words check: the part says :data:`WORDS_SAID` or more of the claim's words, and more
    of them than of the reference part's."""
    said = words_said(part, claim)
    return said >= WORDS_SAID and said > words_said(part, reference_part)


class Omission(NamedTuple):
    """A mistake of leaving ``omitted`` out, while saying ``said`` ("X without Y")."""

    said: str | None
    omitted: str


def omission(mistake: str) -> Omission | None:
    """The mistake as what it leaves out, or None for a mistake that claims something."""
    text = mistake.strip().rstrip(".")
    if match := _FORGETS.match(text):
        return Omission(None, match["omitted"])
    if match := _WITHOUT.match(text):
        return Omission(match["said"], match["omitted"])
    return None


def omission_texts(mistakes: Sequence[str]) -> list[str]:
    """What :func:`left_out` embeds for these mistakes (so a batch can embed it in one pass)."""
    texts: list[str] = []
    for m in mistakes:
        if found := omission(m):
            texts += [*([found.said] if found.said else []), found.omitted]
            texts += words(found.omitted).content
    return texts


def left_out(
    answer: str, mistakes: Sequence[str], question: str, table: EmbeddingTable
) -> list[str]:
    """The first listed mistake of leaving something out that the answer makes (at most one):
    it misses the left-out point and, for "X without Y", one of its parts says X. For an answer
    that is not graded correct and names no other mistake (on other answers it mostly names
    a point the answer leaves out for another reason)."""
    text = deduplicated(answer)
    answer_parts = parts(text) or [text]
    for mistake in mistakes:
        found = omission(mistake)
        if found is None:
            continue
        _, missing = coverage(text, [found.omitted], question, table, steps=False, terms=False)
        if not missing:
            continue
        if found.said and float((table[answer_parts] @ table[[found.said]][0]).max()) < SAYS:
            continue
        return [mistake]
    return []
