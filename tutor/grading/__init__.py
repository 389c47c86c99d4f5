"""Grading free-text answers: the Grade model and the offline (no LLM) grader.

The offline grader is a small gradient-boosted tree model over embedding and lexical features,
trained by ``scripts/train_grader.py`` on public short-answer sets and shipped as plain arrays in
``tutor/grading/model/``.
"""

from tutor.grading.artifact import GraderArtifact, Thresholds
from tutor.grading.models import (
    Feedback,
    Flag,
    Grade,
    GradedExample,
    GradeRequest,
    Verdict,
)
from tutor.grading.offline import OfflineGrader

__all__ = [
    "Feedback",
    "Flag",
    "Grade",
    "GradeRequest",
    "GradedExample",
    "GraderArtifact",
    "OfflineGrader",
    "Thresholds",
    "Verdict",
]
