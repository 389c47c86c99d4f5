"""Importing a lesson page (text scraped from a lesson web page) into a ``Lesson``.

A page is read line by line, keeping line numbers::

    <UI junk, a topic line "Topic~3 mins">        header: only the title and topic are kept
    <Title> in <Topic> - When to Use Which
    The Big Idea / The Scenario / ...            concept sections, each one passage
    <Unknown Title-Case Heading>                 an extra section: an ``explanation`` passage
    Practice                                     numbered items (see ``page_items``)

Anything that cannot be understood raises ``PageFormatError`` naming the page, the line and what
was expected there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tutor.corpus.models import Concept, Lesson, Passage, Section
from tutor.corpus.page_items import (
    PROGRESS_RE,
    Line,
    PageSyntaxError,
    join_block,
    looks_like_item,
    parse_items,
)
from tutor.errors import CorpusError

__all__ = [
    "MAX_PAGE_BYTES",
    "PageFormatError",
    "derive_concepts",
    "parse_page",
    "parse_page_file",
    "read_page",
    "slugify",
]


class PageFormatError(CorpusError):
    """A lesson page that cannot be imported; the message reads ``<page>:<line>: <problem>``."""

    def __init__(self, name: str, line: int, problem: str) -> None:
        super().__init__(f"{name}:{line}: {problem}")
        self.name = name
        self.line = line
        self.problem = problem


_SECTIONS = {
    "big idea": Section.BIG_IDEA,
    "scenario": Section.SCENARIO,
    "problem": Section.PROBLEM,
    "solution": Section.SOLUTION,
    "before vs after": Section.BEFORE_AFTER,
    "before versus after": Section.BEFORE_AFTER,
    "before and after": Section.BEFORE_AFTER,
    "what it enables": Section.WHAT_IT_ENABLES,
    "real life example": Section.REAL_EXAMPLE,
    "real world example": Section.REAL_EXAMPLE,
    "key takeaways": Section.KEY_TAKEAWAYS,
    "key takeaway": Section.KEY_TAKEAWAYS,
    "takeaways": Section.KEY_TAKEAWAYS,
}
_PRACTICE = {"practice", "practice questions", "practice problems"}
_JUNK_RE = re.compile(
    r"^(?:choose your learning style.*|start learning this pattern.*|jump into concepts.*"
    r"|recommended|test this pattern.*|or|\(\d+\s*/\s*\d+\)|bird|raised fist\d*"
    r"|\d+\s+modes?\s+available)$",
    re.IGNORECASE,
)
_TOPIC_LINE_RE = re.compile(
    r"^(.+?)(?-i:ml)?\s*[~·•|]\s*\d+\s*min(?:ute)?s?(?:\s+read)?$", re.IGNORECASE
)
_SUFFIX_RE = re.compile(r"^(.*\S)\s+[-\u2013\u2014|]\s+\S.*$")  # "<title> - When to Use Which"
_BEFORE_AFTER_RE = re.compile(r"^(before|after)\s*(?::\s*(.*))?$", re.IGNORECASE)
_BULLET_RE = re.compile(r"^[•*·\u2013\-]\s*")
_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "in",
    "is",
    "it",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "with",
}
_ID_STOP_WORDS = {
    "when",
    "how",
    "why",
    "what",
    "to",
    "vs",
    "versus",
    "and",
    "or",
    "the",
    "a",
    "an",
    "in",
    "of",
    "for",
    "with",
    "use",
    "using",
}


@dataclass
class _Zone:
    """A stretch of the page under one known heading; ``section`` None means practice."""

    heading: Line | None
    section: Section | None
    lines: list[Line] = field(default_factory=list)


def parse_page(text: str, name: str = "<page>", lesson_id: str | None = None) -> Lesson:
    """The lesson on a page; ``lesson_id`` defaults to the slug of the page title."""
    if lesson_id is not None and slugify(lesson_id) != lesson_id:
        raise CorpusError(f"lesson id {lesson_id!r} is not a slug (lowercase words and hyphens)")
    try:
        return _parse(_scan(text), lesson_id)
    except PageSyntaxError as exc:
        raise PageFormatError(name, exc.line, exc.message) from None


MAX_PAGE_BYTES = 2 * 1024 * 1024  # a lesson page is a few KB; this bounds a wrong file
_CHUNK = 64 * 1024


def read_page(path: Path, limit: int = MAX_PAGE_BYTES) -> str:
    """A UTF-8 page, read in bounded pieces: a larger file (or ``/dev/zero``) is refused once
    it passes ``limit``, never read whole."""
    chunks: list[bytes] = []
    size = 0
    try:
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise CorpusError(
                        f"{path} is larger than {limit // (1024 * 1024)} MB ({limit} bytes), "
                        "the limit for a lesson page"
                    )
                chunks.append(chunk)
        return b"".join(chunks).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read lesson page {path}: {exc}") from None


def parse_page_file(path: Path, lesson_id: str | None = None) -> Lesson:
    """``parse_page`` on a UTF-8 file; errors name the file."""
    return parse_page(read_page(path), path.name, lesson_id)


def _scan(text: str) -> list[Line]:
    """Numbered lines: CRLF/CR, tabs, non-breaking and zero-width spaces normalised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b-\u200d\ufeff]", "", text).replace("\u00a0", " ")
    text = text.removesuffix("\n")  # a final newline ends the last line, it adds no line
    lines = []
    for no, raw in enumerate(text.split("\n"), start=1):
        raw = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", raw.expandtabs(4)).rstrip()
        stripped = raw.lstrip()
        lines.append(Line(no, len(raw) - len(stripped), stripped))
    return lines


