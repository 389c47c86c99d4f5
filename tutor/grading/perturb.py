"""Wrong answers made from a right one: training contrast for the cross-encoder.

Learners rarely write a reference backwards, so graded sets teach a model little about negation,
swapped direction or keyword salad, and a model that only learned word overlap grades them
correct. These transforms turn a reference (or a right learner answer) into answers that share
its words but not its meaning; ``scripts/train_cross_encoder.py`` adds them to each epoch as
incorrect answers. Plain Python and a seeded ``random.Random``: no model, same output per seed.

The eval's contrast cases (``evals/contrast.yaml``) are written by hand, not made here, so the
suite does not measure the grader on its own training recipe.
"""

from __future__ import annotations

import random
import re

from tutor.grading.lexical import STOPWORDS

# Word pairs whose swap reverses a claim; both directions are used.
OPPOSITES = (
    ("increase", "decrease"), ("increases", "decreases"), ("increased", "decreased"),
    ("increasing", "decreasing"), ("more", "less"), ("higher", "lower"), ("larger", "smaller"),
    ("bigger", "smaller"), ("raise", "lower"), ("raises", "lowers"), ("raising", "lowering"),
    ("positive", "negative"), ("open", "closed"), ("same", "different"), ("true", "false"),
    ("before", "after"), ("hot", "cold"), ("faster", "slower"), ("always", "never"),
    ("add", "remove"), ("adds", "removes"), ("gain", "lose"), ("series", "parallel"),
    ("connected", "disconnected"), ("complete", "incomplete"), ("rises", "falls"),
    ("up", "down"), ("longer", "shorter"), ("high", "low"), ("stronger", "weaker"),
    ("inside", "outside"), ("absorbs", "reflects"), ("attract", "repel"), ("better", "worse"),
    ("specific", "vague"), ("explicit", "implicit"), ("include", "exclude"),
    ("allows", "prevents"), ("sharpens", "flattens"), ("sharper", "flatter"),
    ("most", "least"), ("many", "few"), ("reduces", "increases"), ("heavier", "lighter"),
    ("warmer", "cooler"), ("cheaper", "costlier"), ("easier", "harder"), ("sorted", "unsorted"),
    ("needs", "ignores"), ("can", "cannot"),
)  # fmt: skip
_SWAP = {a: b for a, b in OPPOSITES} | {b: a for a, b in OPPOSITES}
_AUX = re.compile(
    r"\b(is|are|was|were|can|will|does|do|did|has|have|should|must|would|could)\b( not)?",
    re.IGNORECASE,
)
_CAUSE = re.compile(r"^(.*?)\b(because|so that|so|since|which means|therefore)\b(.*)$", re.I | re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def negate(text: str) -> str | None:
    """Flip the first auxiliary ("is" -> "is not", "is not" -> "is"); None if there is none."""
    match = _AUX.search(text)
    if match is None:
        return None
    verb, neg = match.group(1), match.group(2)
    replacement = verb if neg else f"{verb} not"
    return text[: match.start()] + replacement + text[match.end() :]


def swap_opposites(text: str) -> str | None:
    """Swap the first word that has a listed opposite ("raises" -> "lowers"); None if none
    does. One word only: swapping two ("lowering ... sharpens" -> "raising ... flattens")
    can give back a true statement."""
    for match in _WORD.finditer(text):
        word = match.group(0)
        other = _SWAP.get(word.lower())
        if other is not None:
            other = other.capitalize() if word[0].isupper() else other
            return text[: match.start()] + other + text[match.end() :]
    return None


def swap_cause(text: str) -> str | None:
    """ "A because B" -> "B because A": cause and effect reversed; None without a connective."""
    match = _CAUSE.match(text.strip().rstrip("."))
    if match is None or len(match.group(1).split()) < 2 or len(match.group(3).split()) < 2:
        return None
    first, link, second = match.group(1).strip(" ,"), match.group(2), match.group(3).strip(" ,")
    return f"{second[0].upper()}{second[1:]} {link.lower()} {first[0].lower()}{first[1:]}."


def salad(text: str, rng: random.Random) -> str | None:
    """The content words of the text, shuffled, without the words that join them."""
    content = [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS]
    if len(content) < 3:
        return None
    rng.shuffle(content)
    return " ".join(content)


def padded(text: str, rng: random.Random, *, min_chars: int = 400) -> str:
    """The text repeated until it is long: length must never pay."""
    times = max(2, min_chars // max(1, len(text)) + rng.randint(0, 3))
    return " ".join([text.strip()] * times)


def with_false_claim(right: str, reference: str, rng: random.Random) -> str | None:
    """A right answer followed by the reference stated backwards: one false claim added."""
    wrong = swap_opposites(reference) or negate(reference)
    if wrong is None:
        return None
    joiner = rng.choice(["Also,", "And", "In addition,", ""])
    second = f"{wrong[0].lower()}{wrong[1:]}" if joiner else wrong
    return f"{right.strip().rstrip('.')}. {joiner} {second}".replace("  ", " ")


def wrong_versions(reference: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, answer) pairs built from one reference, each of them wrong."""
    made = [
        ("negated", negate(reference)),
        ("swapped", swap_opposites(reference)),
        ("cause_swapped", swap_cause(reference)),
        ("salad", salad(reference, rng)),
    ]
    return [(kind, text) for kind, text in made if text and text.strip() != reference.strip()]
