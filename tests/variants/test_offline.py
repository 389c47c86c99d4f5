"""Offline variants of real corpus items: valid, new, on the same concept, correctly keyed and
grounded, stored as drafts; and the same run, twice, never stores the same question twice."""

from __future__ import annotations

import pytest

from tutor.corpus import Corpus, Item, ItemType
from tutor.retrieval import PassageIndex
from tutor.variants import Thresholds, VariantService, build_candidates, quantities, text

MULTIPLE_CHOICE = ["pb-01", "ctx-01", "pi-01", "eval-05"]
FREE_TEXT = ["ctx-02", "ctx-04", "samp-04", "so-02"]


def _correct_text(item: Item) -> str:
    option = item.correct_option
    return option.text if option else item.answer


@pytest.mark.parametrize("item_id", MULTIPLE_CHOICE + FREE_TEXT)
async def test_variants_are_valid_new_grounded_items_on_the_same_concepts(
    item_id: str,
    offline_service: VariantService,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
) -> None:
    lesson, parent = starter_corpus.item(item_id)

    outcome = await offline_service.generate(item_id, 4)

    assert len(outcome.records) == 4
    for record in outcome.records:
        variant = Item.model_validate(record.item)  # schema: a valid corpus item
        assert record.status.value == "draft" and record.parent_item_id == item_id
        assert variant.concepts == parent.concepts
        assert text.fingerprint(variant) != text.fingerprint(parent)
        assert variant.id.startswith(f"{item_id}-v") and variant.id != parent.id
        hit = starter_index.search(text.grounding_text(variant), k=1, lesson=lesson.id)[0]
        assert hit.score >= Thresholds().grounding
        provenance = record.provenance
        assert provenance["parent"] == item_id and provenance["prompt"] == "offline-templates@1"
        assert provenance["engine"] == "offline" and provenance["seed"] == 0
        assert provenance["difficulty"]["label"] == variant.difficulty.value
        scaled = provenance["transformation"] == "new_quantities"
        assert provenance["validation"]["key"]["method"] == (
            "recomputed" if scaled else "embedding"
        )
        assert provenance["validation"]["grounding"]["score"] >= Thresholds().grounding


@pytest.mark.parametrize("item_id", MULTIPLE_CHOICE + FREE_TEXT)
def test_every_template_variant_keeps_a_correct_key(item_id: str, starter_corpus: Corpus) -> None:
    lesson, parent = starter_corpus.item(item_id)
    for candidate in build_candidates(lesson, parent):
        variant = candidate.item
        assert variant is not None, candidate.error
        kind = candidate.transformation
        if kind == "to_multiple_choice":
            assert variant.answer == text.lead(parent.answer)
            distractors = {o.text for o in variant.options} - {variant.answer}
            assert distractors == {text.as_option(m) for m in parent.common_mistakes[:3]}
        elif kind == "to_free_text":
            assert variant.type is ItemType.FREE_TEXT and not variant.options
            assert variant.answer == _correct_text(parent)
        elif kind == "new_quantities":
            assert quantities.check(variant)[0]  # every equation recomputed holds
            assert quantities.masked(_correct_text(variant)) == quantities.masked(
                _correct_text(parent)
            )
        else:
            assert _correct_text(variant) == _correct_text(parent)
        if parent.type is ItemType.MULTIPLE_CHOICE and variant.options:
            assert variant.answer_key != parent.answer_key  # the correct option moved


def test_a_shuffle_remaps_option_letters_in_the_solution(starter_corpus: Corpus) -> None:
    lesson, parent = starter_corpus.item("pb-01")  # its last step says "Only option C ..."
    shuffled = [c.item for c in build_candidates(lesson, parent) if c.item and c.item.options]
    assert shuffled
    for variant in shuffled:
        assert f"Only option {variant.answer_key} gives" in variant.solution_steps[-1].text


def test_forms_change_both_ways(starter_corpus: Corpus) -> None:
    lesson, choice = starter_corpus.item("pb-01")
    opened = [
        c.item for c in build_candidates(lesson, choice) if c.transformation == "to_free_text"
    ]
    assert opened and opened[0] is not None
    assert "What kind of prompt gives" in opened[0].stem
    assert not any("option" in h.lower() for h in opened[0].hints)
    assert opened[0].difficulty.value == "medium"  # recall is harder than recognition

    lesson, free = starter_corpus.item("ctx-02")
    closed = [
        c.item for c in build_candidates(lesson, free) if c.transformation == "to_multiple_choice"
    ]
    assert closed and all(v is not None and len(v.options) == 3 for v in closed)


def test_templates_are_deterministic_for_a_seed(starter_corpus: Corpus) -> None:
    lesson, parent = starter_corpus.item("pi-01")

    def items(seed: int) -> list[Item | None]:
        return [c.item for c in build_candidates(lesson, parent, seed)]

    assert items(7) == items(7)
    assert items(7) != items(8)


async def test_a_second_run_stores_only_new_questions(offline_service: VariantService) -> None:
    first = await offline_service.generate("ctx-03", 3)
    second = await offline_service.generate("ctx-03", 3)

    assert second.report.rejected.get("duplicate", 0) >= 3
    first_questions = {text.fingerprint(r.item) for r in first.records}
    assert first_questions.isdisjoint(text.fingerprint(r.item) for r in second.records)
    assert len(offline_service.queue()) == len(first.records) + len(second.records)


def test_variants_do_not_inherit_the_parents_graded_answers(starter_corpus: Corpus) -> None:
    lesson, parent = starter_corpus.item("hal-02")
    assert parent.graded_answers  # they answer the parent's question, not a variant's
    candidates = build_candidates(lesson, parent)
    assert candidates
    for candidate in candidates:
        assert candidate.item is not None, candidate.error
        assert candidate.item.graded_answers == [] and "graded_answers" not in candidate.raw
