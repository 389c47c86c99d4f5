"""Plain-text helpers for variants: normalised hashes, embedding text and small rewrites."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping

from tutor.corpus import Item

_OPTION_REF = re.compile(
    r"\b(?P<word>[Oo]ptions?)\s+(?P<keys>[A-Z](?:(?:,\s*|\s+and\s+|\s+or\s+)[A-Z])*)\b"
)
_KEY_LIST = re.compile(r"\b(?P<a>[A-Z])(?P<sep>,\s*|\s+and\s+|\s+or\s+)(?P<b>[A-Z])\b")
_BELIEF = re.compile(
    r"^(?:believing|assuming|thinking|claiming|saying|expecting)\s+(?:that\s+)?", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation dropped, whitespace collapsed."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9%$]+", " ", folded).split())


def fingerprint(item: Item | Mapping[str, object]) -> str:
    """sha256 of the question as a learner sees it (stem and options, in any order)."""
    stem, options = _question_parts(item)
    parts = [normalise(stem), *sorted(normalise(text) for text in options)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def question_text(item: Item | Mapping[str, object]) -> str:
    """What near-duplicate detection embeds: the stem, then the options."""
    stem, options = _question_parts(item)
    return "\n".join([stem, *options])


def grounding_text(item: Item) -> str:
    """What grounding retrieves with: the stem and the canonical answer."""
    return f"{item.stem}\n{item.answer}"


def _question_parts(item: Item | Mapping[str, object]) -> tuple[str, list[str]]:
    if isinstance(item, Item):
        return item.stem, [o.text for o in item.options]
    raw_options = item.get("options")
    options = [
        str(o.get("text", ""))
        for o in (raw_options if isinstance(raw_options, list) else [])
        if isinstance(o, Mapping)
    ]
    return str(item.get("stem", "")), options


def mentions_option_letter(text: str) -> bool:
    return _OPTION_REF.search(text) is not None


def mentions_options(text: str) -> bool:
    """Any talk of options ("each option", "option C"): wrong for a question without them."""
    return re.search(r"\boptions?\b", text, re.IGNORECASE) is not None


def remap_option_letters(text: str, mapping: Mapping[str, str]) -> str:
    """ "option C" becomes "option A" when C moved to A; lists like "C and D" follow."""
    if not mentions_option_letter(text):
        return text

    def keys(match: re.Match[str]) -> str:
        moved = re.sub(r"\b[A-Z]\b", lambda m: mapping.get(m[0], m[0]), match["keys"])
        return f"{match['word']} {moved}"

    def pair(match: re.Match[str]) -> str:
        a, b = match["a"], match["b"]
        if a in mapping and b in mapping:
            return f"{mapping[a]}{match['sep']}{mapping[b]}"
        return match[0]

    # Placeholders stop a remapped letter from being remapped again by the second pass.
    protected: list[str] = []

    def hold(replacement: str) -> str:
        protected.append(replacement)
        return f"\x00{len(protected) - 1}\x00"

    text = _OPTION_REF.sub(lambda m: hold(keys(m)), text)
    text = _KEY_LIST.sub(lambda m: hold(pair(m)), text)
    return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m[1])], text)


def as_statement(mistake: str) -> str | None:
    """A belief-type common mistake as the claim it makes, else None.

    "Believing that flattery beats facts." → "Flattery beats facts."
    """
    match = _BELIEF.match(mistake.strip())
    if match is None:
        return None
    claim = mistake.strip()[match.end() :].strip()
    if len(claim.split()) < 3:
        return None
    claim = claim[0].upper() + claim[1:]
    return claim if claim.endswith((".", "?", "!")) else claim + "."


def as_option(mistake: str) -> str:
    """A common mistake worded as an answer option: its claim, or the mistake as written."""
    text = as_statement(mistake) or mistake.strip()
    return text[0].upper() + text[1:]


def lead(text: str, limit: int = 240) -> str:
    """The whole text when short, else its leading sentences up to ``limit`` characters."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean
    sentences = _SENTENCE_END.split(clean)
    out = sentences[0]
    for sentence in sentences[1:]:
        if len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}"
    return out


def lower_first(text: str) -> str:
    """ "Tokens" → "tokens", but "LLM-as-judge" and "RAG" stay as written."""
    word = text.split(" ", 1)[0]
    return text if word[1:2].isupper() else text[:1].lower() + text[1:]
