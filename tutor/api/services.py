"""What the routes work with, built once per app from the settings (lazily, on first use)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from tutor.config import Settings
from tutor.corpus import Corpus, load_corpus
from tutor.engines import Engine, engine_name, make_engine
from tutor.learners import Catalog, LearnerConfig
from tutor.offload import WorkerPool
from tutor.retrieval import PassageIndex
from tutor.store import Database, local_learner, open_database
from tutor.tutoring import Tutor
from tutor.variants.practice import PracticeCorpus


@dataclass
class Services:
    settings: Settings

    @cached_property
    def workers(self) -> WorkerPool:
        """The one pool of worker threads for blocking work, with a bounded queue."""
        return WorkerPool.from_settings(self.settings)

    @cached_property
    def corpus(self) -> Corpus:
        """The lesson files plus published variants (kept current by :meth:`sync_practice`)."""
        return load_corpus(self.settings.corpus_dir)

    @cached_property
    def practice(self) -> PracticeCorpus:
        return PracticeCorpus(self.corpus, self.database)

    def sync_practice(self, *, force: bool = False) -> None:
        """Lay newly published variants over the corpus (a query every few seconds at most)."""
        if self.practice.sync(force=force):
            self.__dict__.pop("catalog", None)

    @cached_property
    def catalog(self) -> Catalog:
        """The corpus as the learner model sees it (concepts in prerequisite order)."""
        return Catalog.from_corpus(self.corpus)

    @cached_property
    def learner_config(self) -> LearnerConfig:
        return LearnerConfig.from_settings(self.settings)

    @cached_property
    def index(self) -> PassageIndex:
        return PassageIndex.from_settings(self.settings)

    @cached_property
    def database(self) -> Database:
        return open_database(self.settings)

    @cached_property
    def local_learner_id(self) -> str:
        """The learner of single-user local mode (looked up, or created, once)."""
        return local_learner(self.database)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings, corpus=self.corpus, embedder=self.index.embedder)

    @cached_property
    def tutor(self) -> Tutor:
        return Tutor.from_settings(
            self.settings,
            corpus=self.corpus,
            index=self.index,
            database=self.database,
            engine=self.engine,
        )

    @property
    def engine_name(self) -> str:
        """ "offline" or the model, without building the engine."""
        return engine_name(self.settings)

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.dispose()
        if "workers" in self.__dict__:
            self.workers.shutdown(wait=False, cancel_futures=True)
