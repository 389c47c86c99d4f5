"""Reading an answer the way a model would: hidden text revealed, look-alike letters folded.

``reveal`` returns the *views* of an answer that the rules search (lower-cased, whitespace
collapsed, newlines kept), and *signals*: ways of hiding text that an honest answer has no use
for (Unicode tag characters, direction overrides, zero-width characters between letters).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

from tutor.prompts import strip_invisible

_TAGS = (0xE0000, 0xE007F)  # invisible copies of ASCII: U+E0020..E007E are ' '..'~'
_OVERRIDE = re.compile("[\u202d\u202e]([^\u202c\n]*)\u202c?")  # LRO/RLO ... PDF
_ZERO_WIDTH_IN_WORD = re.compile("(?<=[A-Za-z])[\u200b\u200c\u2060\ufeff\u180e]+(?=[A-Za-z])")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u180e]")
_SPACED_LETTERS = (  # m-a-r-k, then m a r k (words apart by two spaces or other marks)
    re.compile(r"\b(?:[a-z][\-_.*\u00b7]){2,}[a-z]\b"),
    re.compile(r"\b(?:[a-z] ){2,}[a-z]\b"),
)
_LEET_WORD = re.compile(r"\b(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[013457@$])[a-z0-9@$]{3,}\b")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/])")
_HORIZONTAL_SPACE = re.compile(r"[ \t\f\v\u00a0]+")

_LEET = str.maketrans("013457@$", "oieastas")
_HOMOGLYPHS = str.maketrans(
    "аеорсухѕіјԁɡӏԛԝвкмнтАВЕКМНОРСТХУЅІЈαορνικτυεχγΑΒΕΖΗΙΚΜΝΟΡΤΥΧıℓ",
    "aeopcyxsijdglqwbkmhtABEKMHOPCTXYSIJaopviktuexyABEZHIKMNOPTYXil",
)


@dataclass(frozen=True)
class Revealed:
    views: list[str]
    signals: tuple[str, ...]


def decode_tags(text: str) -> str:
    return "".join(
        chr(ord(c) - _TAGS[0]) if _TAGS[0] + 0x20 <= ord(c) <= _TAGS[0] + 0x7E else c for c in text
    )


def fold(text: str) -> str:
    """NFKC, homoglyphs to Latin, lower case, leetspeak undone, s-p-a-c-e-d letters joined."""
    text = unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS).casefold()
    text = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    for spaced in _SPACED_LETTERS:
        text = spaced.sub(lambda m: re.sub(r"[ \-_.*\u00b7]", "", m.group(0)), text)
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _decoded_base64(text: str) -> list[str]:
    found = []
    for token in _BASE64.findall(text):
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if len(decoded.split()) >= 2 and all(c.isprintable() or c.isspace() for c in decoded):
            found.append(decoded)
    return found


def visible(text: str) -> str:
    """The text as it shows on screen: hidden characters dropped, overridden runs reordered."""
    text = "".join(c for c in text if not _TAGS[0] <= ord(c) <= _TAGS[1])
    return strip_invisible(_OVERRIDE.sub(lambda m: m.group(1)[::-1], text))


def reveal(text: str) -> Revealed:
    signals = []
    if any(_TAGS[0] <= ord(c) <= _TAGS[1] for c in text):
        signals.append("tag_characters")
    if _OVERRIDE.search(text):
        signals.append("direction_override")
    if len(_ZERO_WIDTH_IN_WORD.findall(text)) >= 3:
        signals.append("zero_width_characters")
    text = _OVERRIDE.sub(lambda m: m.group(1)[::-1], decode_tags(text))
    joined = strip_invisible(text)
    spaced = strip_invisible(_ZERO_WIDTH.sub(" ", text))
    views = [fold(joined), fold(spaced)]
    views += [fold(decoded) for decoded in _decoded_base64(joined)]
    return Revealed(list(dict.fromkeys(views)), tuple(signals))
