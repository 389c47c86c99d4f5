"""Prompt templates: files in ``prompts/``, parsed into a strict header and chat messages.

A prompt is ``prompts/<name>.v<N>.md.j2``::

    ---
    name: hint
    version: 1
    description: One hint at a given level that does not give the answer away.
    variables: [stem, level, answer, attempt]
    output: null            # or the name of the pydantic model the reply must fit
    ---
    ### system
    {% include "system.v1" %}
    Give a level {{ level }} hint for: {{ stem }}
    ### user
    {{ attempt | learner_text }}

Lines ``### system``, ``### user`` and ``### assistant`` start messages. The template is split
at them *before* rendering, so no variable's text can start a message of its own. Rendering
uses Jinja's sandbox with ``StrictUndefined``; the exact declared variables must be passed
(None for an absent optional one). ``{% include "system.v1" %}`` inserts the text of a
one-message prompt. Learner text goes in as data with ``{{ text | learner_text }}``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
)
from jinja2.loaders import BaseLoader
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutor.config import Settings
from tutor.errors import PromptError
from tutor.llm.messages import Message, Role

SUFFIX = ".md.j2"
FILE_NAME = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.md\.j2$")
_INCLUDE_NAME = re.compile(r"([a-z][a-z0-9_]*)\.v([1-9][0-9]*)")  # "system.v1"
MARKER = re.compile(r"^###[ \t]+(system|user|assistant)[ \t]*$")
IDENTIFIER = r"^[a-z_][a-z0-9_]*$"


class PromptHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    description: str = Field(min_length=1)
    variables: list[str] = Field(default_factory=list)
    output: str | None = Field(default=None, pattern=r"^[A-Z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Section:
    role: Role
    source: str
    line: int  # of the first source line in the file


@dataclass(frozen=True)
class Prompt:
    header: PromptHeader
    path: Path
    sections: tuple[Section, ...]

    @property
    def ref(self) -> str:
        return f"{self.header.name}@{self.header.version}"


@dataclass(frozen=True)
class RenderedPrompt:
    messages: list[Message]
    ref: str  # "name@version": pass it on as the gateway's ``prompt=``
    output: str | None = None


# -- learner text as data -------------------------------------------------------------

# Invisible characters that are not in the Cf (format) category: variation selectors, the
# combining grapheme joiner and the Hangul fillers that render as blank.
_INVISIBLE_EXTRA = frozenset(
    [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0]
)
_OPEN = r"(?:[<\uff1c\ufe64]|&lt;)"
_CLOSE = r"(?:[>\uff1e\ufe65]|&gt;)"


_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")
# Printable ASCII, tab and newline are always kept, so only the other characters are looked up
# (one regex pass in C over a mostly-ASCII text instead of a Python call per character: every
# rendered passage and learner text goes through here, about 5% of an explanation's CPU).
_NOT_PLAIN = re.compile(r"[^\t\n\x20-\x7e]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    invisible = unicodedata.category(ch) in ("Cf", "Cc", "Cs") or ord(ch) in _INVISIBLE_EXTRA
    return "" if invisible else ch


def strip_invisible(text: str) -> str:
    """Drop zero-width, bidi, tag and other invisible characters; keep newlines and tabs."""
    return _NOT_PLAIN.sub(_visible, _LINE_BREAKS.sub("\n", text))


@functools.cache
def _tag_like(tag: str) -> re.Pattern[str]:
    """``<tag>``, ``</tag>`` and their spaced, dashed, escaped and full-width look-alikes."""
    word = r"[\s_\-]*".join(re.escape(part) for part in tag.split("_"))
    return re.compile(
        rf"{_OPEN}\s*(?P<slash>/?)\s*{word}\b(?P<rest>[^<>\n]{{0,80}}?{_CLOSE})?", re.IGNORECASE
    )


def delimit(text: object, tag: str, attributes: str = "") -> str:
    """``text`` inside ``<tag>…</tag>``, after defusing any tag of that name inside it.

    ``</learner_text>``, ``< / Learner-Text >``, ``&lt;/learner_text&gt;`` and full-width
    look-alikes all become ``[/learner_text]``, so the text cannot close (or reopen) its block.
    """
    clean = strip_invisible("" if text is None else str(text))
    tag_like = _tag_like(tag)

    def defuse(match: re.Match[str]) -> str:
        rest = re.sub(rf"{_CLOSE}$", "", match["rest"] or "", flags=re.IGNORECASE).rstrip()
        return f"[{match['slash']}{tag}{rest}]" if match["rest"] else f"[{match['slash']}{tag}"

    return f"<{tag}{attributes}>\n{tag_like.sub(defuse, clean).strip()}\n</{tag}>"


def learner_text(text: object) -> str:
    """Jinja filter: learner-written text as a data block the learner cannot close."""
    return delimit(text, "learner_text")


def passage(text: object, passage_id: object) -> str:
    """Jinja filter: a retrieved passage as a data block carrying its citation id."""
    safe_id = re.sub(r"[^A-Za-z0-9/_.\-]", "", str(passage_id))
    return delimit(text, "passage", f' id="{safe_id}"')


# -- loading --------------------------------------------------------------------------


class _IncludeLoader(BaseLoader):
    def __init__(self, library: PromptLibrary) -> None:
        self.library = library

    def get_source(self, environment: Any, template: str) -> tuple[str, None, None]:
        match = _INCLUDE_NAME.fullmatch(template)
        prompt = self.library.prompts.get((match[1], int(match[2]))) if match else None
        if prompt is None or len(prompt.sections) != 1:
            raise TemplateNotFound(f"{template} (include a one-message prompt as 'name.vN')")
        return prompt.sections[0].source, None, None


def parse_prompt(path: Path, text: str) -> Prompt:
    match = FILE_NAME.match(path.name)
    if match is None:
        raise PromptError(f"{path}: a prompt file is named <name>.v<N>{SUFFIX}")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (s.strip() for s in lines[1:]):
        raise PromptError(f"{path}: the file must start with a YAML header between '---' lines")
    end = next(i for i, s in enumerate(lines[1:], start=1) if s.strip() == "---")
    try:
        header = PromptHeader.model_validate(yaml.safe_load("\n".join(lines[1:end])) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"{path}: invalid header: {exc}") from exc
    if (header.name, header.version) != (match["name"], int(match["version"])):
        raise PromptError(
            f"{path}: the header says {header.name} version {header.version}, but the file "
            f"name says {match['name']} version {match['version']}: make them agree"
        )
    bad = [v for v in header.variables if not re.match(IDENTIFIER, v)]
    if bad or len(set(header.variables)) != len(header.variables):
        raise PromptError(f"{path}: variables must be unique lower-case identifiers: {bad}")
    sections: list[Section] = []
    for number, line in enumerate(lines[end + 1 :], start=end + 2):
        if marker := MARKER.match(line):
            sections.append(Section(role=cast(Role, marker[1]), source="", line=number + 1))
        elif sections:
            last = sections[-1]
            sections[-1] = Section(last.role, last.source + line + "\n", last.line)
        elif line.strip():
            raise PromptError(f"{path}:{number}: text before the first '### system|user' line")
    if not sections or any(not s.source.strip() for s in sections):
        raise PromptError(f"{path}: needs one or more non-empty '### <role>' sections")
    return Prompt(header=header, path=path, sections=tuple(sections))


class PromptLibrary:
    """Every prompt in a directory, checked at load: a broken file fails here, not mid-request."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise PromptError(f"no prompt directory at {directory}: set TUTOR_PROMPTS_DIR")
        self.directory = directory
        self.prompts: dict[tuple[str, int], Prompt] = {}
        problems: list[str] = []
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            try:
                prompt = parse_prompt(path, path.read_text(encoding="utf-8"))
            except PromptError as exc:
                problems.append(exc.message)
                continue
            self.prompts[(prompt.header.name, prompt.header.version)] = prompt
        self._env = SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            loader=_IncludeLoader(self),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters["learner_text"] = learner_text
        self._env.filters["passage"] = passage
        self._compiled: dict[tuple[str, int], list[tuple[nodes.Template, Template]]] = {}
        for key, prompt in self.prompts.items():
            try:
                self._compiled[key] = [self._compile(prompt, s) for s in prompt.sections]
            except PromptError as exc:
                problems.append(exc.message)
        problems += [p for key in self._compiled for p in self._check_variables(key)]
        if problems:
            raise PromptError("invalid prompt files:\n" + "\n".join(problems))

    @classmethod
    def from_settings(cls, settings: Settings) -> PromptLibrary:
        return cls(settings.prompts_dir)

    def get(self, name: str, version: int | None = None) -> Prompt:
        """One prompt; the latest version when ``version`` is None."""
        versions = sorted(v for (n, v) in self.prompts if n == name)
        if not versions:
            known = ", ".join(sorted({n for n, _ in self.prompts})) or "none"
            raise PromptError(f"no prompt named {name!r} in {self.directory} (known: {known})")
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            raise PromptError(f"prompt {name!r} has no version {version} (has {versions})")
        return self.prompts[(name, chosen)]

    def render(self, name: str, version: int | None = None, /, **variables: Any) -> RenderedPrompt:
        """Messages from the prompt, given exactly its declared variables."""
        prompt = self.get(name, version)
        declared = set(prompt.header.variables)
        missing, unexpected = declared - variables.keys(), variables.keys() - declared
        if missing or unexpected:
            raise PromptError(
                f"prompt {prompt.ref} takes exactly {sorted(declared)}; missing "
                f"{sorted(missing)} (pass None for an absent one), unexpected {sorted(unexpected)}"
            )
        messages = []
        compiled = self._compiled[(prompt.header.name, prompt.header.version)]
        for section, (_, template) in zip(prompt.sections, compiled, strict=True):
            try:
                text = template.render(**variables).strip()
            except TemplateError as exc:
                raise PromptError(f"prompt {prompt.ref} failed to render: {exc}") from exc
            if not text:
                raise PromptError(f"prompt {prompt.ref}: its {section.role} message is empty")
            messages.append(Message(role=section.role, content=text))
        return RenderedPrompt(messages=messages, ref=prompt.ref, output=prompt.header.output)

    def _compile(self, prompt: Prompt, section: Section) -> tuple[nodes.Template, Template]:
        try:
            return self._env.parse(section.source), self._env.from_string(section.source)
        except TemplateSyntaxError as exc:
            line = section.line + (exc.lineno or 1) - 1
            raise PromptError(f"{prompt.path}:{line}: {exc.message}") from exc

    def _used_names(self, key: tuple[str, int], seen: frozenset[tuple[str, int]]) -> set[str]:
        """The variables a prompt's sections use, following includes."""
        names: set[str] = set()
        for ast, _ in self._compiled.get(key, []):
            names |= meta.find_undeclared_variables(ast)
            for ref in meta.find_referenced_templates(ast):
                match = _INCLUDE_NAME.fullmatch(ref or "")
                included = (match[1], int(match[2])) if match else None
                if included is None or included not in self._compiled:
                    raise PromptError(f"includes {ref!r}, which is not a prompt 'name.vN'")
                if included in seen:
                    raise PromptError(f"includes {ref!r} in a cycle")
                names |= self._used_names(included, seen | {included})
        return names

    def _check_variables(self, key: tuple[str, int]) -> list[str]:
        prompt = self.prompts[key]
        try:
            used = self._used_names(key, frozenset({key})) - set(self._env.globals)
        except PromptError as exc:
            return [f"{prompt.path}: {exc.message}"]
        declared = set(prompt.header.variables)
        return [
            f"{prompt.path}: {problem} {sorted(names)}"
            for problem, names in (
                ("uses undeclared variables", used - declared),
                ("declares unused variables", declared - used),
            )
            if names
        ]
