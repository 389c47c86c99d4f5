"""Repeats, invariances, injection and verbosity, each caught with a grader broken that way."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.evals.conftest import ScriptedGrader, marker_rule
from tutor.evals.harness import Options, evaluate, load_cases
from tutor.evals.results import RunDir
from tutor.grading.models import GradeRequest, Verdict


def run(grader: ScriptedGrader, dataset: Path, tmp: Path, **options: Any) -> dict[str, Any]:
    cases = load_cases(str(dataset))
    outcome = asyncio.run(
        evaluate(grader, "scripted@1", "tiny", cases, RunDir(tmp / "run"), Options(**options))
    )
    return outcome.figures


def test_agreement_figures_for_a_known_grader(dataset: Path, tmp_path: Path) -> None:
    figures = run(ScriptedGrader(), dataset, tmp_path, checks=frozenset())
    a = figures["agreement"]
    # 13 answers; the grader errs on q2-e (partial, not incorrect) and on g1-3 (incorrect)
    assert a["n"] == 13 and a["accuracy"] == round(11 / 13, 4)
    assert a["confusion"]["matrix"] == [[4, 1, 0], [0, 2, 0], [1, 0, 5]]
    assert {d["id"] for d in a["disagreements"]} == {"q2-e", "g1-3"}
    low, high = a["ci"]["accuracy"]
    assert low <= a["accuracy"] <= high
    assert {q["question_id"]: q["n"] for q in a["per_question"]} == {"q1": 8, "q2": 5}


def flip_partials(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    verdict, score = marker_rule(request)
    if verdict is Verdict.PARTIALLY_CORRECT and repeat % 2:
        return Verdict.CORRECT, 0.7
    return verdict, score


def test_repeats_find_the_answers_that_flip(dataset: Path, tmp_path: Path) -> None:
    figures = run(ScriptedGrader(flip_partials), dataset, tmp_path, repeats=3,
                  checks=frozenset())  # fmt: skip
    rep = figures["repeats"]
    assert rep["runs"] == 3 and rep["items"] == 13
    flipped = {f["id"] for f in rep["flips"]}
    assert flipped == {"q1-c", "q2-b", "q2-e"}  # every answer graded partially correct
    assert rep["all_agree_rate"] == round(10 / 13, 4)
    assert rep["flip_rate"] == round(3 / 13, 4)
    assert rep["fleiss_kappa"] < 1
    assert rep["score_spread_max"] == 0.2
    assert next(f for f in rep["flips"] if f["id"] == "q1-c")["verdicts"] == [
        "partially_correct", "correct", "partially_correct"]  # fmt: skip


def test_a_steady_grader_never_flips(dataset: Path, tmp_path: Path) -> None:
    rep = run(ScriptedGrader(), dataset, tmp_path, repeats=2, checks=frozenset())["repeats"]
    assert rep["all_agree_rate"] == 1.0 and rep["flips"] == [] and rep["fleiss_kappa"] == 1.0


def case_sensitive(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    if "alpha" in request.answer:
        return Verdict.CORRECT, 0.9
    return Verdict.PARTIALLY_CORRECT if "beta" in request.answer else Verdict.INCORRECT, 0.3


def test_format_check_catches_a_case_sensitive_grader(dataset: Path, tmp_path: Path) -> None:
    figures = run(ScriptedGrader(case_sensitive), dataset, tmp_path,
                  checks=frozenset({"format"}))  # fmt: skip
    fmt = figures["format"]
    assert fmt["per_rule"]["whitespace"]["disagreement_rate"] == 0.0
    assert fmt["per_rule"]["upper_case"]["disagreement_rate"] > 0
    assert {f["rule"] for f in fmt["failures"]} >= {"upper_case"}
    steady = run(ScriptedGrader(), dataset, tmp_path / "b", checks=frozenset({"format"}))
    assert steady["format"]["disagreement_rate"] == 0.0


def order_sensitive(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    verdict, score = marker_rule(request)
    if request.common_mistakes and not request.common_mistakes[0].startswith("m1"):
        return Verdict.INCORRECT, 0.1
    return verdict, score


def test_order_check_catches_a_grader_that_reads_the_rubric_order(
    dataset: Path, tmp_path: Path
) -> None:
    figures = run(ScriptedGrader(order_sensitive), dataset, tmp_path,
                  checks=frozenset({"order"}))  # fmt: skip
    order = figures["order"]
    assert order["n"] == 10  # the group answers have no common mistakes to reorder
    # reordering demotes the 6 answers the grader otherwise calls correct or partial
    assert order["disagreements"] == 6


def test_paraphrase_check_pools_rules_and_dataset_groups(dataset: Path, tmp_path: Path) -> None:
    para = run(ScriptedGrader(), dataset, tmp_path, checks=frozenset({"paraphrase"}))["paraphrase"]
    assert para["rules"]["disagreement_rate"] == 0.0  # rewrites keep the marker words
    groups = para["groups"]
    assert groups["groups"] == 1 and groups["rewrites"] == 2 and groups["disagreements"] == 1
    assert para["disagreement_rate"] == round(1 / para["n"], 4)


def gullible(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    if "correct" in request.answer.lower():
        return Verdict.CORRECT, 0.95
    return marker_rule(request)


def test_injection_inflation_separates_fooled_and_robust_graders(
    dataset: Path, tmp_path: Path
) -> None:
    checks = frozenset({"injection"})
    fooled = run(ScriptedGrader(gullible), dataset, tmp_path / "a", checks=checks)["injection"]
    robust = run(ScriptedGrader(), dataset, tmp_path / "b", checks=checks)["injection"]
    assert fooled["n"] == robust["n"] == 35 * 3  # every attack on 3 wrong answers
    assert fooled["inflation_rate"] > 0.7 and fooled["net_inflation_rate"] > 0.7
    assert fooled["per_category"]["fake_verdict"]["inflation_rate"] == 1.0
    assert robust["inflation_rate"] == 0.0 and robust["failures"] == []


def long_is_good(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    return (Verdict.CORRECT, 0.8) if len(request.answer) > 120 else marker_rule(request)


def test_verbosity_inflation_catches_a_length_biased_grader(dataset: Path, tmp_path: Path) -> None:
    checks = frozenset({"verbosity"})
    biased = run(ScriptedGrader(long_is_good), dataset, tmp_path / "a", checks=checks)
    fair = run(ScriptedGrader(), dataset, tmp_path / "b", checks=checks)
    assert biased["verbosity"]["inflation_rate"] == 1.0
    assert fair["verbosity"]["inflation_rate"] == 0.0
    assert fair["verbosity"]["n"] == 5  # the answers humans marked incorrect
