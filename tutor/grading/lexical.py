"""Word-level views of a text: content stems, negations, numbers, antonyms.

Plain Python, no external NLP package: a light suffix stemmer is enough to match "evaporated"
with "evaporates", and the lists below are small, domain-free English word lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, update_wrapper
from itertools import pairwise
from typing import Generic, TypeVar

from tutor.grading.opposites import (
    ANTONYM_PAIRS,
    CONFUSABLE_PAIRS,
    DIRECTION_PAIRS,
    OPPOSITE_PAIRS,
)

T = TypeVar("T", bound=Hashable)
R = TypeVar("R")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)?")
RESTATES = (0.6, 0.5)  # content-word precision and recall from which an answer restates
_CONJUNCTION = r"\b(?:but|because|so|although|though|while|whereas|however)\b"
# Where a sentence breaks into clauses that each carry a claim: a conjunction ("but", "so", ...),
# or a comma before one or before "and", "which", "or". `_CLAUSES` here and the mistake matcher
# (`mistakes._PART`) split there; `_CLAUSE` splits at every comma.
CLAUSE_BREAK = r",\s*(?=(?:and|but|so|which|while|whereas|because|or)\b)|" + _CONJUNCTION
_CLAUSE = re.compile(r"[.;:!?,]|" + _CONJUNCTION)
_POSSESSIVE = re.compile(r"'s\b")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twice": "2", "half": "0.5",
}  # fmt: skip

STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from into onto as is are was were
    be been being am do does did has have had having it its it's this that these those there their
    they them he she his her we our you your i me my which who whom what when where why how will
    would can could should may might must shall also than too very just about over under up out
    because since while such some any each other more most much many only own same both all
    again further once here s t""".split()
)
NEGATIONS = frozenset(
    """not no never none nothing neither nor nobody nowhere cannot without cant dont doesnt
    didnt isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt""".split()
)


def stem(word: str) -> str:
    """A light suffix stripper: plural, past and progressive forms, a few derivations."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ational", "ate"), ("ization", "ize"),
                         ("ness", ""), ("ments", ""), ("ment", ""), ("ingly", ""), ("edly", ""),
                         ("ing", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", "")):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            base = word[: len(word) - len(suffix)] + keep
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] not in "lsz":
                base = base[:-1]  # "stopped" -> "stop"
            return base
    return word


def clause_stem(word: str) -> str:
    """:func:`stem` with a final "e" dropped, for the clause check only: the stemmer keeps
    "example" and "generate" but gives "exampl" and "generat" for "examples" and "generates",
    so a clause and its negation did not pair on them. The trees' features keep :func:`stem`,
    the one they were fitted with."""
    base = stem(word)
    return base[:-1] if len(base) > 4 and base.endswith("e") and base.isalpha() else base


def _antonyms(
    pairs: Sequence[tuple[str, str]], stemmer: Callable[[str], str] = stem
) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for a, b in pairs:
        for x, y in ((stemmer(a), stemmer(b)), (stemmer(b), stemmer(a))):
            out[x] = out.get(x, frozenset()) | {y}
    return out


_NON = "non"
_NON_WORD = 6  # letters at least of a word read as "non" and another word ("nonzero", not "none")
_ANTONYMS = _antonyms(ANTONYM_PAIRS)
_CLAUSE_ANTONYMS = _antonyms(
    [*ANTONYM_PAIRS, *DIRECTION_PAIRS, *OPPOSITE_PAIRS, *CONFUSABLE_PAIRS], clause_stem
)


def _word_antonyms(stem_: str) -> frozenset[str]:
    """The whole texts' antonyms of a stem (the trees' feature)."""
    return _ANTONYMS.get(stem_, frozenset())


def _clause_opposites(stem_: str) -> frozenset[str]:
    """A clause stem's opposites, and its "non" form ("nonrenewabl" for "renewabl" and back:
    the clauses join "non-renewable" into one word, :func:`_joined_non`). Not "un": "heat up
    faster than uncovered" says what "heats up faster when covered" says."""
    prefixed = stem_.startswith(_NON) and len(stem_) > _NON_WORD
    return _CLAUSE_ANTONYMS.get(stem_, frozenset()) | {
        stem_[len(_NON) :] if prefixed else _NON + stem_
    }


def clause_opposites(word: str) -> frozenset[str]:
    """The clause stems of a word's opposites and confusables (:mod:`.opposites`), as the
    clause check reads them ("releas" for "absorbs")."""
    return _clause_opposites(clause_stem(word))


@dataclass(frozen=True)
class Words:
    """What the lexical features need to know about one text."""

    tokens: tuple[str, ...]  # every word, lower-cased, negations kept
    content: tuple[str, ...]  # distinct content words, unstemmed, in order of appearance
    stems: frozenset[str]  # content stems (no stopwords, no negations)
    bigrams: frozenset[tuple[str, str]]  # adjacent content stems
    negations: int
    negated: frozenset[str]  # content stems of negated clauses ("X does not show Y" -> X, Y)
    numbers: frozenset[str]
    letters: int


