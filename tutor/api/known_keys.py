"""API keys this process looked up lately, so that a request with one needs no database call.

Every request carries a key, and looking it up is a database query in a worker thread: on a
busy event loop the hop to the thread and back cost more than the query (a few ms at p50, more
in the tail, against ~0.1 ms of SQL). A key's row changes in one way only: it gets revoked
(keys are never deleted, and their role and learner never change). So a good key found once is
remembered until any key is revoked, anywhere: the service reads how many keys are revoked with
its other periodic checks (:meth:`tutor.api.services.Services.sync`, at most every
``RECHECK_SECONDS``), and when that number moves it forgets every key. A key revoked through
this process's API is forgotten at once; one revoked by another replica, another ``--workers``
process or the CLI (``tutor keys revoke``, ``tutor keys reset-local``) within a few seconds, as
they see a re-indexed corpus. Unknown and revoked keys are never remembered: each is looked up
again (a new key works at once).
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

from sqlalchemy import func, select

from tutor.retrieval.lru import LruTable
from tutor.store import Database
from tutor.store.accounts import hash_key
from tutor.store.models import ApiKey

V = TypeVar("V")
SIZE = 100_000  # keys remembered at most (a key's entry is ~300 bytes)

_REVOKED = select(func.count()).select_from(ApiKey).where(ApiKey.revoked.is_(True))


def revoked_keys(database: Database) -> int:
    """How many keys are revoked (it only grows: a revocation anywhere moves it)."""
    with database.reads() as connection:
        return int(connection.execute(_REVOKED).scalar_one())


class KnownKeys(Generic[V]):
    """Good keys (by their sha256) and who they are, until a revocation."""

    def __init__(self, size: int = SIZE) -> None:
        self._table: LruTable[str, V] = LruTable(size)
        self._lock = threading.Lock()
        self._revoked: int | None = None  # the count the entries were found under
        self.epoch = 0  # moves whenever the entries are forgotten

    def get(self, secret: str) -> V | None:
        return self._table.get(hash_key(secret))

    def put(self, secret: str, value: V, epoch: int) -> None:
        """Remember a key found good by a lookup that started at ``epoch``: a lookup that began
        before the keys were forgotten may have read a row revoked since, so it is not kept."""
        with self._lock:
            if epoch == self.epoch:
                self._table.put(hash_key(secret), value)

    def forget(self) -> None:
        """Forget every key (one was revoked here)."""
        with self._lock:
            self.epoch += 1
            self._table.clear()

    def check(self, revoked: int) -> None:
        """The revoked keys' count, as just read: forget every key when it moved (and at the
        first check, which may come after lookups made before a revocation)."""
        with self._lock:
            if revoked == self._revoked:
                return
            self._revoked = revoked
            self.epoch += 1
            self._table.clear()
