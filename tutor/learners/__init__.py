"""The learner model: knowledge tracing, item difficulty, the next-item policy and quizzes.

Pure parts (:mod:`bkt`, :mod:`fitting`, :mod:`difficulty`, :class:`Knowledge`, :func:`choose`)
work in memory; the services below read and write the store (:mod:`tutor.store`).
"""

from tutor.learners.bkt import BKTParams
from tutor.learners.catalog import Catalog
from tutor.learners.config import LearnerConfig
from tutor.learners.fitting import BKTFit, fit_bkt
from tutor.learners.knowledge import ConceptState, ItemRating, Knowledge, Observation
from tutor.learners.params import fit_params, load_params
from tutor.learners.policy import NextItem, choose
from tutor.learners.quiz import (
    QUIZ_LENGTH,
    ConceptResult,
    QuizQuestion,
    QuizSummary,
    QuizView,
    answer_quiz,
    get_quiz,
    start_quiz,
)
from tutor.learners.replay import override_attempt, rebuild_mastery
from tutor.learners.tracking import (
    ConceptProgress,
    Grader,
    Outcome,
    RegradeReport,
    answer_item,
    choose_next,
    grade_attempt,
    mastery_report,
    record_outcome,
    regrade_pending,
)

__all__ = [
    "QUIZ_LENGTH",
    "BKTFit",
    "BKTParams",
    "Catalog",
    "ConceptProgress",
    "ConceptResult",
    "ConceptState",
    "Grader",
    "ItemRating",
    "Knowledge",
    "LearnerConfig",
    "NextItem",
    "Observation",
    "Outcome",
    "QuizQuestion",
    "QuizSummary",
    "QuizView",
    "RegradeReport",
    "answer_item",
    "answer_quiz",
    "choose",
    "choose_next",
    "fit_bkt",
    "fit_params",
    "get_quiz",
    "grade_attempt",
    "load_params",
    "mastery_report",
    "override_attempt",
    "rebuild_mastery",
    "record_outcome",
    "regrade_pending",
    "start_quiz",
]