# The item's texts (question, key, steps, mistakes, examples) come back on every grade and stay
# recently used; a learner's answer seldom does. Each entry of a paragraph costs ~6 KiB, so the
# bounds hold memory to ~25 MB and ~10 MB (65,536 let a service grow ~15 KiB per graded answer
# for some 25,000 answers); a miss costs 40-70 us.
_RECENT_TEXTS = 4096
# The texts a grader marks as its call's answers (:func:`answers_apart`) have caches of their
# own, so a service's stream of new answers neither pushes the items' texts out of the large
# ones nor fills them: bounded at 4,096, they grew a service by ~17 MB over its first 5,000
# answers (the 5-minute soak's RSS +5.2% after minute 1).
_RECENT_ANSWERS = 1024
_ANSWERS: ContextVar[frozenset[str]] = ContextVar("answers", default=frozenset())


@contextmanager
def answers_apart(texts: Iterable[str]) -> Iterator[None]:
    """Within it (in this thread), the word views of ``texts`` are cached apart from every
    other text's, in small caches of their own: a call's answers, seldom seen again."""
    token = _ANSWERS.set(frozenset(texts))
    try:
        yield
    finally:
        _ANSWERS.reset(token)


class PerText(Generic[R]):
    """A cached view of a text (:func:`words`, :func:`clauses`): the ``kept`` most recent
    texts, and apart from them the ``answered`` most recent of the answers marked by
    :func:`answers_apart`."""

    def __init__(self, view: Callable[[str], R], kept: int, answered: int) -> None:
        self._texts = lru_cache(maxsize=kept)(view)
        self._answers = lru_cache(maxsize=answered)(view)
        update_wrapper(self, view)

    def __call__(self, text: str) -> R:
        return (self._answers if text in _ANSWERS.get() else self._texts)(text)

    def misses(self) -> tuple[int, int]:
        """Texts each cache has computed: (every other text, the answers)."""
        return self._texts.cache_info().misses, self._answers.cache_info().misses


def _per_text(kept: int, answered: int) -> Callable[[Callable[[str], R]], PerText[R]]:
    return lambda view: PerText(view, kept, answered)


def spoken(text: str) -> tuple[str, ...]:
    """The text's word tokens as written (lower case, "n't" spelled out), number words kept:
    what feedback quotes back to the learner, where :func:`words` reads "half" as "0.5"."""
    return tuple(_WORD.findall(_lowered(text)))


def token_stem(token: str) -> str:
    """The stem :func:`words` compares for one token of :func:`spoken` ("half" -> "0.5")."""
    return stem(_NUMBER_WORDS.get(token, token))


@_per_text(_RECENT_TEXTS, _RECENT_ANSWERS)
def words(text: str) -> Words:
    lowered = _lowered(text)
    tokens = tuple(_NUMBER_WORDS.get(t, t) for t in _WORD.findall(lowered))
    kept = [t for t in tokens if t not in STOPWORDS and t not in NEGATIONS]
    content = [stem(t) for t in kept]
    return Words(
        tokens=tokens,
        content=tuple(dict.fromkeys(kept)),
        stems=frozenset(content),
        bigrams=frozenset(pairwise(content)),
        negations=sum(t in NEGATIONS for t in tokens),
        negated=_negated(lowered),
        numbers=frozenset(t.replace(",", ".") for t in tokens if _NUMBER.match(t)),
        letters=sum(c.isalpha() for c in text),
    )


def _lowered(text: str) -> str:
    """Lower case, "n't" and "cannot" spelled out, possessive "'s" dropped."""
    lowered = (
        text.lower().replace("\u2019", "'").replace("n't", " not").replace("cannot", "can not")
    )
    return _POSSESSIVE.sub("", lowered)


def _negated(lowered: str) -> frozenset[str]:
    """Content stems of the clauses that hold a negation cue."""
    out: set[str] = set()
    for clause in _CLAUSE.split(lowered):
        tokens = _WORD.findall(clause)
        if any(t in NEGATIONS for t in tokens):
            out.update(stem(t) for t in tokens if t not in STOPWORDS and t not in NEGATIONS)
    return frozenset(out)


def polarity_clashes(answer: Words, reference: Words) -> int:
    """Shared content stems that one text negates and the other does not."""
    shared = answer.stems & reference.stems
    return len((answer.negated & shared) ^ (reference.negated & shared))


def contradicts(answer: str, references: Sequence[str]) -> bool:
    """The answer restates the one reference with the opposite polarity ("X is not Y" for "X is
    Y", or a word turned into its opposite); or it says every reference with a word turned into
    its opposite (:func:`turns`).

    The restating test reads a single reference only: where a key has several, they often say
    one fact both ways (Beetle's "Terminal 5 and the positive terminal are connected" beside
    "... are not separated by the gap"), and an answer that negates the words of one of them is
    as often right as wrong. On held-out questions reading them cost Beetle's macro-F1 0.013."""
    if len(references) == 1:
        aw, rw = words(answer), words(references[0])
        precision, recall, _ = overlap(aw.stems, rw.stems)
        if precision >= RESTATES[0] and recall >= RESTATES[1]:
            flipped = aw.negations % 2 != rw.negations % 2 and polarity_clashes(aw, rw) >= 2
            return flipped or antonym_clashes(aw, rw) > 0 or turns(answer, references[0])
    return bool(references) and all(turns(answer, r) for r in references)


_WHY = re.compile(r"^\W*why\b", re.IGNORECASE)
_CONTRACTED_NOT = re.compile(r"n[\^'\u2019]t\b", re.IGNORECASE)  # Beetle writes "didn^t"
# Where a why-question's claim ends: "Why was bulb A on | when switch Y was open?"
_CLAIM_END = re.compile(
    r"[.?!;:]|\b(?:when|whenever|if|after|before|while|since|because|although|than)\b"
)


