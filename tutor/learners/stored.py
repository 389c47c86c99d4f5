"""A learner's knowledge as the store holds it: mastery rows, item ratings, recent items."""

from __future__ import annotations

import threading

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus
from tutor.errors import NotFoundError
from tutor.learners.bkt import BKTParams
from tutor.learners.catalog import Catalog
from tutor.learners.config import LearnerConfig
from tutor.learners.knowledge import ConceptState, ItemRating, Knowledge
from tutor.learners.params import load_params
from tutor.store import models

HISTORY = 200  # answered items kept in memory for "recent" and "seen before"


_CATALOGS: dict[int, tuple[Corpus, object, tuple[int, ...], Catalog]] = {}
_CATALOGS_KEPT = 8  # corpora (a service has one; tests build many)
_catalogs_lock = threading.Lock()


def catalog_of(corpus: Corpus | Catalog) -> Catalog:
    """The corpus's catalogue, built once per set of lessons: a corpus whose ``lessons`` were
    replaced (published variants laid over it) or whose lessons changed gets a new one.
    Lessons are frozen, so the same lesson objects mean the same concepts and items."""
    if isinstance(corpus, Catalog):
        return corpus
    lessons = corpus.lessons
    stamp = tuple(map(id, lessons.values()))
    with _catalogs_lock:
        kept = _CATALOGS.get(id(corpus))
    if kept is not None and kept[0] is corpus and kept[1] is lessons and kept[2] == stamp:
        return kept[3]
    catalog = Catalog.from_corpus(corpus)
    with _catalogs_lock:
        if len(_CATALOGS) >= _CATALOGS_KEPT:
            _CATALOGS.clear()
        _CATALOGS[id(corpus)] = (corpus, lessons, stamp, catalog)  # the corpus kept: ids stay
    return catalog


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


_MASTERY = models.Mastery.__table__.c
_ITEM_STATS = models.ItemStats.__table__.c
_PARAMS = models.BKTParamsRow.__table__.c
_MASTERY_OF = select(
    _MASTERY.concept_id, _MASTERY.p_known, _MASTERY.attempts, _MASTERY.streak, _MASTERY.updated_at
).where(_MASTERY.learner_id == bindparam("learner"),
        _MASTERY.concept_id.in_(bindparam("concepts", expanding=True)))  # fmt: skip
_RATING_OF = select(_ITEM_STATS.rating, _ITEM_STATS.attempts).where(
    _ITEM_STATS.item_id == bindparam("item")
)
_PARAMS_OF = select(
    _PARAMS.concept_id, _PARAMS.prior, _PARAMS.learn, _PARAMS.guess, _PARAMS.slip
).where(_PARAMS.concept_id.in_(bindparam("concepts", expanding=True)))


def load_for_answer(
    session: Session, catalog: Catalog, learner_id: str, item_id: str, config: LearnerConfig
) -> Knowledge:
    """What :meth:`Knowledge.observe` reads for one answer to ``item_id``, and no more: the
    learner's mastery of the item's concepts, their fitted parameters and the item's rating
    (three Core statements, no ORM rows). Not for choosing items: no history, no other
    concepts or ratings. The caller has checked the learner (the attempt references it)."""
    concepts = list(catalog.item(item_id).concepts)
    connection = session.connection()
    mastery = connection.execute(_MASTERY_OF, {"learner": learner_id, "concepts": concepts})
    states = {c: ConceptState(p, n, streak, when) for c, p, n, streak, when in mastery}
    rated = connection.execute(_RATING_OF, {"item": item_id}).first()
    ratings = {} if rated is None else {item_id: ItemRating(rated[0], rated[1])}
    params = {
        c: BKTParams(prior, learn, guess, slip)
        for c, prior, learn, guess, slip in connection.execute(_PARAMS_OF, {"concepts": concepts})
    }
    return Knowledge(catalog, config, params, states, ratings, [])
