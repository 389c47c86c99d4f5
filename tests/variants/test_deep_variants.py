"""Offline variants that really differ from their parent (issue 14): a new setting and a new
ask, not the parent's stem behind a scenario line; distractors built from the item's common
mistakes; quantities scaled with the key recomputed, and a scaled variant whose key no longer
matches turned away."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.variants.conftest import variant_of
from tutor.cli import app
from tutor.corpus import Corpus, Item, ItemType
from tutor.engines.extractive import split_sentences
from tutor.variants import Candidate, VariantService
from tutor.variants.rewrite import claim, setting

runner = CliRunner()


def generate(item_id: str, n: int) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["variants", item_id, "--n", str(n), "--json"])
    assert result.exit_code == 0, result.output
    accepted: list[dict[str, Any]] = json.loads(result.stdout)["accepted"]
    return accepted


def numbers(text: str) -> list[float]:
    return [
        float(n.replace(",", "")) for n in re.findall(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?", text)
    ]


@pytest.mark.parametrize("item_id", ["ctx-03", "fsp-03", "so-04", "samp-05"])
def test_a_variant_asks_its_own_question_not_the_parents_behind_a_new_first_line(
    item_id: str, data_dir: Path, starter_corpus: Corpus
) -> None:
    _, parent = starter_corpus.item(item_id)
    parent_ask = split_sentences(parent.stem)[-1]
    variants = generate(item_id, 4)
    assert len(variants) == 4
    for variant in variants:
        stem = variant["item"]["stem"]
        assert parent.stem not in stem  # the old templates put a frame around the whole stem
        kind = variant["provenance"]["transformation"]
        if kind in ("new_scenario", "new_distractors"):
            assert split_sentences(stem)[-1] != parent_ask, stem  # the ask itself is new
            assert split_sentences(stem)[0] not in parent.stem  # and so is the setting


def test_multiple_choice_distractors_come_from_the_items_common_mistakes(
    data_dir: Path, starter_corpus: Corpus
) -> None:
    _, parent = starter_corpus.item("ctx-03")  # "What is the most likely cause?"
    claims = {c for m in parent.common_mistakes if (c := claim(m, cause=True))}
    assert "The model stores conversation memory internally between requests." in claims
    old_options = {o.text for o in parent.options}
    built = 0
    for variant in generate("ctx-03", 4):
        item = Item.model_validate(variant["item"])
        if item.type is not ItemType.MULTIPLE_CHOICE:
            continue
        correct = item.correct_option
        assert correct is not None and correct.text == parent.correct_option.text  # type: ignore[union-attr]
        new = {o.text for o in item.options} - old_options
        assert new <= claims  # every new option is a mistake the item names
        built += bool(new)
        if new:
            assert variant["provenance"]["transformation"] == "new_distractors"
    assert built >= 2


def test_a_scaled_variant_has_its_key_recomputed(data_dir: Path, starter_corpus: Corpus) -> None:
    # ctx-01: 750 words -> about 1,000 tokens ("750 words divided by 0.75 ... is about 1,000")
    scaled = [
        v for v in generate("ctx-01", 6) if v["provenance"]["transformation"] == "new_quantities"
    ]
    assert scaled
    for variant in scaled:
        item = Item.model_validate(variant["item"])
        (words,) = [n for n in numbers(item.stem) if n != 750]
        assert words in (1500, 2250)
        assert item.answer == f"About {words / 0.75:,.0f} tokens."
        key = variant["provenance"]["validation"]["key"]
        assert key["method"] == "recomputed"
        assert key["equations"] and all(e["holds"] for e in key["equations"])
        for option in item.options:  # the parent's distractors scaled alike, where kept
            if option.text.endswith("one per word."):
                assert option.text == f"Exactly {words:,.0f} tokens, one per word."


async def test_a_scaled_variant_whose_key_no_longer_matches_is_turned_away(
    starter_corpus: Corpus,
    scripted_service: Callable[[Sequence[Candidate]], VariantService],
) -> None:
    _, parent = starter_corpus.item("ctx-06")  # 128,000 - 120,000 leaves about 8,000 tokens
    dump = parent.model_dump(mode="json")

    def doubled(text: str) -> str:
        for old, new in (("128,000", "256,000"), ("120,000", "240,000"), ("10,000", "20,000")):
            text = text.replace(old, new)
        return text

    stem = setting(doubled(parent.stem), 0)  # a new setting too: new numbers alone are a near copy

    stale = variant_of(  # the inputs doubled, the answer's arithmetic left as it was
        parent, "new_quantities", stem=stem,
        solution_steps=[{**s, "text": doubled(s["text"])} for s in dump["solution_steps"]],
    )  # fmt: skip
    right = variant_of(
        parent, "new_quantities", id=f"{parent.id}-vright", stem=stem,
        answer=doubled(parent.answer).replace("8,000", "16,000"),
        solution_steps=[
            {**s, "text": doubled(s["text"]).replace("8,000", "16,000")}
            for s in dump["solution_steps"]
        ],
    )  # fmt: skip

    outcome = await scripted_service([stale, right]).generate("ctx-06", 2)

    assert outcome.report.rejected == {"key_not_confirmed": 1}
    (record,) = outcome.records
    assert record.item["id"] == f"{parent.id}-vright"
    key = record.provenance["validation"]["key"]
    assert key["method"] == "recomputed"
    assert key["equations"][0]["recomputed"] == 16000 and key["equations"][0]["holds"]
