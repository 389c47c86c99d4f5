"""Keys that are a name or a yes/no: the answer names the key's thing, another one, or the
other yes/no.

A teacher who grades an ad-hoc question ("What is the capital of France?", key "Paris") writes
a key of one to three words, and learners answer in as few. The models were fitted on answers
that explain (SciEntsBank, Beetle, Mohler), so against such a key they grade by closeness of
topic: "London" came out `partially_correct` 0.41, "Christopher Marlowe" for "Who wrote Hamlet?"
(key "William Shakespeare") 0.37, and the right "No, it is roughly a sphere." for "Is the Earth
flat?" (key "No") 0.50. Here a short answer that shares no content word with a key that is a
name (each word capitalised), or that names it only to deny it ("London, not Paris"), names
something else; an answer that opens with the other yes/no than a bare yes/no key says the
opposite; the grader caps both under the incorrect band. An answer that opens with a bare
yes/no key's own word is graded correct. Keys of common words are left to the models: Mohler's
"Unlimited number." and "Through iteration." are answered right with "infinite" and
"iteratively" (a first form that read every key of one to three words capped 12 right Mohler
answers). A key with a figure is the figure check's (:mod:`tutor.grading.quantities`).

A key of a common word or two stated as written ("solid" for "Is ice at -5 C a solid, a liquid
or a gas?", "The heart pumps blood." for "the heart") is the whole answer: the models, fitted
on answers that explain, graded "solid" `partially_correct` 0.51 and "hopeful" for "hopeful"
0.75 with review (the answer's words are the question's, which in those sets marks an answer
that restates it). :func:`states_key` reads the key's words in their order (or a WordNet
synonym of a one-word key's word, :mod:`.synonyms`: "quick" for "fast"), nothing else but a
run of the question's words (none of its other options) and no negation. The same keys said
another way are capped: with the opposite of a question word (:func:`turns_question`: "The
Pacific is the smallest ocean." for "Which is the largest ocean?"), exchanged with a question
word (:func:`exchanges_key`: "Sound travels faster than light." for "What travels faster than
sound?"), an opposite or antonym in the key word's place (:func:`swaps_key_word`: "a
carnivore" for "a herbivore", "It is more dense." for "It is less dense"), the key's
comparison left out (:func:`drops_comparison`) or two of the question's options listed
(:func:`hedges_options`).

A key that is a list of three or more short items ("Red, green and blue.") is answered by a
list too, and the models graded "Red and green." `correct` 0.92: an answer that is a list of
fewer items names only part of the key (:func:`lists_fewer`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from tutor.grading.lexical import (
    NEGATIONS,
    STOPWORDS,
    clause_opposites,
    clause_stem,
    token_stem,
    words,
)
from tutor.grading.synonyms import antonyms, synonyms

SHORT_KEY = 3  # content words at most in a short key ("William Shakespeare", "HyperText ...")
SHORT_KEY_WORDS = 3  # and words in all ("the mitochondria", "Yes, it is.")
SHORT_ANSWER = 6  # words at most in an answer that names one thing ("It is London.") ...
REJECTING_ANSWER = 20  # ... or that denies the key's ("I think it is London, not Paris.")
_POLAR = {"yes": True, "true": True, "no": False, "false": False}
_FIRST = re.compile(r"[a-z]+", re.IGNORECASE)
_LETTERS = re.compile(r"[^a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]*")
# A list: items between commas and a last "and" ("Red, green and blue"), each of a few words;
# a key joined by "or" names alternatives, and one with a clause mark is more than a list.
_ITEM_BREAK = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)
_NOT_A_LIST = re.compile(r"\bor\b|[;:!?]", re.IGNORECASE)
_ITEM_WORDS = 3  # words at most in an item of a list
LIST_ITEMS = 3  # items at least in a key read as a list ("Abstraction and reusability" is not)
_DENIED = re.compile(r"\b(?:not|no|never|isn't|wasn't|nor)\s+(?:the\s+|a\s+)?([A-Za-z]+)",
                     re.IGNORECASE)  # fmt: skip


def polarity(text: str) -> bool | None:
    """The yes/no a text opens with ("No, it is ..." -> False), or None."""
    first = _FIRST.search(text)
    return _POLAR.get(first.group().lower()) if first else None


def _bare_polar(reference: str) -> bool | None:
    """The key's yes/no when the key is little more than one ("No", "Yes, it is.")."""
    if len(reference.split()) > SHORT_KEY_WORDS:
        return None
    return polarity(reference)


