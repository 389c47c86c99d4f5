"""The grading cross-encoder: pairs run in parallel get the probabilities they get alone."""

from __future__ import annotations

from tests.grading.conftest import ITEMS
from tutor.grading.cross_encoder import CrossEncoder


def test_parallel_pairs_score_as_one_at_a_time_call_after_call() -> None:
    """Answers with several references run their pairs on the encoder's threads (kept between
    calls); every call gets what one pair at a time gives."""
    triples = [(i.question, [i.reference, i.paraphrase, i.half], answer)
               for i in ITEMS for answer in (i.paraphrase, i.wrong)]  # fmt: skip
    alone = CrossEncoder(parallel=1).score(triples)
    parallel = CrossEncoder(parallel=2)

    for _ in range(3):
        assert parallel.score(triples).tolist() == alone.tolist()
