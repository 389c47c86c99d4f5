"""Attack templates and padding sentences: data files in ``evals/``.

``evals/attacks.yaml`` holds templates that wrap a wrong answer (``{answer}`` marks where it
goes; nothing else in a template is special, so JSON braces are fine). ``evals/padding.yaml``
holds true sentences that answer no question of the course, for the verbosity check.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tutor.config import PROJECT_ROOT
from tutor.errors import BadRequestError, NotFoundError

EVALS_DIR = PROJECT_ROOT / "evals"
ATTACKS_FILE = EVALS_DIR / "attacks.yaml"
PADDING_FILE = EVALS_DIR / "padding.yaml"
SLOT = "{answer}"


class Attack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: str
    template: str

    @field_validator("template")
    @classmethod
    def _has_slot(cls, value: str) -> str:
        if value.count(SLOT) != 1:
            raise ValueError(f"a template holds {SLOT} exactly once")
        return value

    def wrap(self, answer: str) -> str:
        return self.template.replace(SLOT, answer)


class _AttackFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attacks: list[Attack] = Field(min_length=1)


class _PaddingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentences: list[str] = Field(min_length=1)


def _read(path: Path) -> object:
    if not path.is_file():
        raise NotFoundError(f"no file at {path}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_attacks(path: Path = ATTACKS_FILE) -> list[Attack]:
    try:
        attacks = _AttackFile.model_validate(_read(path)).attacks
    except ValidationError as exc:
        raise BadRequestError(f"{path}: {exc}") from exc
    ids = [a.id for a in attacks]
    if len(set(ids)) != len(ids):
        raise BadRequestError(f"{path}: attack ids repeat")
    return attacks


def load_padding(path: Path = PADDING_FILE) -> list[str]:
    try:
        return _PaddingFile.model_validate(_read(path)).sentences
    except ValidationError as exc:
        raise BadRequestError(f"{path}: {exc}") from exc