def denies_question(answer: str, question: str) -> bool:
    """The answer denies the fact a why-question asks about, in the question's own words: "The
    list does not need to be sorted" for "Why does binary search need sorted input?", "Ice does
    not float" for "Why does ice float on water?". A clause whose negation governs a word of
    the question's claim (the first content word after the cue), holding two or more of the
    claim's content stems and at most one of its own; a question that negates is skipped.

    An explanation that negates brings words of its own ("Without sunlight plants cannot make
    food", "Ice floats because it is not as dense as water") or negates another word ("They
    are not connected to the negative terminal" for "Why ... a different electrical state than
    the negative terminal?"), so it is not read."""
    if not _WHY.match(question) or words(question).negations or _CONTRACTED_NOT.search(question):
        return False
    claim = _CLAIM_END.split(_lowered(question).strip(), maxsplit=1)[0]
    asked = _named(_content_stems(_WORD.findall(claim)))
    for clause in _CLAUSE.split(_lowered(answer)):
        tokens = _WORD.findall(clause)
        content = _named(_content_stems(tokens))
        if len(content & asked) < 2 or len(content - asked) > 1:
            continue
        for at, token in enumerate(tokens):
            if token in NEGATIONS:
                governed = next((t for t in tokens[at + 1 :] if t not in STOPWORDS), None)
                if governed is not None and clause_stem(governed) in asked:
                    return True
    return False


def _named(stems: frozenset[str]) -> frozenset[str]:
    """Stems of two or more letters: "bulb a" and "switch y" name things by a letter, which
    says nothing of what is asked."""
    return frozenset(s for s in stems if len(s) > 1)


def turns(answer: str, reference: str) -> bool:
    """A short answer is the reference with a word turned into its opposite, counting the
    opposite as shared: "It lowers the pressure." for "It raises the pressure.", "Above 7" for
    "Below 7" (the models graded them `partially_correct` 0.57 and `correct` 0.70). Shared
    words alone fall short of restating it (one of two), so :func:`contradicts`'s first test
    never reads them. On the ASAG files' answers it reads 4 more wrong ones and 2 more right
    ones ("Whichever side has more string has a lower pitch" against "When the string was
    shorter, the pitch was higher")."""
    a, r = _clause_stems(answer), _clause_stems(reference)
    if not a or not r or _compared(answer, reference) is False:  # "sound is slower than light"
        return False
    shared, opposites = len(a & r), _opposed(_asserted(answer), _asserted(reference),
                                              _clause_opposites)  # fmt: skip
    both = shared + opposites
    return (
        shared >= 1 and opposites >= 1
        and both / len(a) >= RESTATES[0] and both / len(r) >= RESTATES[1]
    )  # fmt: skip


def _clause_stems(text: str) -> frozenset[str]:
    return frozenset().union(*(c.stems for c in clauses(text)))


def _asserted(text: str) -> frozenset[str]:
    """The clause stems no negation governs (:func:`_said` of every clause): "not a conductor"
    turns no "insulator"."""
    return frozenset().union(*(_said(c) for c in clauses(text)))


# Clauses of a long answer or key: sentences, and the parts joined by a conjunction. Unlike
# `_CLAUSE` (negated stems of short answers), a bare comma does not split: "Terminals 4, 5 and 6
# are separated ..." would become two clauses that one answer clause reverses twice.
_CLAUSES = re.compile(r"[.;:!?]|" + CLAUSE_BREAK)
_REPLY = re.compile(r"^\s*(?:no|yes)\s*,")  # "No, X is not Y": the "no" answers, negates nothing
REVERSED_CLAUSES = 2  # clauses of a reference restated with the opposite polarity
_LONG_SHARED = 4  # shared stems from which half of them negated differently flips a clause


@dataclass(frozen=True)
class Clause:
    stems: frozenset[str]
    negated: frozenset[str]  # stems after a negation cue of the clause


