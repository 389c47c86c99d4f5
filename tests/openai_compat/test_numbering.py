"""Citations become [n] the same way however the text is split into streamed pieces."""

from __future__ import annotations

from tutor.api.routes.openai_compat.numbering import Numbering, restore, sources_text
from tutor.corpus import Corpus
from tutor.tutoring import Citation

A, B = "lesson-a/big-idea", "lesson-b/key-takeaways"
TEXT = (
    f"First point [{A}]. Second point [{B}, {A}].\n\n"
    "An id nobody retrieved [made-up/passage] is dropped; [a note] stays."
)
EXPECTED = (
    "First point [1]. Second point [2][1].\n\nAn id nobody retrieved is dropped; [a note] stays."
)


def _citation(passage_id: str) -> Citation:
    lesson, _, section = passage_id.partition("/")
    return Citation(passage_id, lesson, lesson.title(), section.title(), section, "text", 0.5)


def _allowed() -> list[Citation]:
    return [_citation(B), _citation(A)]


def test_a_whole_text_is_renumbered_by_first_mention() -> None:
    numbering = Numbering(_allowed())
    assert numbering.feed(TEXT) + numbering.flush() == EXPECTED
    assert [(s.n, s.passage_id) for s in numbering.sources()] == [(1, A), (2, B)]


def test_any_split_into_pieces_gives_the_same_text() -> None:
    for size in (1, 2, 3, 5, 7, 11):
        numbering = Numbering(_allowed())
        pieces = [TEXT[i : i + size] for i in range(0, len(TEXT), size)]
        assert "".join(numbering.feed(p) for p in pieces) + numbering.flush() == EXPECTED


def test_sources_list_every_citation_the_reply_has() -> None:
    numbering = Numbering(_allowed())
    numbering.feed(f"Only [{B}].")
    sources = numbering.sources([_citation(A)])  # cited by the service but not in the text
    assert [(s.n, s.passage_id) for s in sources] == [(1, B), (2, A)]
    assert sources_text(sources) == (
        f"\n\nSources:\n- [1] Lesson-B — Key-Takeaways ({B})\n- [2] Lesson-A — Big-Idea ({A})"
    )


def test_a_reply_sent_back_by_a_client_is_restored_as_the_tutor_wrote_it(
    starter_corpus: Corpus,
) -> None:
    solution, takeaways = "few-shot-prompting/solution", "few-shot-prompting/key-takeaways"
    sent = (
        "Start with three to five. [1] Measure. [2][1] A list [3] of mine.\n\nSources:\n"
        f"- [1] Few-shot prompting — Structure examples well ({solution})\n"
        f"- [2] Few-shot prompting — Key takeaways ({takeaways})\n"
    )
    text, citations = restore(sent, starter_corpus)
    assert text == (
        f"Start with three to five. [{solution}] Measure. [{takeaways}][{solution}] "
        "A list [3] of mine."
    )
    assert [(c.passage_id, c.lesson_title, c.title) for c in citations] == [
        (solution, "Few-shot prompting", "Structure examples well"),
        (takeaways, "Few-shot prompting", "Key takeaways"),
    ]
    assert restore("Sources: my own notes [1]", starter_corpus) == (
        "Sources: my own notes [1]",
        [],
    )
