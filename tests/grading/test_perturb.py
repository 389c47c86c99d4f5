"""Wrong answers made from a reference: each changes the meaning, none is the reference."""

from __future__ import annotations

import random

from tutor.grading.perturb import (
    negate,
    padded,
    salad,
    swap_cause,
    swap_opposites,
    with_false_claim,
    wrong_versions,
)

REFERENCE = "Lowering the temperature sharpens the distribution, so the output is more predictable."


def test_negate_flips_the_first_auxiliary_both_ways() -> None:
    assert negate("The list is sorted.") == "The list is not sorted."
    assert negate("The list is not sorted.") == "The list is sorted."
    assert negate("Binary search halves the range.") is None  # no auxiliary to flip


def test_swap_opposites_reverses_the_direction() -> None:
    swapped = swap_opposites(REFERENCE)
    # one word only: "raising ... flattens ... less predictable" would be true again
    assert swapped == (
        "Raising the temperature sharpens the distribution, so the output is more predictable."
    )
    assert swap_opposites("Cats sleep a lot.") is None


def test_swap_cause_reverses_cause_and_effect() -> None:
    assert swap_cause("The model guesses because the prompt is vague.") == (
        "The prompt is vague because the model guesses."
    )
    assert swap_cause("No connective here at all.") is None


def test_salad_padding_and_false_claim() -> None:
    rng = random.Random(0)
    mixed = salad(REFERENCE, rng)
    assert mixed is not None and mixed != REFERENCE
    assert "the" not in mixed.lower().split()
    long = padded("Too short.", rng, min_chars=400)
    assert len(long) >= 400 and set(long.split(". ")) <= {"Too short", "Too short."}
    claim = with_false_claim("Lower temperature is more predictable.", REFERENCE, rng)
    assert claim is not None and claim.startswith("Lower temperature is more predictable.")
    assert "raising the temperature sharpens" in claim.lower()


def test_wrong_versions_are_never_the_reference() -> None:
    made = wrong_versions(REFERENCE, random.Random(1))
    kinds = {kind for kind, _ in made}
    assert {"negated", "swapped", "salad"} <= kinds
    assert all(text.strip() != REFERENCE for _, text in made)