@_per_text(_RECENT_TEXTS // 2, _RECENT_ANSWERS // 2)
def clauses(text: str) -> tuple[Clause, ...]:
    """The text's clauses that hold content words, each with the stems a negation governs: a
    cue ("not", "never", "neither ... nor") negates what follows it in its clause."""
    out: list[Clause] = []
    for part in _CLAUSES.split(_lowered(text)):
        stems: set[str] = set()
        negated: set[str] = set()
        after_cue = False
        for token in _joined_non(_WORD.findall(_REPLY.sub("", part))):
            if token in NEGATIONS:
                after_cue = True
            elif token not in STOPWORDS:
                stems.add(clause_stem(token))
                if after_cue:
                    negated.add(clause_stem(token))
        if stems:
            out.append(Clause(frozenset(stems), frozenset(negated)))
    return tuple(out)


def _joined_non(tokens: list[str]) -> list[str]:
    """ "non" joined to the word it negates: "non-renewable" and "non renewable" are one word,
    "nonrenewable", the opposite of "renewable" for the clause checks
    (:func:`_clause_opposites`)."""
    out: list[str] = []
    for token in tokens:
        if out and out[-1] == _NON and token.isalpha():
            out[-1] = _NON + token
        else:
            out.append(token)
    return out


def _flipped(reference: Clause, answer: Clause) -> bool:
    """Most of the stems both clauses hold are negated in one and not in the other, or half of
    them when they share four or more: a cue negates what follows it, so in a long clause the
    subject before it stays un-negated ("input and output do not share the window" against
    "input and output share the window": two of four). With half for any size, two right
    answers of the 4,761 below were read as reversed; with four or more, none."""
    shared = reference.stems & answer.stems
    differ = 2 * len((reference.negated ^ answer.negated) & shared)
    return (
        differ > len(shared)
        or (len(shared) >= _LONG_SHARED and differ >= len(shared))
        or _asserts_denied(reference, answer)
    )


def _asserts_denied(reference: Clause, answer: Clause) -> bool:
    """The reference clause says "A, not B" and the answer clause says B without A: "the
    model treats it as instructions" for "the model treats it as material to analyse, not as
    instructions" (the shared subject and verb outvote the one negated word)."""
    denied = reference.negated
    alternative = reference.stems - denied - answer.stems
    return bool(
        denied and alternative and reference.stems - denied
        and denied <= answer.stems - answer.negated
    )  # fmt: skip


SWAP_OVERLAP = 2 / 3  # of the shorter clause's stems, for a pair to be read for an antonym


def _said(clause: Clause) -> frozenset[str]:
    """The clause's stems no negation governs: a negated opposite ("is not a conductor" for
    "is an insulator") says the same, not the opposite."""
    return clause.stems - clause.negated


def _turned(reference: Clause, answer: Clause) -> bool:
    """The answer clause says the reference clause's point in the other direction: it uses
    an opposite of one of its words ("lowering it flattens" for "lowering it sharpens"),
    which the reference clause does not, and not the word itself."""
    return _opposed(_said(answer), _said(reference), _clause_opposites) > 0


def reversed_clauses(answer: str, reference: str) -> int:
    """How many clauses of the reference the answer restates with the opposite polarity.

    Each reference clause is paired with at most one answer clause, best overlap first, when
    they share at least half of the shorter one's content stems (two or more); the pair is
    reversed when most of those shared stems are negated in one clause and not in the other,
    or, when they share at least ``SWAP_OVERLAP`` of the shorter one's stems, when the answer
    clause turns a word of the reference clause into its opposite (:func:`_turned`). Clauses
    too short to share two stems are paired when they mirror each other (:func:`_mirrored`).
    "Temperature does not rescale the scores ... does not sharpen" against "Temperature
    rescales the scores ... sharpens" gives 2, and so does "lowering it flattens ...; raising
    it sharpens ..." against "lowering it sharpens ...; raising it flattens ..."; "the output
    is predictable, not varied" gives 0 against "the output is predictable".

    Two or more reversed clauses were found in none of the train files' right answers
    (SciEntsBank 2,008, Beetle 1,665, Mohler 1,792; they are one or two clauses long) nor our
    items' 94 right graded answers, and in 8 of the 12 negated contrast cases. With the
    opposites (2026-12-06): still none of those 4,667 + 94 right answers nor the 20 paraphrase
    contrast cases, and one swapped case more (samp-02-swap1); without the overlap bound for
    opposites, one right Beetle answer ("black will absorb the heat" read against "white
    reflects more heat"). Mirrored short clauses (2026-12-06): still none of the 4,761 right
    answers; the 2,160 grades of the identity dump unchanged."""
    ref, ans = clauses(reference), clauses(answer)
    pairs: list[tuple[float, int, int, int]] = []
    for i, r in enumerate(ref):
        for j, a in enumerate(ans):
            shared, shorter = len(r.stems & a.stems), min(len(r.stems), len(a.stems))
            if shared >= max(2, shorter / 2):
                pairs.append((shared / shorter, shared, i, j))
            elif mirrored := _mirrored(r, a):
                pairs.append((mirrored, shared, i, j))
    pairs.sort(reverse=True)  # at equal shares, more shared words first
    used_ref: set[int] = set()
    used_ans: set[int] = set()
    flipped = 0
    for share, _, i, j in pairs:
        if i not in used_ref and j not in used_ans:
            used_ref.add(i)
            used_ans.add(j)
            flipped += _flipped(ref[i], ans[j]) or (
                share >= SWAP_OVERLAP and _turned(ref[i], ans[j])
            )
    return flipped


def _mirrored(reference: Clause, answer: Clause) -> float:
    """The answer clause is the reference clause with words turned into their opposites: the
    shared stems and the opposites together make ``SWAP_OVERLAP`` of the longer clause. This
    pairs clauses that share one word ("raising it sharpens it" against "raising it
    flattens it"), which the plain overlap (two shared stems) never pairs; the longer clause
    as the measure keeps a comparison read from the other side apart ("black absorbs the heat"
    against "white reflects more heat than black"). Returns that share, or 0."""
    shared = len(reference.stems & answer.stems)
    opposites = _opposed(_said(answer), _said(reference), _clause_opposites)
    share = (shared + opposites) / max(len(reference.stems), len(answer.stems))
    return share if shared >= 1 and opposites >= 1 and share >= SWAP_OVERLAP else 0.0


def reverses(answer: str, references: Sequence[str]) -> bool:
    """The answer reverses at least ``REVERSED_CLAUSES`` clauses of every reference, its
    comparison (:func:`reverses_comparison`), its cause and effect (:func:`reverses_cause`),
    its change (:func:`reverses_flow`) or the parts of two of its terms (:func:`swaps_roles`):
    it says the key's points with the opposite polarity, which sentence vectors barely see."""
    return bool(references) and all(
        reversed_clauses(answer, r) >= REVERSED_CLAUSES
        or reverses_comparison(answer, r)
        or reverses_cause(answer, r)
        or reverses_flow(answer, r)
        or swaps_roles(answer, r)
        or exchanges_terms(answer, r)
        or turns_passive(answer, r)
        for r in references
    )


_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "get", "gets", "got"})
_AGENT = "by"
_PASSIVE_SPAN = 4  # tokens at most from a participle to its "by" ("hunted and eaten by")