def _name(reference: str) -> frozenset[str] | None:
    """The content stems of a key that is a name ("Paris", "William Shakespeare", "HyperText
    Markup Language": a few words, each capitalised, no figure), else None. Keys of a common
    word or two ("queue", "Unlimited number.", "Through iteration.") are left to the models:
    learners answer those with synonyms ("infinite", "as many as you need", "iteratively")."""
    if len(reference.split()) > SHORT_KEY_WORDS or any(c.isdigit() for c in reference):
        return None
    found = words(reference)
    if not 1 <= len(found.content) <= SHORT_KEY or polarity(reference) is not None:
        return None
    capitalised = {w.lower() for w in _CAPITALISED.findall(reference)}
    if not all(word in capitalised for word in found.content):
        return None
    return found.stems


# A token of letters and digits: a formula or a code ("H2O", "CO2", "H₂O", "E4012", "B12").
_CODE = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]+\b", re.IGNORECASE)
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _codes(text: str) -> set[str]:
    return {c.lower() for c in _CODE.findall(text.translate(_SUBSCRIPTS))}


def _code_key(reference: str) -> set[str] | None:
    """The formulas or codes of a short key that names one ("H2O", "The B12 vitamin"), else
    None."""
    if len(reference.split()) > SHORT_KEY_WORDS:
        return None
    return _codes(reference) or None


def names_other(answer: str, reference: str, question: str = "") -> bool:
    """A short answer to a key that is a name, sharing no content word with it but right after
    a "not" ("London, not Paris"), nor holding it written together or apart ("Hyper Text"
    holds "HyperText"): it names another thing than the key. Short: ``SHORT_ANSWER`` words at
    most, or one content word besides the question's ("Venus is the closest planet to the
    Sun." for "Which planet is closest to the Sun?"). A key that is a formula or a code ("H2O")
    is named only by that formula: a short answer giving another ("H2O2", "CO2") names another
    thing."""
    codes = _code_key(reference)
    if codes is not None:
        said_codes = _codes(answer)
        return bool(said_codes) and not codes & said_codes and len(answer.split()) <= SHORT_ANSWER
    stems = _name(reference)
    if stems is None:
        return False
    said = words(answer)
    # token_stem, not words(w): one word per call would push the item's texts out of words'
    # bounded cache
    denied = {token_stem(m.group(1).lower()) for m in _DENIED.finditer(answer)}
    if _one_word_other(said.stems, stems) and len(answer.split()) <= SHORT_ANSWER:
        return True  # "HyperText Machine Language", "George Bush" for "George Washington"
    if not said.content or stems & (said.stems - denied):
        return False
    if stems & denied:  # the key's name only right after a "not": "London, not Paris"
        return len(answer.split()) <= REJECTING_ANSWER
    joined = _LETTERS.sub("", answer.lower())
    # a longer one may describe the thing unnamed
    short = len(answer.split()) <= SHORT_ANSWER or len(said.stems - words(question).stems) <= 1
    named = bool(_CAPITALISED.search(answer)) or len(said.content) == 1
    return short and named and _LETTERS.sub("", reference.lower()) not in joined


# Articles and possessive determiners: "The mass stays the same." says the key "its mass"
_ARTICLES = frozenset({"a", "an", "the", "its", "their", "his", "her", "our", "your", "my"})
STATED_ANSWER = 10  # words at most in an answer that states a short key and nothing else


def _loose(stem_: str) -> str:
    """A stem without its final "e": the stemmer gives "charge" but "charg" for "charged"."""
    return stem_[:-1] if len(stem_) > 4 and stem_.endswith("e") else stem_


def _stems(text: str, *, articles: bool = True) -> list[str]:
    """The text's words as loose stems, in order (articles left out unless ``articles``)."""
    return [_loose(token_stem(t)) for t in words(text).tokens if articles or t not in _ARTICLES]


def _content_words(text: str) -> list[str]:
    """The text's content words as loose stems, in order, repeats kept."""
    return [_loose(token_stem(t)) for t in words(text).tokens
            if t not in STOPWORDS and t not in NEGATIONS]  # fmt: skip