def _parse(lines: list[Line], lesson_id: str | None) -> Lesson:
    header, zones = _split(lines)
    if not zones:
        raise PageSyntaxError(
            len(lines),
            "expected a section heading such as 'The Big Idea' or "
            "numbered practice items, found neither on the page",
        )
    first = zones[0].heading or zones[0].lines[0]
    title, topic = _title_and_topic(header, first)
    lesson_id = lesson_id or slugify(title)
    concepts = derive_concepts(title, lesson_id)
    concept_ids = [c.id for c in concepts]
    passages = _passages(zones, concept_ids)
    if not passages:
        raise PageSyntaxError(
            first.no,
            "expected at least one concept section with text "
            "(e.g. 'The Big Idea') besides the practice items",
        )
    practice = [line for zone in zones if zone.section is None for line in zone.lines]
    items = parse_items(practice, concept_ids, _item_prefix(lesson_id))
    big_idea = next((p.text for p in passages if p.section is Section.BIG_IDEA), "")
    try:
        return Lesson(
            id=lesson_id,
            title=title,
            topic=topic,
            summary=big_idea,
            concepts=concepts,
            passages=passages,
            items=items,
        )
    except ValidationError as exc:
        raise PageSyntaxError(
            first.no, f"the page does not make a valid lesson: {exc.errors()[0]['msg']}"
        ) from None


def _split(lines: list[Line]) -> tuple[list[Line], list[_Zone]]:
    """The header lines, then one zone per known heading (or per run of practice items)."""
    header: list[Line] = []
    zones: list[_Zone] = []
    for i, line in enumerate(lines):
        if PROGRESS_RE.match(line.text):
            continue  # "(1/5)": page furniture wherever it appears
        current = zones[-1] if zones else None
        in_practice = current is not None and current.section is None
        heading = _heading(line, in_practice)
        if heading == "practice":
            zones.append(_Zone(line, None))
        elif isinstance(heading, Section):
            zones.append(_Zone(line, heading))
        elif not in_practice and looks_like_item(lines, i):
            zones.append(_Zone(None, None, [line]))  # items without a "Practice" heading
        elif current is None:
            header.append(line)
        else:
            current.lines.append(line)
    return header, zones


