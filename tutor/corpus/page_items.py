"""The practice part of a lesson page: numbered items read line by line into ``Item`` models.

An item on a page looks like this (indentation, blank lines and most parts may vary)::

    1. What is the main difference between ...?          stem ("1." or "1)")
    easy                                                  difficulty
    A. ...                                                options, any number >= 2
    Solution
      1. Step 1: Understand fine-tuning                   solution steps
        Fine-tuning means ...
      3. Final Answer:
        ... -> Option C                                   the answer
      4. Quick Check:
        ... [OK]
    Hint: ... [OK]
    Common Mistakes:
      • ...

This module knows nothing about file names: it raises ``PageSyntaxError(line, message)`` and the
importer turns that into a ``PageFormatError`` naming the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from tutor.corpus.models import Difficulty, Item, ItemType, Option, SolutionStep


@dataclass(frozen=True)
class Line:
    """One line of a page: 1-based number, indentation in columns, text without the indent."""

    no: int
    indent: int
    text: str


class PageSyntaxError(Exception):
    """A line that does not fit the page format; ``message`` says what was expected."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


DIFFICULTY_WORDS = {
    "easy": Difficulty.EASY,
    "beginner": Difficulty.EASY,
    "medium": Difficulty.MEDIUM,
    "intermediate": Difficulty.MEDIUM,
    "moderate": Difficulty.MEDIUM,
    "hard": Difficulty.HARD,
    "difficult": Difficulty.HARD,
    "advanced": Difficulty.HARD,
}

ITEM_RE = re.compile(r"^(\d{1,3})[.)]\s+(\S.*)$")
OPTION_RE = re.compile(r"^\(?([A-Z])[.)]\s+(\S.*)$")
DIFFICULTY_RE = re.compile(r"^(?:difficulty\s*[:\-]?\s*)?([A-Za-z]+)$", re.IGNORECASE)
PROGRESS_RE = re.compile(r"^\(\d+\s*/\s*\d+\)$")
_NUM = r"(?:\d{1,2}[.)]\s*)?"
_STEP_RE = re.compile(rf"^{_NUM}step\s*\d+\s*[:.)\-]?\s*(.*)$", re.IGNORECASE)
_FINAL_RE = re.compile(rf"^{_NUM}final\s+answer\s*:?\s*(.*)$", re.IGNORECASE)
_CHECK_RE = re.compile(rf"^{_NUM}quick\s+check\s*:?\s*(.*)$", re.IGNORECASE)
_SOLUTION_RE = re.compile(r"^solutions?\s*:?$", re.IGNORECASE)
_HINT_RE = re.compile(r"^hints?(?:\s*:\s*(.*)|\s*)$", re.IGNORECASE)
_MISTAKES_RE = re.compile(r"^common\s+mistakes?(?:\s*:\s*(.*)|\s*)$", re.IGNORECASE)
_BULLET_RE = re.compile(r"^(?:[•*·\u2013\-]|\d{1,2}[.)])\s*(\S.*)$")
_ANSWER_RE = re.compile(r"^(.*?)\s*(?:->|→|=>)\s*option\s+([A-Za-z])\s*\.?$", re.IGNORECASE)
_BARE_KEY_RE = re.compile(r"^(?:option\s+)?\(?([A-Z])\)?\.?$", re.IGNORECASE)
_OK_RE = re.compile(r"\s*(?:\[OK\]|✓|✔)\s*$", re.IGNORECASE)


def looks_like_item(lines: Sequence[Line], i: int) -> bool:
    """A numbered line followed by a difficulty word: an item even without a Practice heading."""
    if not ITEM_RE.match(lines[i].text):
        return False
    after = next((line for line in lines[i + 1 :] if line.text), None)
    word = DIFFICULTY_RE.match(after.text) if after else None
    return word is not None and word[1].lower() in DIFFICULTY_WORDS


@dataclass
class _Part:
    """A solution step, final answer or quick check being collected."""

    kind: str  # "step" | "final" | "check"
    title: str
    line: Line
    lines: list[Line] = field(default_factory=list)


@dataclass
class _Draft:
    """An item being collected; ``state`` is the part of the item the next line belongs to."""

    number: int
    stem: Line
    stem_lines: list[Line]
    state: str = "stem"  # stem -> body -> solution | hint | mistakes
    difficulty: Difficulty | None = None
    options: list[tuple[str, list[Line]]] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)
    hints: list[list[Line]] = field(default_factory=list)
    mistakes: list[list[Line]] = field(default_factory=list)
    bullets: bool = False  # the current Hint / Common Mistakes list uses bullets


def parse_items(lines: Sequence[Line], concepts: list[str], id_prefix: str) -> list[Item]:
    """Every item in the practice lines, in page order, with ids ``<id_prefix>-01`` ..."""
    drafts: list[_Draft] = []
    for line in lines:
        if not line.text or PROGRESS_RE.match(line.text):
            continue
        current = drafts[-1] if drafts else None
        match = ITEM_RE.match(line.text)
        if match and _starts_item(current, line):
            column = line.indent + match.start(2)  # where the stem text starts
            drafts.append(_Draft(len(drafts) + 1, line, [Line(line.no, column, match[2])]))
        elif current is None:
            _before_any_item(line)
        else:
            _feed(current, line)
    return [build_item(d, concepts, f"{id_prefix}-{d.number:02d}") for d in drafts]


