"""Each check turns away what it should, and the report counts rejections by reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from tests.variants.conftest import variant_of
from tutor.corpus import Corpus
from tutor.errors import BadRequestError, NotFoundError
from tutor.variants import Candidate, VariantService, build_candidates

Make = Callable[[Sequence[Candidate]], VariantService]


async def test_copies_of_existing_items_are_rejected_as_duplicates(
    scripted_service: Make, starter_corpus: Corpus
) -> None:
    lesson, parent = starter_corpus.item("pb-01")
    framed = next(c for c in build_candidates(lesson, parent) if c.item and c.item.options)
    reordered = list(reversed(parent.options))
    options = [{"key": k, "text": o.text} for k, o in zip("ABCD", reordered, strict=True)]
    key = "ABCD"[[o.key for o in reordered].index(parent.answer_key or "")]
    service = scripted_service(
        [
            variant_of(parent),  # the parent itself, under a new id
            variant_of(parent, stem=parent.stem.upper() + "  "),  # same after normalising
            variant_of(parent, options=options, answer_key=key),  # only the order differs
            variant_of(parent, stem=parent.stem.replace("most usable", "most really usable")),
            framed,
        ]
    )

    outcome = await service.generate("pb-01", 5)

    assert outcome.report.rejected == {"duplicate": 3, "near_duplicate": 1}
    assert [r.item["id"] for r in outcome.records] == [framed.item.id if framed.item else ""]


async def test_a_wrong_key_an_off_topic_question_and_broken_items_are_rejected(
    scripted_service: Make, starter_corpus: Corpus
) -> None:
    _, parent = starter_corpus.item("ctx-03")  # D: the app dropped the oldest messages
    wrong = next(o for o in parent.options if o.key != parent.answer_key)
    off_topic = variant_of(
        parent,
        stem="Which flour gives sourdough bread the most open crumb after a long proof?",
        options=[
            {"key": "A", "text": "Bread flour with a high protein content."},
            {"key": "B", "text": "Cake flour with a very low protein content."},
        ],
        answer_key="A",
        answer="Bread flour with a high protein content.",
    )
    service = scripted_service(
        [
            variant_of(
                parent,
                stem="After a long support chat the bot asks for the order number it was given "
                "in the first message. What most likely happened?",
                answer_key=wrong.key,
                answer=wrong.text,
            ),
            off_topic,
            Candidate("reworded", None, {"stem": ""}, error="stem: field required"),
            variant_of(parent, stem="Why did the bot forget?", concepts=["tokens"]),
        ]
    )

    outcome = await service.generate("ctx-03", 4)

    assert outcome.records == []
    assert outcome.report.rejected == {
        "concept_changed": 1,
        "invalid_schema": 1,
        "key_not_confirmed": 1,
        "ungrounded": 1,
    }
    assert outcome.report.tried == 4


async def test_unknown_items_and_out_of_range_counts_are_refused(
    offline_service: VariantService,
) -> None:
    with pytest.raises(NotFoundError):
        await offline_service.generate("no-such-item", 2)
    with pytest.raises(BadRequestError):
        await offline_service.generate("pb-01", 11)
