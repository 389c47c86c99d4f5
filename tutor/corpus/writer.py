"""Writing a lesson back to YAML that a content team can read and diff."""

from __future__ import annotations

from typing import Any

import yaml

from tutor.corpus.models import Lesson


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
