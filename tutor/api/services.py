"""What the routes work with, built once per app from the settings (lazily, on first use).

What a replica loads once and keeps (the lesson files with the published variants laid over
them, the learner model's catalogue, the passage index's Chroma client and collection, the
engine and the tutor built over them) is reloaded when another process changes it:
:meth:`Services.refresh` reads the counters in the shared database's ``generations`` table
(:mod:`tutor.store.generations`) at most every ``RECHECK_SECONDS``, in a worker thread, and
rebuilds what moved there too, then swaps it in, while requests go on with what was loaded.
``tutor index`` moves ``corpus`` (everything is reloaded); publishing or withdrawing a variant
moves ``variants`` (the overlay and the catalogue). Requests already running finish with what
they started with.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tutor.api.known_keys import KnownKeys, revoked_keys
from tutor.config import Settings
from tutor.corpus import Corpus, load_corpus
from tutor.engines import Engine, engine_name, make_engine
from tutor.learners import Catalog, LearnerConfig
from tutor.offload import WorkerPool, offload
from tutor.retrieval import PassageIndex
from tutor.store import Database, local_learner, open_database
from tutor.store.generations import CORPUS, VARIANTS, read_generations
from tutor.tutoring import Tutor
from tutor.variants.practice import PracticeCorpus

RECHECK_SECONDS = 2.0  # how stale a replica's corpus may get: one small query per interval
logger = logging.getLogger("tutor.api")


@dataclass
class Services:
    settings: Settings
    generations: dict[str, int] | None = field(default=None, init=False)  # what is loaded
    _checked: float = field(default=-math.inf, init=False)
    _refreshing: asyncio.Future[None] | None = field(default=None, init=False)  # one at a time
    _reloading: threading.Lock = field(default_factory=threading.Lock, init=False)
    known_keys: KnownKeys[Any] = field(default_factory=KnownKeys, init=False)  # tutor.api.auth

    @cached_property
    def workers(self) -> WorkerPool:
        """The one pool of worker threads for blocking work, with a bounded queue."""
        return WorkerPool.from_settings(self.settings)

    @cached_property
    def practice(self) -> PracticeCorpus:
        """The lesson files with the published variants laid over them."""
        practice = PracticeCorpus(load_corpus(self.settings.corpus_dir), self.database)
        practice.sync()
        return practice

    @cached_property
    def corpus(self) -> Corpus:
        """The lesson files plus published variants (kept current by :meth:`refresh`)."""
        return self.practice.corpus

    async def refresh(self, *, wait: bool = False) -> None:
        """Pick up what other processes changed (at most every ``RECHECK_SECONDS``). The check
        and any reload run in a worker thread while requests go on with what is loaded (only
        the first check, before anything is loaded, is waited for; ``wait``: this one too).
        A failed reload is logged, the state loaded before stays, the next check tries again."""
        now = time.monotonic()
        if self._refreshing is None and now - self._checked >= RECHECK_SECONDS:
            self._checked = now
            self._refreshing = asyncio.ensure_future(self._sync_logged())
        running = self._refreshing
        if running is not None and (wait or self.generations is None):
            await asyncio.shield(running)

    async def _sync_logged(self) -> None:
        try:
            await offload(self.sync)
        except Exception as exc:  # serve what is loaded rather than fail the request
            logger.warning("could not check for or reload a changed corpus (%s: %s); serving "
                           "the one loaded", type(exc).__name__, exc)  # fmt: skip
        finally:
            self._refreshing = None

    def sync(self) -> bool:
        """Reload what moved since it was loaded (blocking); whether anything did. Also forget
        the API keys remembered when a key was revoked since (:mod:`tutor.api.known_keys`)."""
        self.known_keys.check(revoked_keys(self.database))
        with self._reloading:
            current, loaded = read_generations(self.database), self.generations
            if loaded is None:  # the first look: what is (or is about to be) loaded is current
                self.generations = current
                return False
            if current.get(CORPUS, 0) != loaded.get(CORPUS, 0):
                self._reload_corpus()
            elif current.get(VARIANTS, 0) != loaded.get(VARIANTS, 0):
                self._reload_variants()
            else:
                return False
            self.generations = current  # only once reloaded: a failed reload is tried again
            logger.info("reloaded the corpus (generations %s)", current)
            return True

    def sync_practice(self) -> None:
        """After publishing here: lay the change over the corpus now (a reload if it moved)."""
        self._checked = time.monotonic()
        self.sync()

    def _reload_variants(self) -> None:
        if "practice" not in self.__dict__:
            return
        self.practice.sync()
        self.__dict__["catalog"] = Catalog.from_corpus(self.corpus)

    def _reload_corpus(self) -> None:
        """Build everything that depends on the corpus again, then swap it all in at once."""
        built = self.__dict__
        practice = PracticeCorpus(load_corpus(self.settings.corpus_dir), self.database)
        practice.sync()
        corpus = practice.corpus
        fresh: dict[str, Any] = {"practice": practice, "corpus": corpus}
        if "catalog" in built:
            fresh["catalog"] = Catalog.from_corpus(corpus)
        index: PassageIndex | None = built.get("index")
        if index is not None:
            index = fresh["index"] = index.reopened(self.settings)
        if "engine" in built or "tutor" in built:
            embedder = index.embedder if index is not None else self.index.embedder
            fresh["engine"] = make_engine(self.settings, corpus=corpus, embedder=embedder)
        if "tutor" in built:
            fresh["tutor"] = Tutor.from_settings(
                self.settings, corpus=corpus, index=fresh.get("index", self.index),
                database=self.database, engine=fresh["engine"],
            )  # fmt: skip
        built.update(fresh)

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

    def built(self, name: str) -> bool:
        """Whether the attribute ``name`` (built on first use) is built already."""
        return name in self.__dict__

    @property
    def engine_name(self) -> str:
        """ "offline" or the model, without building the engine."""
        return engine_name(self.settings)

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.dispose()
        if "workers" in self.__dict__:
            self.workers.shutdown(wait=False, cancel_futures=True)