def _content(text: str) -> list[str]:
    """:func:`_content_words`, each once, in order of first appearance."""
    return list(dict.fromkeys(_content_words(text)))


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _ask(question: str) -> str:
    """The question's last sentence: what it asks, without a passage or set-up before it
    (a reading item's passage holds any words an answer may string together)."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    return sentences[-1] if sentences else question


def _options(question: str) -> frozenset[str]:
    """The content words next to each "or" of a question, one each side: its options ("a
    liquid or a gas" -> liquid, gas; "a higher or lower temperature" -> higher, lower)."""
    tokens = [t for t in words(question).tokens if t not in _ARTICLES]
    content = [t == "or" or (t not in STOPWORDS and t not in NEGATIONS) for t in tokens]
    found: set[str] = set()
    for i, word in enumerate(tokens):
        if word != "or":
            continue
        left = next((t for t, c in zip(reversed(tokens[:i]), reversed(content[:i]), strict=True)
                     if c and t != "or"), None)  # fmt: skip
        right = next((t for t, c in zip(tokens[i + 1 :], content[i + 1 :], strict=True)
                      if c and t != "or"), None)  # fmt: skip
        found |= {_loose(token_stem(t)) for t in (left, right) if t is not None}
    return frozenset(found)


def _run_of(said: Sequence[str], asked: Sequence[str]) -> bool:
    """``said`` is a run of ``asked``'s words, in its order, none left out between them."""
    n = len(said)
    return any(list(asked[i : i + n]) == list(said) for i in range(len(asked) - n + 1))


COMMON_KEY_WORDS = 5  # words in all of a common-word key ("It is less dense")


def _common_key(reference: str) -> bool:
    """A key of one to three common content words in at most ``COMMON_KEY_WORDS`` words
    ("solid", "the heart", "It is less dense"): not a yes/no or a figure, which the checks
    above read."""
    if (
        len(reference.split()) > COMMON_KEY_WORDS
        or any(c.isdigit() for c in reference)
        or polarity(reference) is not None
    ):
        return False
    key = words(reference)
    return 1 <= len(key.content) <= SHORT_KEY and not key.negations


@lru_cache(maxsize=1024)
def _phrases(
    reference: str, *, other_words: bool
) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """The key's words (loose stems, articles aside) and its content stems; with
    ``other_words``, for a key of one content word, the same with each of its synonyms and
    derived forms in its place (:mod:`.synonyms`: "quick" for "fast"). Kept per key: every
    answer to the item asks for them again, and a word with many synonyms made them most of
    the short-key checks' time (155 us an answer for "large", 30 synonyms)."""
    phrase = tuple(_stems(reference, articles=False))
    out = [(phrase, frozenset(_content(reference)))]
    content = words(reference).content
    if other_words and len(content) == 1:
        own = _loose(token_stem(content[0]))
        for other in sorted(synonyms(content[0])):
            said = _loose(token_stem(other))
            out.append((tuple(said if t == own else t for t in phrase), frozenset({said})))
    return tuple(out)


def _keyed(answer: str, reference: str, *, other_words: bool = False) -> list[str] | None:
    """The answer's other content words (loose stems, in order) when it holds the key's words in
    their order (articles aside; with ``other_words`` also a synonym in place of a one-word
    key's word) without a negation, in at most ``STATED_ANSWER`` words."""
    if words(answer).negations or len(answer.split()) > STATED_ANSWER:
        return None
    given = tuple(_stems(answer, articles=False))
    for phrase, keyed in _phrases(reference, other_words=other_words):
        if any(given[i : i + len(phrase)] == phrase for i in range(len(given))):
            return [w for w in _content(answer) if w not in keyed]
    return None


def states_key(answer: str, question: str, reference: str) -> bool:
    """A common-word key (:func:`_common_key`) that the answer states as written: its words in
    their order, no negation, and any other content words a run of the question's, in its
    order, none left out between them and none of its other options: "Ice at -5 C is a
    solid." and "Light travels faster than sound.", not "a solid, a liquid or a gas", "Sound
    travels faster than light." (for "What travels faster than sound?") nor "Arteries carry
    blood to the heart." (for "... carry blood away from the heart?")."""
    if _stems(answer, articles=False) == _stems(reference, articles=False):
        # the key itself ("neither"); a figure's sign or operator is not in its words ("x = 3"
        # for "x = -3"): figures are the figure checks'
        return len(reference.split()) <= SHORT_KEY_WORDS and not any(c.isdigit() for c in reference)
    rest = _keyed(answer, reference, other_words=True) if _common_key(reference) else None
    ask = _ask(question)
    return (
        rest is not None and (not rest or _run_of(rest, _content_words(ask)))
        and not set(rest) & _options(ask)
    )  # fmt: skip


_CLAUSE_BREAK = re.compile(r"\s*[;:,.]\s+|\s+(?:but|and|while)\s+", re.IGNORECASE)
_REASON = re.compile(r"\b(?:because|since|so|as|while|whereas)\b", re.IGNORECASE)


def turns_question(answer: str, question: str, reference: str) -> bool:
    """A common-word key the answer states (its words in order, no negation, no reason given)
    with the opposite of one of the question's words in its place: "They release carbon
    dioxide into the air." for "Which gas do plants absorb from the air?", "The Pacific is the
    smallest ocean." for "Which is the largest ocean?" (:mod:`.opposites`)."""
    if not _common_key(reference) or not _keyed(answer, reference) or _REASON.search(answer):
        return False  # "Light, because sound is slower." gives a reason in other terms
    ask = _ask(question)
    # the clause that states the key: "Jupiter; Mercury is the smallest." answers "Which is
    # the largest planet?"
    # (the whole answer when the key itself spans a break: "salt and water")
    clauses = [c for c in _CLAUSE_BREAK.split(answer) if _keyed(c, reference) is not None]
    answer = clauses[0] if clauses else answer
    said = {clause_stem(w) for w in words(answer).content}
    # not the question's options: "solid" and "liquid" are confusables, and "Ice at -5 C is a
    # solid." answers "Is ice at -5 C a solid, a liquid or a gas?"
    asked = {clause_stem(w) for w in words(ask).content} - _options(ask)
    # nor a word the question says itself: "push ... the top of the stack" answers "What is
    # the stack operation corresponding to the enqueue operation in queues?"
    return any(
        (clause_opposites(w) & asked) - said
        for w in words(answer).content if clause_stem(w) not in asked
    )  # fmt: skip


_PASSIVE = "by"  # "The Earth is orbited by the Moon" says the question's words the other way


def _tagged(text: str) -> list[tuple[str, bool]]:
    """The text's words as loose stems, articles left out, each marked content or not."""
    return [
        (_loose(token_stem(t)), t not in STOPWORDS and t not in NEGATIONS)
        for t in words(text).tokens if t not in _ARTICLES
    ]  # fmt: skip


def exchanges_key(answer: str, question: str, reference: str) -> bool:
    """A common-word key the answer states with one of the question's words in its place and
    the key in that word's: the answer's other words are the question's but not in its order,
    and exchanging the two puts them in it. "Sound travels faster than light." for "What
    travels faster than sound?", "A herbivore eats a carnivore." for "... what eats a
    herbivore?", "Hamlet wrote William Shakespeare." for "Who wrote Hamlet?". Not a passive
    ("The Earth is orbited by the Moon."), nor "An electron has a negative charge." for "What is
    the charge of an electron?" (no exchange with the key puts its words in order)."""
    if not _common_key(reference) or _PASSIVE in words(answer).tokens:
        return False
    rest = _keyed(answer, reference)
    asked = _content_words(_ask(question))
    if not rest or not set(rest) <= set(asked) or _run_of(rest, asked):
        return False
    given, phrase = _tagged(answer), _tagged(reference)
    n = len(phrase)
    start = next(i for i in range(len(given)) if given[i : i + n] == phrase)
    keyed = set(_content(reference))
    for j, size in itertools.product(range(len(given)), (1, 2)):
        other = given[j : j + size]  # a word or two of the question's: "the Mona Lisa"
        if (
            len(other) < size
            or not all(c and w in rest for w, c in other)
            or (j < start + n and start < j + size)  # overlaps the key
        ):
            continue
        if j < start:
            swapped = [*given[:j], *phrase, *given[j + size : start], *other,
                       *given[start + n :]]  # fmt: skip
        else:
            swapped = [*given[:start], *other, *given[start + n : j], *phrase,
                       *given[j + size :]]  # fmt: skip
        moved = list(dict.fromkeys(w for w, c in swapped if c and w not in keyed))
        if _run_of(moved, asked):
            return True
    return False


def swaps_key_word(answer: str, question: str, reference: str) -> bool:
    """A short answer (``SHORT_ANSWER`` words at most, no negation) to a common-word key that
    says an opposite or a confusable of a key word in its place ("a carnivore" for "a
    herbivore", "Copper is an insulator." for "a conductor", "sell" for "buy")."""
    if not _common_key(reference) or len(answer.split()) > SHORT_ANSWER:
        return False
    said = words(answer)
    if said.negations:
        return False
    # every word, "more" and "less" too: "It is more dense." for "It is less dense"
    key = {clause_stem(t) for t in words(reference).tokens}
    spoken = [t for t in said.tokens if t not in _ARTICLES]
    spoken += ["more" for t in spoken if _compares(t, key)]  # "denser": more dense
    stated = {clause_stem(t) for t in spoken}
    return any((_opposites(w) & key) - stated for w in spoken)


def _compares(token: str, key: set[str]) -> bool:
    """``token`` is the "-er" form of a key word ("denser" of "dense", "hotter" of "hot")."""
    if not token.endswith("er") or len(token) < 5:
        return False
    base = token[:-2]
    forms = {base, base + "e", base[:-1] if len(base) > 2 and base[-1] == base[-2] else base}
    return any(clause_stem(f) in key for f in forms)


_COMPARING = frozenset({"less", "more", "fewer", "greater", "smaller", "larger", "higher",
                        "lower", "faster", "slower"})  # fmt: skip


def drops_comparison(answer: str, question: str, reference: str) -> bool:
    """A short answer with every content word of a common-word key but its comparison, which
    says another thing: "It is dense." for "It is less dense"."""
    if not _common_key(reference) or len(answer.split()) > SHORT_ANSWER:
        return False
    key, said = words(reference), words(answer)
    compared = _COMPARING & set(key.tokens)
    if not compared or said.negations or compared & set(said.tokens):
        return False
    rest = {clause_stem(w) for w in key.content if w not in _COMPARING}
    return bool(rest) and rest <= {clause_stem(w) for w in said.content}


def _opposites(word: str) -> frozenset[str]:
    """The clause stems of a word's opposites: the lists' (:mod:`.opposites`) and WordNet's
    antonyms (:mod:`.synonyms`: "sell" for "buy", "poor" for "rich")."""
    return clause_opposites(word) | {clause_stem(w) for w in antonyms(word)}


_SEQUENCE = re.compile(r"\b(?:then|followed|after|before)\b", re.IGNORECASE)


def hedges_options(answer: str, question: str, reference: str) -> bool:
    """A bare list that names a common-word key and another of the question's options beside
    it ("Earth and Sun" for "Does the Moon orbit the Earth or the Sun?", key "the Earth"); not
    one in an order ("by rows, then columns" for "... by rows or by columns?", key "By
    rows.")."""
    items = list_items(answer)
    if not _common_key(reference) or items is None or len(items) < 2 or _SEQUENCE.search(answer):
        return False
    rest = _keyed(answer, reference)
    return rest is not None and bool(set(rest) & _options(_ask(question)))


# A yes/no said as the reply, before its reason: "No, because ...", "Yes. It ...", "no it
# isn't", "No"; not the "no" of "No one knows" or "No light escapes".
_REPLIES = re.compile(
    r"^\s*(yes|no|true|false)(?:\s*[,.:;!\u2014-]|\s*$|\s+(?:because|it|they|that|this|there|"
    r"i|we|you|he|she)\b)",
    re.IGNORECASE,
)


def _reply(text: str) -> bool | None:
    found = _REPLIES.match(text)
    return _POLAR[found.group(1).lower()] if found else None


_MISSPELT = 0.75  # similarity (difflib's ratio) from which two words are one misspelt


def _one_word_other(said: frozenset[str], key: frozenset[str]) -> bool:
    """A name of as many words as the key's (two or more), all its own but one, and that one
    another word, not the key's misspelt ("Shakespear")."""
    if len(key) < 2 or len(said) != len(key):
        return False
    other, replaced = sorted(said - key), sorted(key - said)
    return (
        len(other) == 1 and len(replaced) == 1
        and SequenceMatcher(None, other[0], replaced[0]).ratio() < _MISSPELT
    )  # fmt: skip


def opposite(answer: str, reference: str) -> bool | None:
    """For a bare yes/no key: True when the answer opens with the other one, False when it
    opens with the key's own, None otherwise (no such key, or the answer opens with neither).
    For a key that gives its yes/no before a reason ("No, because it is divisible by 3 and
    5."): True when the answer replies with the other one ("Yes, because ..."), else None
    (the reason is the models' to grade)."""
    key, said = _bare_polar(reference), _reply(answer)
    if key is None:
        key = _reply(reference)
        return True if key is not None and said is (not key) else None
    return None if said is None else said is not key


def list_items(text: str) -> list[str] | None:
    """The items of a text that is nothing but a list ("Red, green and blue." -> 3), else None."""
    body = text.strip().rstrip(".").strip()
    if not body or _NOT_A_LIST.search(body):
        return None
    items = [i for i in _ITEM_BREAK.split(body) if i.strip()]
    if any(not 0 < len(_FIRST.findall(i) or i.split()) <= _ITEM_WORDS for i in items):
        return None
    return items


def lists_fewer(answer: str, reference: str) -> bool:
    """The key is a list of ``LIST_ITEMS`` or more items and the answer a list of fewer: "Red
    and green." for "Red, green and blue.". No key of the ASAG files or our items is such a
    list; which items an answer names is left to the models and the feedback, since a list
    says its items in other words ("light, water and CO2" for "Sunlight, water and carbon
    dioxide")."""
    key, given = list_items(reference), list_items(answer)
    return (
        key is not None and len(key) >= LIST_ITEMS and given is not None and len(given) < len(key)
    )
