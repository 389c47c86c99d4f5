"""The learner model over the store: grade an attempt, update mastery, choose the next item.

The flow a route (or ``tutor regrade``) runs::

    outcome = await answer_item(db, corpus, learner_id, item_id, answer, grader,
                                idempotency_key=request_key, config=config)
    next_item = choose_next(learner_id, corpus, db, config=config)

A grader is ``async (item, answer) -> grade`` (a mapping or pydantic model with ``score``).

``answer_item`` stores the attempt (committed, ``pending``) before calling the grader, and
records the grade and the learner-model update in one transaction afterwards. The model is
updated once per attempt, on its first grade; re-grading an already graded attempt replaces
the stored grade only. An attempt graded after later ones (a ``failed`` attempt that ``tutor
regrade --pending`` grades once the LLM is back) is observed and then its concepts are replayed
in submission order (:func:`tutor.learners.replay.rebuild_mastery`), so the late answer counts
where it was given, not as the newest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus, Item
from tutor.learners.catalog import Catalog
from tutor.learners.config import LearnerConfig
from tutor.learners.knowledge import Knowledge, Observation
from tutor.learners.policy import NextItem, choose
from tutor.learners.replay import rebuild_mastery
from tutor.learners.stored import catalog_of, load_for_answer, load_knowledge
from tutor.offload import offload
from tutor.store import AttemptRecord, AttemptStatus, Database, models
from tutor.store import attempts as store_attempts
from tutor.store.attempts import GradePayload
from tutor.store.locks import lock_learner
from tutor.store.upsert import upsert_rows

Grader = Callable[[Item, str], Awaitable[GradePayload]]


@dataclass(frozen=True)
class Outcome:
    attempt: AttemptRecord
    observation: Observation | None  # None when the model was not updated (already graded)


@dataclass(frozen=True)
class RegradeReport:
    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # attempt id -> error


@dataclass(frozen=True)
class ConceptProgress:
    concept_id: str
    name: str
    lesson_id: str
    p_known: float
    mastered: bool
    attempts: int
    last_practiced: datetime | None


_MASTERY_FIELDS = ("p_known", "attempts", "streak", "updated_at")
_RATED = models.ItemStats.__table__.c
_RATING_MOVE = {  # relative, so concurrent learners on the same item both count
    "rating": _RATED.rating + bindparam("change"),
    "attempts": _RATED.attempts + 1,
}


def _save(session: Session, learner_id: str, knowledge: Knowledge, seen: Observation) -> None:
    """Write the observed concepts' mastery and move the item's rating, as upserts: two
    transactions may both be the first to write a row (a new learner on two replicas, two
    learners' first answers to an item) and neither may fail on the key. Two statements (the
    concepts' rows in one executemany), Core, nothing read back."""
    mastery = []
    for concept_id in seen.p_known:
        state = knowledge.state(concept_id)
        mastery.append({
            "learner_id": learner_id, "concept_id": concept_id, "p_known": state.p_known,
            "attempts": state.attempts, "streak": state.streak,
            "updated_at": state.last_practiced or datetime.now(UTC),
        })  # fmt: skip
    upsert_rows(session, models.Mastery, mastery, replace=_MASTERY_FIELDS)
    change, now = seen.rating[1] - seen.rating[0], datetime.now(UTC)
    rating = {"item_id": seen.item_id, "rating": seen.rating[1], "attempts": 1, "updated_at": now}
    upsert_rows(session, models.ItemStats, [rating | {"change": change}],
                replace=("updated_at",), update=_RATING_MOVE)  # fmt: skip


def record_outcome(
    database: Database,
    corpus: Corpus | Catalog,
    attempt_id: str,
    grade: GradePayload,
    *,
    engine: str | None = None,
    config: LearnerConfig | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Store the grade and, on an attempt's first grade, update mastery and item difficulty."""
    fields = store_attempts.parse_grade(grade, engine)
    catalog, now = catalog_of(corpus), now or datetime.now(UTC)
    learner_config = config or LearnerConfig()

    def work(session: Session) -> Outcome:  # run again if Postgres reports a deadlock
        attempt = store_attempts.attempt_for_grade(session, attempt_id)
        if attempt.status is AttemptStatus.GRADED or attempt.item_id not in catalog.items:
            return Outcome(store_attempts.store_grade(session, attempt, fields, now), None)
        learner_id = attempt.learner_id
        if not database.is_sqlite:  # SQLite: BEGIN IMMEDIATE, one writer at a time already
            lock_learner(session, learner_id)  # one mastery update per learner at a time
        knowledge = load_for_answer(session, catalog, learner_id, attempt.item_id, learner_config)
        seen = knowledge.observe(attempt.item_id, fields.score, now)
        stored = store_attempts.store_grade(
            session, attempt, fields, now, item_rating=seen.rating[0]
        )
        _save(session, learner_id, knowledge, seen)
        later = _concepts_graded_after(session, catalog, attempt)
        if later is not None:  # a late grade (``tutor regrade``, replicas): replay in order
            concepts = set(catalog.items[attempt.item_id].concepts) | later
            rebuild_mastery(session, catalog, learner_id, learner_config, concepts=concepts)
        return Outcome(stored, seen)

    return database.transaction(work)


_ATTEMPTS = models.Attempt.__table__.c
_GRADED_AFTER = select(_ATTEMPTS.item_id).where(
    _ATTEMPTS.learner_id == bindparam("learner"),
    _ATTEMPTS.status == AttemptStatus.GRADED.value,
    _ATTEMPTS.id != bindparam("attempt"),
    _ATTEMPTS.created_at > bindparam("created", type_=models.Attempt.__table__.c.created_at.type),
)


def _concepts_graded_after(
    session: Session, catalog: Catalog, attempt: AttemptRecord
) -> set[str] | None:
    """The concepts of the learner's graded attempts submitted after this one (None: there
    are none). Their updates used the concepts they share an item with, which this late
    answer changes, so they are replayed along with its own concepts."""
    params = {"learner": attempt.learner_id, "attempt": attempt.id, "created": attempt.created_at}
    items = set(session.connection().execute(_GRADED_AFTER, params).scalars())
    if not items:
        return None
    return {c for item in items if item in catalog.items for c in catalog.items[item].concepts}


async def grade_attempt(
    database: Database,
    corpus: Corpus,
    attempt_id: str,
    grader: Grader,
    *,
    config: LearnerConfig | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Grade a stored attempt; if the grader raises, the attempt is marked ``failed``."""
    attempt = await offload(store_attempts.get_attempt, database, attempt_id)
    return await _grade(database, corpus, attempt, grader, config=config, now=now)


async def _grade(
    database: Database,
    corpus: Corpus,
    attempt: AttemptRecord,
    grader: Grader,
    *,
    config: LearnerConfig | None,
    now: datetime | None,
) -> Outcome:
    """``attempt`` as stored (its item and answer never change, so the record ``answer_item``
    has just submitted serves: no second read)."""
    _, item = corpus.item(attempt.item_id)
    try:
        grade = await grader(item, attempt.answer)
        return await offload(
            record_outcome, database, corpus, attempt.id, grade, config=config, now=now
        )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        await offload(store_attempts.record_failure, database, attempt.id, error)
        raise


async def answer_item(
    database: Database,
    corpus: Corpus,
    learner_id: str,
    item_id: str,
    answer: str,
    grader: Grader,
    *,
    idempotency_key: str | None = None,
    config: LearnerConfig | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Submit (committed first), grade and track one answer; a replayed key is not re-graded."""
    corpus.item(item_id)  # NotFoundError before anything is stored
    attempt = await offload(
        store_attempts.submit_attempt,
        database, learner_id, item_id, answer, idempotency_key=idempotency_key, now=now,
    )  # fmt: skip
    if attempt.status is AttemptStatus.GRADED:
        return Outcome(attempt, None)
    return await _grade(database, corpus, attempt, grader, config=config, now=now)


async def regrade_pending(
    database: Database,
    corpus: Corpus,
    grader: Grader,
    *,
    config: LearnerConfig | None = None,
    limit: int | None = None,
) -> RegradeReport:
    """Grade every ``pending`` or ``failed`` attempt (``tutor regrade --pending``)."""
    report = RegradeReport()
    for attempt in store_attempts.pending_attempts(database, limit=limit):
        try:
            await grade_attempt(database, corpus, attempt.id, grader, config=config)
        except Exception as exc:  # recorded on the attempt; carry on with the others
            report.failed[attempt.id] = f"{type(exc).__name__}: {exc}"
        else:
            report.graded.append(attempt.id)
    return report


def choose_next(
    learner_id: str,
    corpus: Corpus | Catalog,
    store: Database,
    *,
    config: LearnerConfig | None = None,
    now: datetime | None = None,
) -> NextItem:
    """The learner's next item, with the reason it was chosen."""
    catalog = catalog_of(corpus)
    with store.session() as session:
        knowledge = load_knowledge(session, catalog, learner_id, config or LearnerConfig())
    return choose(knowledge, now or datetime.now(UTC))


def mastery_report(
    database: Database,
    corpus: Corpus | Catalog,
    learner_id: str,
    *,
    config: LearnerConfig | None = None,
) -> list[ConceptProgress]:
    """Every practicable concept, prerequisites first, with the learner's mastery."""
    catalog = catalog_of(corpus)
    with database.session() as session:
        knowledge = load_knowledge(session, catalog, learner_id, config or LearnerConfig())
    out = []
    for cid in catalog.practicable():
        state, concept = knowledge.state(cid), catalog.concepts[cid]
        out.append(
            ConceptProgress(
                cid, concept.name, concept.lesson_id, state.p_known, knowledge.mastered(cid),
                state.attempts, state.last_practiced,
            )
        )  # fmt: skip
    return out