def _passive(tokens: Sequence[str]) -> tuple[int, int, int] | None:
    """Where a clause's passive stands: its "be" word, its (first) participle and its "by"."""
    for b, token in enumerate(tokens):
        if token not in _BE:
            continue
        for p in range(b + 1, min(b + 3, len(tokens))):
            if tokens[p].endswith(("ed", "en")):
                after = tokens[p + 1 : p + 1 + _PASSIVE_SPAN]
                if _AGENT in after:
                    return b, p, p + 1 + after.index(_AGENT)
    return None


def _is_passive(text: str) -> bool:
    """A clause of the text is in the passive with its agent ("is produced by")."""
    return any(_passive(_WORD.findall(part)) for part in _CLAUSES.split(_lowered(text)))


def turns_passive(answer: str, reference: str) -> bool:
    """The answer says a key clause in the passive with its roles turned round: the key's
    object is the answer's agent and the key's subject its subject. "An animal that is hunted
    and eaten by other animals." for a predator's "An animal that hunts and eats other
    animals." (`correct` 0.94); not "Food is produced by plants." for "Plants produce food."
    (the roles kept), nor a key already in the passive."""
    for r_part in _CLAUSES.split(_lowered(reference)):
        key = _WORD.findall(r_part)
        if _AGENT in key:
            continue
        for a_part in _CLAUSES.split(_lowered(answer)):
            said = _WORD.findall(a_part)
            found = _passive(said)
            if found is None or any(t in NEGATIONS for t in said):
                continue
            be, participle, agent = found
            verb = clause_stem(said[participle])
            for v, token in enumerate(key):
                if clause_stem(token) != verb or any(t in _BE for t in key[max(0, v - 2) : v]):
                    continue
                subject = _role_words(key[:v])
                obj = _role_words(key[v + 1 :]) - subject - {verb}
                their = _role_words(said[:be])
                by = _role_words(said[agent + 1 :])
                if by & obj and not their & obj and their & subject:
                    return True
    return False


# Words that name no role: "other" does ("other animals" is not "an animal")
_NO_ROLE = frozenset({"a", "an", "the", "that", "which", "who", "and", "or", "of", "to", "it"})


def _role_words(tokens: Sequence[str]) -> frozenset[str]:
    return frozenset(clause_stem(t) for t in tokens if t not in _NO_ROLE and t not in NEGATIONS)


@dataclass(frozen=True)
class Comparison:
    """A clause that compares: what comes before the comparative, the compared quality (a
    word's base: "dens" for "denser" and "less dense") with its direction (+1 more, -1 less,
    turned by a negation before it), and what comes after "than"."""

    left: frozenset[str]
    quality: str
    direction: int
    right: frozenset[str]


# Direction words of the pairs above, each read as its first word's quality: "slower" is less
# "faster". Degree words are no content ("much faster"), nor "ones" ("than the red ones").
_COMPARATIVES = {w: (a, sign) for a, b in DIRECTION_PAIRS for w, sign in ((a, 1), (b, -1))}
_DEGREE = frozenset("much far lot even slightly bit way still little one ones".split())


def _content_stems(tokens: Iterable[str], skip: frozenset[str] = frozenset()) -> frozenset[str]:
    """The clause stems of the tokens that are content: no stopword, negation or ``skip``."""
    kept = (t for t in tokens if t not in STOPWORDS and t not in NEGATIONS and t not in skip)
    return frozenset(clause_stem(t) for t in kept)


def _quality(word: str) -> str:
    """The base a comparative and its adjective share: "denser"/"dense" -> "dens"."""
    return word.rstrip("e")