def _starts_item(current: _Draft | None, line: Line) -> bool:
    if current is None:
        return True
    if current.state == "solution" and _is_part_heading(line.text):
        return False
    return line.indent <= current.stem.indent


def _is_part_heading(text: str) -> bool:
    return any(r.match(text) for r in (_STEP_RE, _FINAL_RE, _CHECK_RE))


def _before_any_item(line: Line) -> None:
    option = OPTION_RE.match(line.text)
    if option:
        raise PageSyntaxError(line.no, f"item 1 has option {option[1]!r} but no stem before it")
    # anything else before the first item ("Practice" instructions, UI text) is ignored


def _feed(draft: _Draft, line: Line) -> None:
    """Route one line to the part of ``draft`` it belongs to."""
    if draft.state == "stem":
        _feed_stem(draft, line)
    elif _switch_state(draft, line):
        return
    elif draft.state == "body":
        _feed_body(draft, line)
    elif draft.state == "solution":
        _feed_solution(draft, line)
    else:
        _feed_list(draft, line)


def _feed_stem(draft: _Draft, line: Line) -> None:
    structural = (_SOLUTION_RE, _FINAL_RE, _STEP_RE, _HINT_RE, _MISTAKES_RE, OPTION_RE)
    if any(r.match(line.text) for r in structural):
        raise PageSyntaxError(
            line.no,
            f"item {draft.number}: expected a difficulty line "
            f"(easy, medium or hard) after the stem, got {line.text!r}",
        )
    word = DIFFICULTY_RE.match(line.text)
    if word is None:
        draft.stem_lines.append(line)  # the stem goes on (a second sentence, a code line)
        return
    difficulty = DIFFICULTY_WORDS.get(word[1].lower())
    if difficulty is None:
        raise PageSyntaxError(
            line.no,
            f"item {draft.number}: expected a difficulty (easy, medium or hard), got {word[1]!r}",
        )
    draft.difficulty = difficulty
    draft.state = "body"


def _switch_state(draft: _Draft, line: Line) -> bool:
    """Handle the headings that move between Solution, Hint and Common Mistakes."""
    text = line.text
    if _SOLUTION_RE.match(text):
        draft.state = "solution"
    elif draft.state != "solution" and _is_part_heading(text):
        draft.state = "solution"
        _feed_solution(draft, line)
    elif hint := _HINT_RE.match(text):
        draft.state, draft.bullets = "hint", False
        if hint[1]:
            draft.hints.append([Line(line.no, line.indent, hint[1])])
    elif mistakes := _MISTAKES_RE.match(text):
        draft.state, draft.bullets = "mistakes", False
        if mistakes[1]:
            draft.mistakes.append([Line(line.no, line.indent, mistakes[1])])
    elif (
        (option := OPTION_RE.match(text))
        and draft.state != "body"
        and (draft.state != "solution" or line.indent <= draft.stem.indent)
    ):
        raise PageSyntaxError(
            line.no, f"item {draft.number + 1} has option {option[1]!r} but no stem before it"
        )
    else:
        return False
    return True


def _feed_body(draft: _Draft, line: Line) -> None:
    option = OPTION_RE.match(line.text)
    if option:
        if any(key == option[1] for key, _ in draft.options):
            raise PageSyntaxError(line.no, f"item {draft.number} repeats option {option[1]!r}")
        draft.options.append((option[1], [Line(line.no, line.indent, option[2])]))
    elif draft.options:
        draft.options[-1][1].append(line)  # a long option wrapped onto the next line
    else:
        raise PageSyntaxError(
            line.no,
            f"item {draft.number}: expected options (A. ...), "
            f"'Solution', 'Hint:' or 'Common Mistakes:' after the "
            f"difficulty, got {line.text!r}",
        )


def _feed_solution(draft: _Draft, line: Line) -> None:
    for kind, regex in (("step", _STEP_RE), ("final", _FINAL_RE), ("check", _CHECK_RE)):
        match = regex.match(line.text)
        if match:
            inline = match[1].strip()
            part = _Part(kind, inline if kind == "step" else "", line)
            if inline and kind != "step":
                part.lines.append(Line(line.no, line.indent, inline))
            draft.parts.append(part)
            return
    numbered = ITEM_RE.match(line.text)
    if numbered:  # "  3. Compare the options" inside a solution: an untitled step
        draft.parts.append(_Part("step", "", line, [Line(line.no, line.indent, numbered[2])]))
    elif draft.parts:
        draft.parts[-1].lines.append(line)
    else:
        draft.parts.append(_Part("step", "", line, [line]))


