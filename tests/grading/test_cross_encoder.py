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


def test_pairs_started_early_score_as_score_does() -> None:
    """The grader starts an answer's pairs before it computes the trees' features and reads
    them afterwards: the probabilities are those of ``score``, for one answer or many."""
    triples = [(i.question, [i.reference, i.half], answer)
               for i in ITEMS for answer in (i.paraphrase, i.wrong)]  # fmt: skip
    encoder = CrossEncoder(parallel=2)
    started = [encoder.submit(triples), encoder.submit(triples[:1]), encoder.submit([])]

    assert started[0]().tolist() == CrossEncoder(parallel=1).score(triples).tolist()
    assert started[1]().tolist() == encoder.score(triples[:1]).tolist()
    assert started[2]().tolist() == []