@_per_text(_RECENT_TEXTS // 2, _RECENT_ANSWERS // 2)
def comparisons(text: str) -> tuple[Comparison, ...]:
    """The text's "X is <comparative> than Y" clauses: "-er" comparatives and "more/less X"."""
    out = []
    for part in _CLAUSES.split(_lowered(text)):
        tokens = _WORD.findall(part)
        than = tokens.index("than") if "than" in tokens else 0
        if not than:
            continue
        word = tokens[than - 1]
        if than >= 2 and tokens[than - 2] in ("more", "less"):
            start, direction = than - 2, 1 if tokens[than - 2] == "more" else -1
            quality, sign = _COMPARATIVES.get(word, (word, 1))
            direction *= sign
        elif word in _COMPARATIVES:
            start, (quality, direction) = than - 1, _COMPARATIVES[word]
        elif word in ("more", "less"):  # "scatter blue light much more than red light"
            start, quality, direction = than - 1, "more", 1 if word == "more" else -1
        elif word.endswith("er") and len(word) > 4:  # "denser", "bigger", "heavier"
            base = word[:-3] + "y" if word.endswith("ier") else word[:-2]
            base = base[:-1] if base[-1] == base[-2] else base
            start, quality, direction = than - 1, base, 1
        else:
            continue
        if any(t in NEGATIONS for t in tokens[:start]):  # "light is not faster than sound"
            direction = -direction
        # each side by what only it says: "heaters with blue collectors heat up faster than
        # heaters with red collectors" compares "blue" with "red"
        before = _content_stems(tokens[:start], _DEGREE)
        after = _content_stems(tokens[than + 1 :], _DEGREE)
        left, right = before - after, after - before
        if left and right:
            out.append(Comparison(left, _quality(quality), direction, right))
    return tuple(out)


def reverses_comparison(answer: str, reference: str) -> bool:
    """The answer compares the key's two things the other way round: the same order with the
    other direction ("ice is denser than water" for "ice is less dense than water"), or the
    order swapped with the same one ("sound is faster than light" for "light travels faster
    than sound"; the models graded both `correct` 0.77-0.78). On the train files' and our
    items' answers it fires on none."""
    return _compared(answer, reference) is True


def _compared(answer: str, reference: str) -> bool | None:
    """Whether the answer's comparison of the key's two things reverses the key's (True) or
    says it again (False: the same order and direction, or both turned: "sound is slower than
    light"); None when they compare nothing alike."""
    found = None
    for a in comparisons(answer):
        for r in comparisons(reference):
            if a.quality != r.quality:
                continue
            # what follows "than" is the compared thing alone; before it the verb and its
            # object may be shared ("sound travels faster than light")
            same = bool(a.left & r.left and a.right & r.right) and not a.right & r.left
            swapped = bool(a.left & r.right and a.right & r.left) and not a.right & r.right
            if same or swapped:
                if (a.direction == r.direction) != same:
                    return True
                found = False
    return found


# Cause and effect: "X, so Y" and "Y because X" / "Because X, Y". A "so" of purpose ("so that
# ...", "so the root can take up water") links no result to its cause.
_SENTENCES = re.compile(r"[.;!?]")
_RESULT = re.compile(r",?\s*\b(?:so|therefore|thus|hence)\b\s*")
_REASON = re.compile(r",?\s*\b(?:because|since|due to)\b\s*")
_PURPOSE = re.compile(r"(?:that\b|\w+(?:\s+\w+)?\s+(?:can|could|will|would|may|might)\b)")


@dataclass(frozen=True)
class Link:
    """A cause and its effect, each by what only it says."""

    cause: frozenset[str]
    effect: frozenset[str]


@_per_text(_RECENT_TEXTS // 2, _RECENT_ANSWERS // 2)
def links(text: str) -> tuple[Link, ...]:
    """The text's causes and effects, a sentence at most one each."""
    out = []
    for sentence in (s.strip() for s in _SENTENCES.split(_lowered(text))):
        pair: tuple[str, str] | None = None
        reason, result = _REASON.search(sentence), _RESULT.search(sentence)
        if reason is not None:
            before, after = sentence[: reason.start()], sentence[reason.end() :]
            if before.strip():  # "Y because X"
                pair = (after, before)
            elif "," in after:  # "Because X, Y"
                cause, effect = after.split(",", 1)
                pair = (cause, effect)
        elif result is not None and not _PURPOSE.match(sentence, result.end()):
            pair = (sentence[: result.start()], sentence[result.end() :])
        if pair is not None:
            cause, effect = (_content_stems(_WORD.findall(side)) for side in pair)
            if cause - effect and effect - cause:
                out.append(Link(cause - effect, effect - cause))
    return tuple(out)


def reverses_cause(answer: str, reference: str) -> bool:
    """The answer gives the key's effect as the cause and its cause as the effect: "The ground
    is wet, so it rained." for "It rained overnight, so the ground is wet." (`correct` 0.75).
    Each side of the answer must be at least half the key's other side and share nothing with
    its own; on the train files and our items it fires on 3 wrong answers and no right one."""
    for a in links(answer):
        for r in links(reference):
            if (
                len(a.cause & r.effect) * 2 >= len(a.cause)
                and len(a.effect & r.cause) * 2 >= len(a.effect)
                and not (a.cause & r.cause or a.effect & r.effect)
            ):
                return True
    return False


# What turns into what, moves from where to where, or comes first: "from X to Y", "X into Y",
# "X becomes Y", "(first) X, then Y".
_FROM_TO = re.compile(r"\bfrom\b(?P<source>.+?)\b(?:to|into|towards?)\b(?P<target>.+)")
_INTO = re.compile(r"(?P<source>.+?)\b(?:into|becomes?|became|then)\b(?P<target>.+)")


@dataclass(frozen=True)
class Flow:
    """A change, a movement or a sequence: what it starts from and what it ends in, each by
    what only it says ("heat flows from the hot object to the cold object": hot -> cold)."""

    source: frozenset[str]
    target: frozenset[str]


# "one" stands for a noun said before it ("from a dilute solution to a concentrated one"): an
# end of a flow, not a word both ends share
_PRO_FORMS = frozenset({"one", "ones"})


@_per_text(_RECENT_TEXTS // 2, _RECENT_ANSWERS // 2)
def flows(text: str) -> tuple[Flow, ...]:
    """The text's changes and movements, a clause at most one each."""
    out = []
    for part in _CLAUSES.split(_lowered(text)):
        found = _FROM_TO.search(part) or _INTO.search(part)
        if found is None:
            continue
        source, target = (
            _content_stems(_WORD.findall(found[side])) - _PRO_FORMS for side in ("source", "target")
        )
        if source - target and target - source:
            out.append(Flow(source - target, target - source))
    return tuple(out)


def reverses_flow(answer: str, reference: str) -> bool:
    """The answer runs the key's change or movement backwards: "turn glucose and oxygen into
    carbon dioxide and water" for photosynthesis' "turn carbon dioxide and water into glucose
    and oxygen" (graded `correct` 0.93), "from the cold object to the hot one" for "from the
    hot object to the cold object". The answer's end must be at least half the key's start,
    the key's end at least half the answer's start, and the two ends share nothing. On the
    train and test files', Khan's and our items' answers it fires on none."""
    for a in flows(answer):
        for r in flows(reference):
            if (
                len(a.target & r.source) * 2 >= len(a.target)
                and len(r.target & a.source) * 2 >= len(r.target)
                and not a.target & r.target
            ):
                return True
    return False


# Parts of a text read for roles: its clauses and the halves of "X and Y" ("weather is the
# day-to-day conditions and climate is the long-term average"); a negated part is the clause
# check's.
_ROLE_PARTS = re.compile(_CLAUSES.pattern + r"|\band\b")
ROLE_CONTEXT = 2  # words besides the two terms that tie an answer part to a key part


@_per_text(_RECENT_TEXTS // 2, _RECENT_ANSWERS // 2)
def role_parts(text: str) -> tuple[tuple[str, ...], ...]:
    """The text's parts that negate nothing, each as its content stems in order."""
    out = []
    for part in _ROLE_PARTS.split(_lowered(text)):
        tokens = _WORD.findall(part)
        if any(t in NEGATIONS for t in tokens):
            continue
        stems = tuple(clause_stem(t) for t in tokens if t not in STOPWORDS)
        if stems:
            out.append(stems)
    return tuple(out)


def _end(stems: tuple[str, ...], word: str) -> int:
    """Where ``word`` stands in a part: 1 first, -1 last, 0 elsewhere or absent."""
    return 1 if stems[0] == word else -1 if stems[-1] == word else 0


def _tied(part: frozenset[str], own: frozenset[str], other: frozenset[str],
          terms: frozenset[str]) -> bool:  # fmt: skip
    """The part says more of ``own``'s other words than of ``other``'s, and at least
    ``ROLE_CONTEXT`` of them."""
    mine, theirs = len(part & own - terms), len(part & other - terms)
    return mine >= ROLE_CONTEXT and mine > theirs


def swaps_roles(answer: str, reference: str) -> bool:
    """The answer gives each of two key terms the other's part: "Climate is the day to day
    conditions and weather is the long-term average." for "Weather is the day-to-day
    conditions, and climate is the long-term average." (`correct` 0.79). A term that opens or
    closes one part of the key and not another, found at the same end of an answer part that
    otherwise says the other key part (at least ``ROLE_CONTEXT`` of its other words, more than
    of the first part's), while the other term does the same the other way round. On the
    train and test files', Khan's and our items' answers it fires on none (with the terms
    anywhere in the parts: 2 right answers and 1 wrong)."""
    ref, ans = role_parts(reference), role_parts(answer)
    if len(ref) < 2 or len(ans) < 2:
        return False
    for i, r1 in enumerate(ref):
        for r2 in ref[i + 1 :]:
            s1, s2 = frozenset(r1), frozenset(r2)
            for x in {r1[0], r1[-1]} & (s1 - s2):
                for y in {r2[0], r2[-1]} & (s2 - s1):
                    # y in the part of the answer that says r1, x in the one that says r2
                    if _takes_part(ans, y, x, _end(r1, x), s1, s2) and _takes_part(
                        ans, x, y, _end(r2, y), s2, s1
                    ):
                        return True
    return False


def _takes_part(
    parts: tuple[tuple[str, ...], ...], term: str, other: str, end: int,
    own: frozenset[str], rest: frozenset[str],
) -> bool:  # fmt: skip
    """One of the answer's parts holds ``term`` at ``end`` and not ``other``, and otherwise
    says the key part ``own`` (:func:`_tied`)."""
    terms = frozenset({term, other})
    return any(
        term in (found := frozenset(part)) and other not in found and _end(part, term) == end
        and _tied(found, own, rest, terms)
        for part in parts
    )  # fmt: skip


_SPAN = 2  # content words at most in an exchanged term ("carbon dioxide")
_NOT = "\u00ac"  # a negation cue in a sequence


@_per_text(_RECENT_TEXTS // 2, _RECENT_ANSWERS // 2)
def _sequence(text: str) -> tuple[str, ...]:
    """The text's content stems in order, a negation cue as ``_NOT``."""
    return tuple(
        _NOT if token in NEGATIONS else clause_stem(token)
        for token in _WORD.findall(_lowered(text))
        if token in NEGATIONS or token not in STOPWORDS
    )


def _exchanged(stems: tuple[str, ...], one: tuple[str, ...], two: tuple[str, ...]) -> tuple[
    tuple[str, ...], list[tuple[int, int]]
]:  # fmt: skip
    """``stems`` with every ``one`` and ``two`` exchanged, and where each stood."""
    out: list[str] = []
    spots: list[tuple[int, int]] = []
    i = 0
    while i < len(stems):
        for this, that in ((one, two), (two, one)):
            if stems[i : i + len(this)] == this:
                spots.append((i, len(this)))
                out.extend(that)
                i += len(this)
                break
        else:
            out.append(stems[i])
            i += 1
    return tuple(out), spots


def exchanges_terms(answer: str, reference: str) -> bool:
    """The answer is the key with two of its terms exchanged: "Speed is velocity in a given
    direction; velocity has no direction." for "Velocity is speed in a given direction; speed
    has no direction." (`correct` 0.90), "take in carbon dioxide and remove oxygen" for "take
    in oxygen and remove carbon dioxide" (0.94). Word for word, content words in order (a term
    is one or two of them). Two terms side by side that trade places say the same in most
    answers ("the bulb and the switch", "the size of its operand in bytes", "where a value
    can be stored"): an exchange counts only where a term moves past other words. Part of the
    key with two terms exchanged is not read: on short right answers that say the key's words
    in their own order ("The shorter string has a higher pitch than the longer string!") some
    exchange always fits (6 right SciEntsBank answers capped)."""
    key, said = _sequence(reference), _sequence(answer)
    if key == said or len(key) != len(said) or set(key) != set(said):
        return False
    if _is_passive(answer) and not _is_passive(reference):
        return False  # "Glucose is produced by plants." says "Plants produce glucose."
    start = next(k for k, (a, b) in enumerate(zip(key, said, strict=True)) if a != b)
    for size_one in range(1, _SPAN + 1):
        one = key[start : start + size_one]
        if _NOT in one:
            continue
        for begin in range(start + size_one, len(key)):
            for size_two in range(1, _SPAN + 1):
                two = key[begin : begin + size_two]
                if len(two) < size_two or _NOT in two or set(one) & set(two):
                    continue
                swapped, spots = _exchanged(key, one, two)
                if swapped == said and not _side_by_side(spots):
                    return True
    return False


def _side_by_side(spots: list[tuple[int, int]]) -> bool:
    """Every exchanged term stands right beside the other (in content words)."""
    return len(spots) % 2 == 0 and all(
        j == i + size for (i, size), (j, _) in zip(spots[::2], spots[1::2], strict=True)
    )


_EXPLAIN = re.compile(r"\b(?:why|explain|describe|how)\b", re.IGNORECASE)
KEYWORD_LIST = (8, 0.1)  # from this many words, under this share of function words


def keyword_list(question: str, answer: str) -> bool:
    """The answer strings terms together without the words that make sentences ("temperature
    scores probabilities distribution sharpens ..."), and the question asks for an
    explanation: the terms may be the key's, the explanation is not there.

    On the train files such answers to why/explain/describe/how questions are 1 of 2,008 right
    SciEntsBank answers, none of Beetle's and 2 of 1,792 right Mohler answers (lists and code
    answer Mohler's other questions); all 11 keyword-salad contrast cases are."""
    tokens = words(answer).tokens
    least, share = KEYWORD_LIST
    if len(tokens) < least or not _EXPLAIN.search(question):
        return False
    function_words = sum(t in STOPWORDS or t in NEGATIONS for t in tokens)
    return function_words < share * len(tokens)


def antonym_clashes(answer: Words, reference: Words) -> int:
    """Reference stems whose opposite (absent from the reference) the answer uses instead."""
    return _opposed(answer.stems, reference.stems, _word_antonyms)


def _opposed(
    answer: frozenset[str], reference: frozenset[str], antonyms: Callable[[str], frozenset[str]]
) -> int:
    """Reference stems the answer lacks and replaces with one of their ``antonyms`` that the
    reference does not hold: the whole texts' feature and the clause check's opposites."""
    added = answer - reference
    return sum(1 for s in reference if s not in answer and antonyms(s) & added)


def overlap(answer: frozenset[T], reference: frozenset[T]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the answer's items against the reference's."""
    if not answer or not reference:
        return 0.0, 0.0, 0.0
    common = len(answer & reference)
    precision, recall = common / len(answer), common / len(reference)
    f1 = 0.0 if common == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The text's non-empty sentences, stripped."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def on_topic(answer: str, question: str, references: Sequence[str]) -> str:
    """The answer's sentences that share a content stem with the question or a reference (the
    answer itself when none does). The checks that read an answer whole measure how much of it
    restates the key; true sentences about something else, added to a wrong answer, diluted
    that and lifted the cap: "It slows the reaction down by raising the activation energy."
    for a catalyst was `incorrect` 0.30, and 0.76 `correct` with six sentences about computing
    after it."""
    known = _content_stems(_WORD.findall(_lowered(" ".join([question, *references]))))
    parts = sentences(answer)
    kept = [s for s in parts if _content_stems(_WORD.findall(_lowered(s))) & known]
    return " ".join(kept) if kept and len(kept) < len(parts) else answer


def deduplicated(text: str) -> str:
    """The text with each repeated sentence kept once (case and spacing ignored): padding an
    answer with copies of itself must not change its grade."""
    seen: set[str] = set()
    kept: list[str] = []
    for sentence in _SENTENCE.split(text.strip()):
        key = " ".join(_WORD.findall(sentence.lower()))
        if sentence.strip() and (not key or key not in seen):
            seen.add(key)
            kept.append(_unrepeated(sentence.strip()))
    return " ".join(kept) if kept else text


def _unrepeated(sentence: str, limit: int = 3000) -> str:
    """A run of words repeated without sentence breaks ("x y z x y z x y") kept once."""
    tokens = sentence.split()
    if len(tokens) < 6 or len(tokens) > limit:
        return sentence
    folded = [t.lower().strip(".,;:!?") for t in tokens]
    for period in range(2, len(folded) // 2 + 1):
        if all(folded[i] == folded[i - period] for i in range(period, len(folded))):
            return " ".join(tokens[:period])
    return sentence
