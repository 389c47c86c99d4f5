"""Hints for the items of an imported page never state the answer, at any level.

The seed page's items end their solution on a recap ("Quick check") after the step that
chooses, so "every step but the last" gave the answer away at level 3. "States the answer"
is judged here independently of the leak check: a run of four words of the answer (stemmed),
or one sentence that has every content word the answer adds to the question.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.corpus import Item, load_corpus
from tutor.engines import OfflineEngine
from tutor.engines.extractive import split_sentences
from tutor.engines.lexicon import stem, terms
from tutor.retrieval import MiniLMEmbedder, PassageIndex
from tutor.store import Database
from tutor.tutoring import Tutor

SEED = Path(__file__).resolve().parents[3] / "shared/seeds/lesson-page-finetune-vs-prompt.txt"
LESSON = "seed-page"
RUN = 4  # words of the answer in a row


def words(text: str) -> list[str]:
    return [stem(w) for w in text.lower().replace("-", " ").split() if w.strip(".,;:?!()\"'")]


def longest_run(text: str, answer: str) -> int:
    a, b = words(text), words(answer)
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            n = 0
            while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
                n += 1
            best = max(best, n)
    return best


def states_answer(text: str, answer: str, question: str) -> bool:
    added = terms(answer) - terms(question)
    whole = len(added) >= 2 and any(added <= terms(s) for s in split_sentences(text))
    return whole or longest_run(text, answer) >= RUN


@pytest.fixture
def seed_tutor(
    tmp_path: Path,
    corpus_copy: Path,
    embedder: MiniLMEmbedder,
    starter_index: PassageIndex,
    database: Database,
) -> Tutor:
    if not SEED.is_file():
        pytest.skip(f"seed page {SEED} is not available")
    result = CliRunner().invoke(
        app, ["import-page", str(SEED), "--out", str(corpus_copy), "--id", LESSON]
    )
    assert result.exit_code == 0, result.output
    corpus = load_corpus(corpus_copy)
    return Tutor(OfflineEngine(embedder, corpus), corpus, starter_index, database)


def test_the_judge_catches_the_level_three_hints_that_leaked() -> None:
    answer = "Use prompt engineering to add product info in the questions."
    question = "Your chatbot struggles with your product details. What should you do?"
    leaked = (
        "Step 2, Choose the best approach: Prompt engineering lets you add product info in "
        "questions to guide the model without retraining."
    )
    assert states_answer(leaked, answer, question)
    assert states_answer(
        "Fine-tuning with relevant data updates the model's knowledge.",
        "Fine-tune the model with relevant data.",
        "The model still gives poor answers after prompt engineering. What is the likely fix?",
    )
    assert not states_answer("Quick fix without retrain? Use prompt engineering.", answer, question)


async def test_no_hint_level_states_the_answer_of_an_imported_item(seed_tutor: Tutor) -> None:
    items = seed_tutor.corpus.lessons[LESSON].items
    assert len(items) == 5
    for item in items:
        hints = set()
        for level in (1, 2, 3):
            reply = await seed_tutor.hint(item.id, level)
            assert not states_answer(reply.hint, item.answer, item.stem), (item.id, level)
            hints.add(reply.hint.split("): ", 1)[1])
        assert len(hints) == 3, item.id  # each level still adds something


async def test_level_three_still_works_a_step_and_names_the_one_left(seed_tutor: Tutor) -> None:
    reply = await seed_tutor.hint(f"{LESSON}-03", 3)
    assert "Step 1, Understand the task: Improving answers" in reply.hint
    assert "Step 2" not in reply.hint  # the step that chooses the fine-tuned model
    assert reply.hint.endswith("Now take the next step yourself: choose the best method.")
    assert reply.leak_blocked


# Level 1 is a nudge: which concept, what to consider. It "names the answer" when a sentence
# uses any of the correct option's own words: those neither the stem nor another option uses
# (stemmed), which are what picks that option out. A sentence naming every concept of the
# item names each option's idea alike, so in it the concepts' own words do not count.


def answer_bearing(item: Item) -> set[str]:
    others = [o.text for o in item.options if o.key != item.answer_key]
    return terms(item.answer) - terms(item.stem) - set().union(*(terms(o) for o in others))


def names_the_answer(hint: str, item: Item, concepts: list[str]) -> set[str]:
    """The answer-bearing words the hint uses (empty when it only nudges)."""
    names = [terms(name) for name in concepts]
    used: set[str] = set()
    for sentence in split_sentences(hint):
        words = terms(sentence)
        neutral = set().union(*names) if all(n <= words for n in names) else set()
        used |= (answer_bearing(item) - neutral) & words
    return used


def test_the_judge_catches_every_seed_hint_as_the_page_wrote_it(seed_tutor: Tutor) -> None:
    lesson = seed_tutor.corpus.lessons[LESSON]
    for item in lesson.items:
        concepts = [c.name for c in lesson.concepts if c.id in item.concepts]
        # What level 1 said before: the page's hint, then the concepts.
        old = f"{item.hints[0]}. This question is about {', '.join(concepts)}."
        assert names_the_answer(old, item, concepts), item.id
    # ... and lets a nudge through that names the concepts without picking one.
    first = lesson.items[0]
    concepts = [c.name for c in lesson.concepts if c.id in first.concepts]
    assert len(concepts) == 2
    assert not names_the_answer(f"Think about {', '.join(concepts)}.", first, concepts)


async def test_level_one_hints_of_the_seed_items_nudge_without_naming_the_answer(
    seed_tutor: Tutor,
) -> None:
    lesson = seed_tutor.corpus.lessons[LESSON]
    for item in lesson.items:
        concepts = [c.name for c in lesson.concepts if c.id in item.concepts]
        reply = await seed_tutor.hint(item.id, 1)
        nudge = reply.hint.split("): ", 1)[1]
        assert not names_the_answer(nudge, item, concepts), (item.id, nudge)
        assert all(name in nudge for name in concepts), nudge  # still says which concepts
        assert item.hints[0] not in nudge, item.id
