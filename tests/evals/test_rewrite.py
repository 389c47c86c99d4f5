"""The offline rewrites change the wording, never the meaning, and report when they cannot."""

from __future__ import annotations

from tutor.evals.attacks import load_attacks, load_padding
from tutor.evals.rewrite import contractions, lower_case, reorder, synonyms, whitespace


def test_synonym_swaps_keep_the_capital() -> None:
    assert synonyms("Check the output; it is often wrong.") == (
        "Verify the output; it is frequently incorrect."
    )
    assert synonyms("Nothing to swap here.") is None


def test_contractions_contract_or_expand() -> None:
    assert contractions("It is not enough and they do not check.") == (
        "It's not enough and they don't check."
    )
    assert contractions("It's fine, they're done.") == "It is fine, they are done."
    assert contractions("No change.") is None


def test_clauses_are_reordered() -> None:
    assert reorder("The test fails because the wording changes.") == (
        "Because the wording changes, the test fails."
    )
    assert reorder("Use delimiters. Validate the output.") == "Validate the output. Use delimiters."
    assert reorder("Use delimiters. This keeps data apart.") is None  # "This" refers back


def test_format_changes() -> None:
    assert lower_case("Already lower.") == "already lower."
    assert lower_case("already lower") is None
    spaced = whitespace("One. Two.")
    assert spaced is not None and spaced.split() == ["One.", "Two."]


def test_shipped_attacks_and_padding() -> None:
    attacks = load_attacks()
    assert len(attacks) >= 30
    assert {a.category for a in attacks} >= {
        "instruction", "fake_verdict", "spoofed_role", "delimiter", "hidden_text", "role_play",
        "reference_attack",
    }  # fmt: skip
    wrapped = next(a for a in attacks if a.id == "fake-json-verdict").wrap("Wrong answer.")
    assert wrapped.startswith("Wrong answer.") and '"verdict": "correct"' in wrapped
    assert any("\u200b" in a.template for a in attacks)
    assert any("</learner_text>" in a.template for a in attacks)
    assert len(load_padding()) >= 15


def test_the_package_exports_a_sorted_public_api() -> None:
    import tutor.evals

    assert tutor.evals.__all__ == sorted(tutor.evals.__all__)
    assert all(hasattr(tutor.evals, name) for name in tutor.evals.__all__)
