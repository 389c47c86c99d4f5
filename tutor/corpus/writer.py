"""Writing a lesson back to YAML that a content team can read and diff."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import yaml

from tutor.corpus.models import Lesson
from tutor.errors import BadRequestError

_LINK = "{target} is a symbolic link; refusing to write through it (remove it or write elsewhere)"


class _LessonDumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value or len(value) > 88 else None
    if style:
        value = "\n".join(line.rstrip() for line in value.splitlines())
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LessonDumper.add_representer(str, _str)


def dump_lesson(lesson: Lesson) -> str:
    data: dict[str, Any] = lesson.model_dump(mode="json", exclude_defaults=True)
    return yaml.dump(data, Dumper=_LessonDumper, sort_keys=False, allow_unicode=True, width=100)


def write_lesson_file(target: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``target``; an existing file only with ``force``, and never through a
    symbolic link (``O_NOFOLLOW``: a link planted at the path cannot redirect the write)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_TRUNC if force else os.O_EXCL
    if target.is_symlink():  # O_NOFOLLOW does the same where it exists; this names the cause
        raise BadRequestError(_LINK.format(target=target))
    try:
        fd = os.open(target, flags, 0o644)
    except FileExistsError:
        raise BadRequestError(f"{target} already exists; pass --force to overwrite it") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadRequestError(_LINK.format(target=target)) from None
        raise BadRequestError(f"cannot write {target}: {exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