def _heading(line: Line, in_practice: bool) -> Section | str | None:
    key = re.sub(r"[\s\-.]+", " ", line.text.lower().rstrip(":")).strip()
    key = key.removeprefix("the ")
    if key in _PRACTICE:
        return "practice"
    if in_practice and key == "solution" and not line.text.lower().startswith("the "):
        return None  # an item's own "Solution"
    return _SECTIONS.get(key)


def _title_and_topic(header: list[Line], first: Line) -> tuple[str, str]:
    lines = [line for line in header if line.text and not _JUNK_RE.match(line.text)]
    topics = [m[1].strip() for line in lines if (m := _TOPIC_LINE_RE.match(line.text))]
    titles = [line for line in lines if not _TOPIC_LINE_RE.match(line.text)]
    if not titles:
        raise PageSyntaxError(
            first.no, f"expected a title line ('<title> in <topic> - ...') before {first.text!r}"
        )
    return _split_title(max(titles, key=_title_score), topics[0] if topics else "")


def _title_score(line: Line) -> tuple[bool, bool, bool, bool]:
    """Prefer 'X in Topic - Suffix', then 'X in Topic', then 'X - Suffix', then longer lines."""
    has_in, has_suffix = " in " in line.text, bool(_SUFFIX_RE.match(line.text))
    return has_in and has_suffix, has_in, has_suffix, len(line.text.split()) >= 3


def _split_title(line: Line, header_topic: str) -> tuple[str, str]:
    text = line.text
    at = text.lower().find(f" in {header_topic.lower()}") if header_topic else -1
    if at > 0:
        return _tidy(text[:at], line), text[at + 4 : at + 4 + len(header_topic)]
    suffix = _SUFFIX_RE.match(text)
    main = suffix[1] if suffix else text
    if " in " in main:
        title, topic = main.rsplit(" in ", 1)
        return _tidy(title, line), topic.strip()
    if header_topic:
        return _tidy(main, line), header_topic
    raise PageSyntaxError(
        line.no,
        f"expected the title {text!r} to name its topic "
        f"('<title> in <topic>') or a topic line such as "
        f"'Topic~3 mins' above it",
    )


def _tidy(title: str, line: Line) -> str:
    title = title.strip().rstrip(":").strip()
    if not slugify(title):
        raise PageSyntaxError(line.no, f"expected a title with letters or digits, got {title!r}")
    return title[0].upper() + title[1:]


