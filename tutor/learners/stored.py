"""A learner's knowledge as the store holds it: mastery rows, item ratings, recent items."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus
from tutor.errors import NotFoundError
from tutor.learners.catalog import Catalog
from tutor.learners.config import LearnerConfig
from tutor.learners.knowledge import ConceptState, ItemRating, Knowledge
from tutor.learners.params import load_params
from tutor.store import models

HISTORY = 200  # answered items kept in memory for "recent" and "seen before"


def catalog_of(corpus: Corpus | Catalog) -> Catalog:
    return corpus if isinstance(corpus, Catalog) else Catalog.from_corpus(corpus)


def load_knowledge(
    session: Session, catalog: Catalog, learner_id: str, config: LearnerConfig
) -> Knowledge:
    if session.get(models.Learner, learner_id) is None:
        raise NotFoundError(f"no learner {learner_id!r}")
    rows = session.scalars(select(models.Mastery).where(models.Mastery.learner_id == learner_id))
    concepts = {
        r.concept_id: ConceptState(r.p_known, r.attempts, r.streak, r.updated_at) for r in rows
    }
    ratings = {
        r.item_id: ItemRating(r.rating, r.attempts)
        for r in session.scalars(select(models.ItemStats))
    }
    recent = session.scalars(
        select(models.Attempt.item_id)
        .where(models.Attempt.learner_id == learner_id)
        .order_by(models.Attempt.created_at.desc(), models.Attempt.id.desc())
        .limit(HISTORY)
    )
    history = list(recent)[::-1]
    return Knowledge(catalog, config, load_params(session), concepts, ratings, history)