def _feed_list(draft: _Draft, line: Line) -> None:
    """A line under 'Hint:' or 'Common Mistakes:': a new bullet or the rest of the last one."""
    entries = draft.hints if draft.state == "hint" else draft.mistakes
    bullet = _BULLET_RE.match(line.text)
    if bullet:
        entries.append([Line(line.no, line.indent, bullet[1])])
        draft.bullets = True
    elif draft.bullets and line.indent <= draft.stem.indent:
        heading = "'Hint:'" if draft.state == "hint" else "'Common Mistakes:'"
        raise PageSyntaxError(
            line.no,
            f"item {draft.number}: expected a bullet under {heading}, "
            f"a new part of the item or the next numbered item, "
            f"got {line.text!r}",
        )
    elif entries and (draft.state == "hint" or line.indent > entries[-1][0].indent):
        entries[-1].append(line)
    else:
        entries.append([line])


def build_item(draft: _Draft, concepts: list[str], item_id: str) -> Item:
    """Check the collected parts and turn them into a validated ``Item``."""
    n = draft.number
    if draft.difficulty is None:
        raise PageSyntaxError(
            draft.stem.no,
            f"item {n}: expected a difficulty line (easy, medium or hard) after the stem",
        )
    if len(draft.options) == 1:
        raise PageSyntaxError(
            draft.stem.no,
            f"item {n} has only one option; expected two or more, or none for a free-text item",
        )
    options = [Option(key=key, text=join_words(lines)) for key, lines in draft.options]
    key, answer, wording = _answer(draft, options)
    steps = _steps(draft.parts)
    if wording is not None and _norm(wording) != _norm(answer):
        steps.append(SolutionStep(title="Final answer", text=wording))
    try:
        return Item(
            id=item_id,
            concepts=concepts,
            difficulty=draft.difficulty,
            type=ItemType.MULTIPLE_CHOICE if options else ItemType.FREE_TEXT,
            stem=join_block(draft.stem_lines),
            options=options,
            answer_key=key,
            answer=answer,
            solution_steps=steps,
            hints=[t for t in (strip_ok(join_words(h)) for h in draft.hints) if t],
            common_mistakes=[t for t in (join_words(m) for m in draft.mistakes) if t],
        )
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise PageSyntaxError(draft.stem.no, f"item {n} is not a valid item: {problem}") from None


def _answer(draft: _Draft, options: list[Option]) -> tuple[str | None, str, str | None]:
    """(answer_key, answer, final-answer wording) from the 'Final Answer' part."""
    final = next((p for p in draft.parts if p.kind == "final" and p.lines), None)
    if final is None:
        expected = "'Final Answer:' with '... -> Option X'" if options else "'Final Answer:'"
        raise PageSyntaxError(
            draft.stem.no,
            f"item {draft.number} has no final answer; expected {expected} in its solution",
        )
    text = join_words(final.lines)
    named = _ANSWER_RE.match(text)
    if not options:
        if named:
            raise PageSyntaxError(
                final.lines[0].no,
                f"item {draft.number}: the final answer "
                f"names option {named[2].upper()!r} but the "
                f"item has no options",
            )
        return None, text, None
    keys = [o.key for o in options]
    bare = _BARE_KEY_RE.match(text)
    if named:
        key, wording = named[2].upper(), named[1].strip() or None
    elif bare:
        key, wording = bare[1].upper(), None
    else:  # no "-> Option X": accept a final answer that repeats one option's text
        key = next((o.key for o in options if _norm(o.text) == _norm(text)), "")
        wording = text
    if key not in keys:
        got = f"option {key!r}" if key else repr(text)
        raise PageSyntaxError(
            final.lines[-1].no,
            f"item {draft.number}: the final answer is "
            f"{got}, expected one of the options "
            f"{', '.join(keys)} ('... -> Option X')",
        )
    return key, next(o.text for o in options if o.key == key), wording


def _steps(parts: list[_Part]) -> list[SolutionStep]:
    steps = []
    for part in parts:
        text = join_block(part.lines)
        if part.kind == "check":
            text = strip_ok(text)
        if part.kind == "final" or not (text or part.title):
            continue
        title = "Quick check" if part.kind == "check" else part.title
        steps.append(SolutionStep(title=title, text=text) if text else SolutionStep(text=title))
    return steps


def join_words(lines: Sequence[Line]) -> str:
    """Wrapped prose (an option, a hint, a mistake) as one line."""
    return " ".join(line.text for line in lines if line.text).strip()


def join_block(lines: Sequence[Line]) -> str:
    """Lines kept as lines, relative indentation kept, runs of blank lines squeezed to one."""
    indent = min((line.indent for line in lines if line.text), default=0)
    out: list[str] = []
    for line in lines:
        text = " " * (line.indent - indent) + line.text if line.text else ""
        if text or (out and out[-1]):
            out.append(text)
    return "\n".join(out).strip()


def strip_ok(text: str) -> str:
    return _OK_RE.sub("", text).strip()


def _norm(text: str) -> str:
    """The comparison ``Item`` uses between the answer and the chosen option."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".").lower()
