"""Rebuilding a learner's mastery from their answers, so a teacher's override counts.

Knowledge tracing is sequential: each answer moves P(known) from where the previous one left
it, so changing one score changes every estimate after it. :func:`rebuild_mastery` starts the
learner again from the priors and replays their graded attempts in order through
:meth:`Knowledge.observe`, each with its *effective* score (the newest override, else the
grade), then rewrites their ``mastery`` rows (all of them, or only the concepts asked for).

Item difficulty (the Elo ``item_stats``) is left alone: those ratings pool every learner's
answers and were moved once, at each attempt's first grade; replaying one learner cannot undo
their share without everyone else's history. Each answer is replayed at the rating the live
update used (stored on the attempt since revision 0003), so where no score changed the replay
gives back the estimate tracked live; attempts graded before that revision use the item's
current rating.

:func:`override_attempt` is what the API and the page call: it stores the override and, when
it changes the attempt's effective score, rebuilds the concepts of that attempt's item for
that learner, in one transaction. Other concepts keep their rows (replaying them would change
nothing but that drift), and a confirmation (the same score) changes no mastery at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus
from tutor.errors import ConflictError
from tutor.learners.catalog import Catalog
from tutor.learners.config import LearnerConfig
from tutor.learners.knowledge import ItemRating, Knowledge
from tutor.learners.stored import catalog_of, load_knowledge
from tutor.store import AttemptStatus, Database, OverrideRecord, models
from tutor.store.attempts import add_override, effective_scores, load_attempt
from tutor.store.locks import lock_learner


@dataclass(frozen=True)
class Rebuilt:
    learner_id: str
    answers: int  # graded attempts replayed
    p_known: dict[str, tuple[float, float]]  # concept id -> (before, after), changed or not


@dataclass(frozen=True)
class OverrideOutcome:
    override: OverrideRecord
    mastery: Rebuilt | None  # None: the effective score did not change, nor did mastery


def rebuild_mastery(
    session: Session,
    catalog: Catalog,
    learner_id: str,
    config: LearnerConfig,
    *,
    concepts: Collection[str] | None = None,
) -> Rebuilt:
    """Within ``session``: replay the learner's answers from the priors; rewrite the mastery
    rows of ``concepts`` (default: every concept, deleting rows the replay does not reach).

    Attempts at items the corpus no longer has (or variants) are skipped, as the tracker
    skipped them.
    """
    stored = load_knowledge(session, catalog, learner_id, config)
    ratings = {k: ItemRating(v.rating, v.attempts) for k, v in stored.ratings.items()}
    fresh = Knowledge(catalog, config, stored.params, {}, _copy(ratings), [])
    answers = [a for a in effective_scores(session, learner_id) if a.item_id in catalog.items]
    for answer in answers:
        if answer.item_rating is not None:  # the difficulty the live update used
            fresh.ratings[answer.item_id] = ItemRating(answer.item_rating)
        fresh.observe(answer.item_id, answer.score, answer.graded_at)
        _hold_rating(fresh, ratings, answer.item_id)
    chosen = set(stored.concepts) | set(fresh.concepts) if concepts is None else set(concepts)
    changes = {c: (stored.p_known(c), fresh.p_known(c)) for c in sorted(chosen)}
    for concept_id in chosen:
        row = session.get(models.Mastery, (learner_id, concept_id))
        state = fresh.concepts.get(concept_id)
        if state is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = models.Mastery(learner_id=learner_id, concept_id=concept_id)
            session.add(row)
        row.p_known, row.attempts, row.streak = state.p_known, state.attempts, state.streak
        row.updated_at = state.last_practiced or models.utcnow()
    return Rebuilt(learner_id, len(answers), changes)


def _copy(ratings: dict[str, ItemRating]) -> dict[str, ItemRating]:
    return {item_id: replace(rating) for item_id, rating in ratings.items()}


def _hold_rating(knowledge: Knowledge, ratings: dict[str, ItemRating], item_id: str) -> None:
    """Put the item's stored rating back (observe moved it; the replay must not)."""
    if item_id in ratings:
        knowledge.ratings[item_id] = replace(ratings[item_id])
    else:
        knowledge.ratings.pop(item_id, None)


def override_attempt(
    database: Database,
    corpus: Corpus | Catalog,
    attempt_id: str,
    *,
    teacher_key_id: str | None,
    verdict: str,
    score: float,
    note: str = "",
    config: LearnerConfig | None = None,
    now: datetime | None = None,
) -> OverrideOutcome:
    """Store a teacher's grade for a graded attempt and rebuild that learner's mastery.

    Confirming a grade is an override with the same verdict and score. ``teacher_key_id`` is
    None for the local user of single-user mode. An attempt not graded yet is a
    ``ConflictError`` (grade it first: ``tutor regrade --pending``).
    """
    catalog = catalog_of(corpus)

    def work(session: Session) -> OverrideOutcome:  # run again if Postgres reports a deadlock
        attempt = load_attempt(session, attempt_id)
        if attempt.status != AttemptStatus.GRADED.value:
            raise ConflictError(
                f"attempt {attempt_id} is {attempt.status}, not graded: grade it first "
                "(`tutor regrade --pending`), then override"
            )
        previous = _effective_score(session, attempt)
        row = add_override(
            session, attempt_id, teacher_key_id=teacher_key_id, verdict=verdict, score=score,
            note=note, now=now,
        )  # fmt: skip
        rebuilt = None
        if row.score != previous and attempt.item_id in catalog.items:
            lock_learner(session, attempt.learner_id)  # as a grade does (tracking.record_outcome)
            rebuilt = rebuild_mastery(
                session, catalog, attempt.learner_id, config or LearnerConfig(),
                concepts=catalog.items[attempt.item_id].concepts,
            )  # fmt: skip
        return OverrideOutcome(OverrideRecord.of(row), rebuilt)

    return database.transaction(work)


def _effective_score(session: Session, attempt: models.Attempt) -> float:
    newest = session.scalar(
        select(models.GradeOverride.score)
        .where(models.GradeOverride.attempt_id == attempt.id)
        .order_by(models.GradeOverride.id.desc())
        .limit(1)
    )
    return newest if newest is not None else attempt.score or 0.0