def slugify(text: str, limit: int = 80) -> str:
    """Lowercase ASCII words joined by hyphens, cut at a word boundary to ``limit`` characters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:limit]
    return slug


def _item_prefix(lesson_id: str) -> str:
    """The lesson id without filler words ('when-to-...-vs-...'), at most 40 characters."""
    words = [w for w in lesson_id.split("-") if w not in _ID_STOP_WORDS] or lesson_id.split("-")
    return slugify("-".join(words), 40)


def _passages(zones: list[_Zone], concepts: list[str]) -> list[Passage]:
    passages: list[Passage] = []
    used: set[str] = set()
    for heading, section, body in _sections(zones):
        text = _section_text(section, body)
        if not text:
            continue  # a heading with nothing under it
        slug = slugify(heading.text) if section is Section.EXPLANATION else ""
        slug = slug or section.value.replace("_", "-")
        unique = _unique(slug, used)
        explicit = section is Section.EXPLANATION or unique != slug
        passages.append(
            Passage(
                id=unique if explicit else None,
                section=section,
                title=heading.text.rstrip(":").strip(),
                concepts=concepts,
                text=text,
            )
        )
    return passages


def _sections(zones: list[_Zone]) -> Iterator[tuple[Line, Section, list[Line]]]:
    """Each known section, split further where an unknown Title-Case heading starts."""
    for zone in zones:
        if zone.section is None or zone.heading is None:
            continue
        heading, section = zone.heading, zone.section
        body: list[Line] = []
        for i, line in enumerate(zone.lines):
            if _is_extra_heading(zone.lines, i):
                yield heading, section, body
                heading, section, body = line, Section.EXPLANATION, []
            else:
                body.append(line)
        yield heading, section, body


def _is_extra_heading(lines: list[Line], i: int) -> bool:
    text = lines[i].text
    words = text.split()
    if not words or len(words) > 6 or len(text) > 50 or not text[0].isupper():
        return False
    if text[-1] in ".,;:!" or _BEFORE_AFTER_RE.match(text):
        return False
    title_case = all(w[0].isupper() or not w[0].isalpha() or w in _SMALL_WORDS for w in words)
    return title_case and any(line.text for line in lines[i + 1 :])


def _section_text(section: Section, body: list[Line]) -> str:
    if section is Section.BEFORE_AFTER:
        return _before_after(body)
    if section is Section.KEY_TAKEAWAYS:
        return "\n".join(f"- {_BULLET_RE.sub('', line.text)}" for line in body if line.text)
    return join_block(body)


def _before_after(body: list[Line]) -> str:
    """'Before: ...' and 'After: ...' lines from 'Before' / 'After' sub-headings."""
    parts: list[tuple[str, list[str]]] = []
    for line in body:
        label = _BEFORE_AFTER_RE.match(line.text)
        if label:
            parts.append((label[1].capitalize(), [label[2]] if label[2] else []))
        elif line.text and parts:
            parts[-1][1].append(line.text)
        elif line.text:
            parts.append(("", [line.text]))
    return "\n".join(
        f"{label}: {' '.join(words)}" if label else " ".join(words)
        for label, words in parts
        if words
    )


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


# Concepts from the title ------------------------------------------------------------------------

_SPLIT_RE = re.compile(r"\s+(?:vs\.?|versus|and|or)\s+", re.IGNORECASE)
_LEAD_RE = re.compile(r"^(?:when|how|why|where)\s+(?:to|do\s+you|should\s+you)\s+", re.IGNORECASE)
_GENERIC_VERBS = {"use", "choose", "pick", "prefer", "apply", "add", "try", "go", "rely"}
_VERB_SUFFIX_RE = re.compile(r"(?:ize|ise|ify|ate)$", re.IGNORECASE)


def derive_concepts(title: str, lesson_id: str) -> list[Concept]:
    """1-3 concepts named in the title ('When to fine-tune vs prompt engineer' gives
    ``fine-tuning`` and ``prompt-engineering``); one concept with the lesson id otherwise."""
    parts = [_LEAD_RE.sub("", p).strip() for p in _SPLIT_RE.split(title) if p.strip()]
    first_word = parts[0].split()[0].lower() if parts and parts[0] else ""
    verbs = bool(_LEAD_RE.match(title)) and first_word not in _GENERIC_VERBS
    concepts: dict[str, Concept] = {}
    for part in parts if len(parts) > 1 else []:
        words = part.split()
        if len(words) > 1 and words[0].lower() in _GENERIC_VERBS:
            words = words[1:]
        name = " ".join(_as_gerund(words) if verbs else words)
        slug = slugify(name)
        if slug and slug not in concepts and len(concepts) < 3:
            concepts[slug] = Concept(id=slug, name=name[0].upper() + name[1:])
    if len(concepts) < 2:
        return [Concept(id=lesson_id, name=title)]
    return list(concepts.values())


def _as_gerund(words: list[str]) -> list[str]:
    """Name an action: the verb-looking word (or the last one) takes '-ing'."""
    at = next((i for i, w in enumerate(words) if _VERB_SUFFIX_RE.search(w)), len(words) - 1)
    head, _, verb = words[at].rpartition("-")
    gerund = _gerund(verb)
    return [*words[:at], f"{head}-{gerund}" if head else gerund, *words[at + 1 :]]


def _gerund(verb: str) -> str:
    low = verb.lower()
    if low.endswith("ing") or not low.isalpha():
        return verb
    if low.endswith("ie"):
        return verb[:-2] + "ying"
    if low.endswith("e") and not low.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnprt]", low):
        return verb + verb[-1] + "ing"  # plan -> planning, split -> splitting
    return verb + "ing"
