"""The variant prompt files render, declare their output models and keep the key from the
solver; the text helpers rewrite what the templates need."""

from __future__ import annotations

from tutor.config import PROJECT_ROOT
from tutor.corpus import Corpus
from tutor.prompts import PromptLibrary
from tutor.variants import text
from tutor.variants.drafts import Solution, VariantBatch
from tutor.variants.llm import lesson_passages

LIBRARY = PromptLibrary(PROJECT_ROOT / "prompts")


def test_generation_prompt_shows_the_item_passages_and_mistakes(starter_corpus: Corpus) -> None:
    lesson, item = starter_corpus.item("pb-01")
    rendered = LIBRARY.render(
        "variant_generate",
        lesson_title=lesson.title,
        concepts=[{"name": c.name, "description": c.description} for c in lesson.concepts[:1]],
        item=item.model_dump(mode="json"),
        passages=lesson_passages(lesson),
        n=3,
    )

    assert rendered.ref == "variant_generate@1" and rendered.output == VariantBatch.__name__
    user = rendered.messages[-1].content
    assert '<passage id="prompt-basics/big-idea">' in user
    assert item.common_mistakes[0] in user and '<answer key="C">' in user
    assert user.rstrip().endswith("Write 3 new questions.")


def test_solver_prompt_has_no_key_and_numbers_its_attempts(starter_corpus: Corpus) -> None:
    lesson, item = starter_corpus.item("pb-01")
    rendered = LIBRARY.render(
        "solve_item",
        question=item.stem,
        options=[o.model_dump() for o in item.options],
        passages=lesson_passages(lesson),
        sample=2,
        samples=3,
    )

    assert rendered.ref == "solve_item@1" and rendered.output == Solution.__name__
    everything = "\n".join(m.content for m in rendered.messages)
    assert "Independent attempt 2 of 3." in everything
    assert "C. Write a 60-80 word" in everything
    assert "answer_key" not in everything and "<answer" not in everything


def test_option_letters_follow_a_shuffle() -> None:
    mapping = {"A": "C", "B": "A", "C": "D", "D": "B"}
    step = "Option A is direct injection; C and D are not. A model cannot tell."
    assert text.remap_option_letters(step, mapping) == (
        "Option C is direct injection; D and B are not. A model cannot tell."
    )
    assert text.remap_option_letters("Only option C fits.", mapping) == "Only option D fits."
    assert text.remap_option_letters("A plain sentence.", mapping) == "A plain sentence."


def test_mistakes_become_claims_and_questions_hash_without_order_or_case() -> None:
    assert text.as_statement("Believing that flattery beats facts and constraints.") == (
        "Flattery beats facts and constraints."
    )
    assert text.as_statement("Forgetting the output tokens.") is None
    assert text.as_option("Forgetting the output tokens.") == "Forgetting the output tokens."
    one = {
        "stem": "Which is it?",
        "options": [{"key": "A", "text": "X"}, {"key": "B", "text": "Y"}],
    }
    two = {
        "stem": "which  IS it",
        "options": [{"key": "A", "text": "y."}, {"key": "B", "text": "x"}],
    }
    assert text.fingerprint(one) == text.fingerprint(two)
    assert text.lead("One. Two.", limit=5) == "One."
