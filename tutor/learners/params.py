"""Per-concept BKT parameters: fitted from the store's attempts (``tutor fit``) and read back.

Sequences are built per learner and concept from graded attempts in the order they were made
(teacher overrides replace the grader's score); an item with several concepts contributes its
score to each of them. A concept with fewer than ``min_observations`` scores keeps the default
parameters: fitting four numbers to a handful of answers would only fit noise.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus
from tutor.learners.bkt import BKTParams
from tutor.learners.catalog import Catalog
from tutor.learners.fitting import BKTFit, fit_bkt
from tutor.store import Database, models
from tutor.store.attempts import effective_scores

MIN_OBSERVATIONS = 50


def load_params(session: Session) -> dict[str, BKTParams]:
    """Fitted parameters by concept id (concepts never fitted are absent)."""
    return {
        row.concept_id: BKTParams(row.prior, row.learn, row.guess, row.slip)
        for row in session.scalars(select(models.BKTParamsRow))
    }


def concept_sequences(session: Session, catalog: Catalog) -> dict[str, list[list[float]]]:
    """Score sequences per concept, one per learner, oldest first."""
    by_concept: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for answer in effective_scores(session):
        item = catalog.items.get(answer.item_id)
        if item is None:  # an item since removed from the corpus (or a variant)
            continue
        for concept_id in item.concepts:
            by_concept[concept_id][answer.learner_id].append(answer.score)
    return {c: list(per_learner.values()) for c, per_learner in by_concept.items()}


def fit_params(
    database: Database,
    corpus: Corpus | Catalog,
    *,
    min_observations: int = MIN_OBSERVATIONS,
    save: bool = True,
) -> dict[str, BKTFit]:
    """Fit every concept with enough attempts; with ``save``, store them in ``bkt_params``."""
    catalog = corpus if isinstance(corpus, Catalog) else Catalog.from_corpus(corpus)
    with database.session() as session:
        sequences = concept_sequences(session, catalog)
    fits = {
        concept_id: fit_bkt(seqs)
        for concept_id, seqs in sorted(sequences.items())
        if sum(len(s) for s in seqs) >= min_observations
    }
    if save and fits:
        with database.session() as session:
            for concept_id, fit in fits.items():
                row = session.get(models.BKTParamsRow, concept_id) or models.BKTParamsRow(
                    concept_id=concept_id
                )
                row.prior, row.learn = fit.params.prior, fit.params.learn
                row.guess, row.slip = fit.params.guess, fit.params.slip
                row.sequences, row.observations = fit.sequences, fit.observations
                row.log_likelihood = fit.log_likelihood
                row.fitted_at = models.utcnow()
                session.add(row)
    return fits
