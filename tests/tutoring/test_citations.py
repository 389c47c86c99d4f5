"""Citations are kept only when they name a passage that was retrieved."""

from __future__ import annotations

from tutor.retrieval import Hit
from tutor.tutoring import check_citations, cited_ids


def hit(passage_id: str) -> Hit:
    lesson = passage_id.split("/")[0]
    return Hit(passage_id, lesson, lesson.title(), "solution", "", (), f"text of {passage_id}", 0.5)


RETRIEVED = [hit("prompt-basics/solution"), hit("prompt-basics/big-idea")]


def test_ids_are_read_from_single_and_shared_brackets() -> None:
    text = "A [prompt-basics/solution]. B [prompt-basics/big-idea; x/y] and [1] or [see above]."
    assert cited_ids(text) == ["prompt-basics/solution", "prompt-basics/big-idea", "x/y"]


def test_made_up_ids_are_dropped_from_text_and_citations_and_counted() -> None:
    text = (
        "Be specific [prompt-basics/solution]. Models love flattery [made-up/passage]. "
        "Context matters [prompt-basics/big-idea, other/fake]."
    )
    checked = check_citations(text, ["prompt-basics/solution", "ghost/claimed"], RETRIEVED)

    assert checked.invalid == 3
    assert [c.passage_id for c in checked.citations] == [
        "prompt-basics/solution",
        "prompt-basics/big-idea",
    ]
    assert checked.text == (
        "Be specific [prompt-basics/solution]. Models love flattery. "
        "Context matters [prompt-basics/big-idea]."
    )
    assert checked.citations[0].text == "text of prompt-basics/solution"


def test_a_claimed_citation_counts_even_when_the_text_does_not_repeat_it() -> None:
    checked = check_citations("No brackets here.", ["prompt-basics/big-idea"], RETRIEVED)
    assert [c.passage_id for c in checked.citations] == ["prompt-basics/big-idea"]
    assert checked.invalid == 0 and checked.text == "No brackets here."
