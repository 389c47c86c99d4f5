"""What the routes work with, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from tutor.config import Settings
from tutor.corpus import Corpus, load_corpus
from tutor.retrieval import PassageIndex


@dataclass
class Services:
    settings: Settings

    @cached_property
    def corpus(self) -> Corpus:
        return load_corpus(self.settings.corpus_dir)

    @cached_property
    def index(self) -> PassageIndex:
        return PassageIndex.from_settings(self.settings)

    @property
    def engine_name(self) -> str:
        return "offline"
