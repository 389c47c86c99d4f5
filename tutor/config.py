"""Settings: every knob is a ``TUTOR_*`` variable (or a line in ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _in_checkout() -> bool:
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "corpus").is_dir()


def default_data_dir() -> Path:
    """``.tutor-data`` inside a source checkout, else the user's data directory."""
    if _in_checkout():
        return PROJECT_ROOT / ".tutor-data"
    return Path(platformdirs.user_data_dir("tutor"))


def default_corpus_dir() -> Path:
    return PROJECT_ROOT / "corpus" if _in_checkout() else Path("corpus")


class Settings(BaseSettings):
    """Configuration for the whole service, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    corpus_dir: Path = Field(default_factory=default_corpus_dir)
    chroma_url: str | None = None
    collection: str = "passages"
    embedder: Literal["minilm-int8", "litellm"] = "minilm-int8"
    embedding_model: str | None = None
    embed_batch_size: int = Field(default=64, ge=1, le=1024)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"


@lru_cache
def get_settings() -> Settings:
    return Settings()
