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

A key that is a list of three or more short items ("Red, green and blue.") is answered by a
list too, and the models graded "Red and green." `correct` 0.92: an answer that is a list of
fewer items names only part of the key (:func:`lists_fewer`).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from tutor.grading.lexical import token_stem, words

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
