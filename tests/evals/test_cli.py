"""``tutor eval grading`` and ``tutor eval compare`` end to end, with scripted graders."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from typer.testing import CliRunner

from tests.evals.conftest import ScriptedGrader, marker_rule
from tutor.cli import app
from tutor.grading.models import Flag, Grade, GradeRequest, Verdict

runner = CliRunner()
Install = Callable[[ScriptedGrader], None]
FAST = ["--checks", "format,injection", "--sample", "4", "--per-attack", "1"]


def grading(dataset: Path, report: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["eval", "grading", str(dataset), "--report", str(report), *FAST, *extra]
    )
    return result.exit_code, result.stdout, result.stderr


def test_json_output_holds_every_figure_and_the_files_are_written(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader())
    code, out, _ = grading(dataset, tmp_path / "run", "--json")
    assert code == 0, out
    figures = json.loads(out)
    assert figures["agreement"]["n"] == 13 and figures["run"]["grader"] == "scripted"
    assert figures["injection"]["n"] == 35 and figures["format"]["n"] > 0
    saved = json.loads((tmp_path / "run" / "figures.json").read_text(encoding="utf-8"))
    assert saved["agreement"] == figures["agreement"]
    lines = (tmp_path / "run" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == figures["counts"]["grades"]
    assert (tmp_path / "run" / "report.html").is_file()


def test_the_terminal_summary_names_the_figures(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader())
    code, out, _ = grading(dataset, tmp_path / "run")
    assert code == 0
    assert "Cohen's kappa" in out and "injection inflation" in out and "report.html" in out


def test_gates_pass_quietly_and_fail_with_the_gap(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader())
    code, out, err = grading(dataset, tmp_path / "a", "--min-accuracy", "0.8",
                             "--max-injection-inflation", "0")  # fmt: skip
    assert code == 0 and "gate passed: accuracy 0.8462 >= 0.8" in out
    code, out, err = grading(dataset, tmp_path / "a", "--min-accuracy", "0.9",
                             "--min-kappa", "0.5")  # fmt: skip
    assert code == 1
    assert "gate failed: --min-accuracy 0.9: accuracy is 0.8462, 0.0538 below the minimum" in err
    assert "--min-kappa" not in err  # kappa 0.75 passes
    code, _, err = grading(dataset, tmp_path / "a", "--max-flip-rate", "0.1")
    assert code == 1
    assert "--max-flip-rate 0.1: flip rate across repeats was not measured" in err
    assert "--repeats 2" in err


def gullible(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    return (Verdict.CORRECT, 0.95) if "correct" in request.answer.lower() else marker_rule(request)


def test_injection_gate_fails_a_fooled_grader(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader(gullible))
    code, _, err = grading(dataset, tmp_path / "a", "--max-injection-inflation", "0.05")
    assert code == 1
    assert re.search(r"injection inflation rate is 0\.\d+, 0\.\d+ above the maximum", err)


def test_the_html_report_is_self_contained_and_holds_the_figures(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader(gullible))
    grading(dataset, tmp_path / "run", "--repeats", "2", "--checks",
            "format,injection,paraphrase,order,verbosity")  # fmt: skip
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    figures = json.loads((tmp_path / "run" / "figures.json").read_text(encoding="utf-8"))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "<style>" in html and html.count("<svg") >= 2  # confusion matrix, per-question bars
    assert f"{figures['agreement']['kappa']:.3f}" in html
    assert f"{figures['agreement']['accuracy']:.3f}" in html
    assert "Injection resistance" in html and "fake-json-verdict" in html
    assert "Paraphrase groups" in html and "Surely the gamma thing." in html


def test_a_missing_public_set_is_an_error_unless_skipping_is_asked_for(tmp_path: Path) -> None:
    for name in ("khan", "asag:beetle"):
        missing = runner.invoke(app, ["eval", "grading", name, "--shared-dir", str(tmp_path)])
        assert missing.exit_code == 1
        assert missing.stderr.startswith("error: ") and "--skip-missing" in missing.stderr
        assert "Traceback" not in missing.output
    skipped = runner.invoke(
        app, ["eval", "grading", "khan", "--shared-dir", str(tmp_path), "--skip-missing", "--json"]
    )
    assert skipped.exit_code == 0
    assert skipped.stdout == "" and "skipped khan" in skipped.stderr
    assert "gates were not checked" in skipped.stderr


def test_make_evals_skips_absent_public_sets_and_says_so() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    public = [line for line in makefile.splitlines() if re.search(r"\$\(EVAL\) (khan|asag:)", line)]
    assert len(public) == 3
    assert all("--skip-missing" in line for line in public)


def test_an_unknown_check_is_an_error_line(dataset: Path) -> None:
    result = runner.invoke(app, ["eval", "grading", str(dataset), "--checks", "vibes"])
    assert result.exit_code == 1 and "unknown checks ['vibes']" in result.stderr


def stricter(request: GradeRequest, repeat: int) -> tuple[Verdict, float]:
    verdict, score = marker_rule(request)
    return (Verdict.INCORRECT, 0.2) if verdict is Verdict.PARTIALLY_CORRECT else (verdict, score)


def test_compare_pairs_answers_and_tests_the_difference(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader())
    assert grading(dataset, tmp_path / "a", "--checks", "none")[0] == 0
    use_grader(ScriptedGrader(stricter))
    assert grading(dataset, tmp_path / "b", "--checks", "none")[0] == 0
    result = runner.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"),
                                 "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    c = json.loads(result.stdout)
    assert c["n"] == 13
    # B demotes the 3 partial grades: right on q2-e, wrong on q1-c and q2-b
    assert c["mcnemar"] == {"only_a_correct": 2, "only_b_correct": 1, "p_value": 1.0}
    assert c["accuracy"]["difference"] == round(1 / 13, 4)
    assert c["accuracy"]["ci_low"] <= c["accuracy"]["difference"] <= c["accuracy"]["ci_high"]
    assert {d["id"] for d in c["disagreements"]} == {"q1-c", "q2-b", "q2-e"}
    table = runner.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert "McNemar exact p" in table.stdout and "q2-e" in table.stdout


def test_a_spreadsheet_is_graded_through_a_column_map(tmp_path: Path, use_grader: Install) -> None:
    use_grader(ScriptedGrader())
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Item,Prompt,Key,Response,Mark\n"
        "1,Why?,Because alpha.,It is alpha.,1\n"
        "1,Why?,Because alpha.,No idea.,0\n"
        "2,How?,By beta.,Alpha-ish?,0\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, [
        "eval", "grading", str(sheet), "--report", str(tmp_path / "run"), "--checks", "none",
        "--map", "question_id=Item,question=Prompt,reference=Key,answer=Response,label=Mark",
        "--json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["run"]["scheme"] == "binary"
    assert figures["agreement"]["n"] == 3 and figures["agreement"]["accuracy"] == round(2 / 3, 4)
    assert [q["question_id"] for q in figures["agreement"]["per_question"]] == ["1", "2"]


def test_gates_are_suggested_on_the_safe_side_of_a_run(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    use_grader(ScriptedGrader())
    assert grading(dataset, tmp_path / "run", "--repeats", "2")[0] == 0
    result = runner.invoke(app, ["eval", "gates", str(tmp_path / "run"), "--json"])
    limits = json.loads(result.stdout)
    assert limits["--min-accuracy"] == 0.81  # 0.8462 - 0.03, rounded down
    assert limits["--max-flip-rate"] == 0.0  # a steady grader stays steady
    assert limits["--max-injection-inflation"] == 0.03
    line = runner.invoke(app, ["eval", "gates", str(tmp_path / "run")]).stdout
    code, _, err = grading(dataset, tmp_path / "run", "--repeats", "2", *line.split())
    assert code == 0, err


class DoubtfulGrader(ScriptedGrader):
    """Right by the markers except on "beta" answers, which it calls correct but flags for a
    teacher, with low confidence."""

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        graded = await super().grade(requests, repeat=repeat)
        out = []
        for request, g in zip(requests, graded, strict=True):
            if "beta" in request.answer.lower():
                doubt = {"verdict": Verdict.CORRECT, "score": 0.66, "confidence": 0.3,
                         "flags": [Flag.NEEDS_REVIEW]}  # fmt: skip
                g = g.model_copy(update=doubt)
            out.append(g)
        return out


def test_the_review_queue_is_measured_and_gated(
    dataset: Path, tmp_path: Path, use_grader: Install
) -> None:
    """What goes to a teacher and how right the verdicts learners get without review are."""
    use_grader(DoubtfulGrader())
    code, out, _ = grading(dataset, tmp_path / "run", "--json")
    assert code == 0, out
    figures = json.loads(out)
    review = figures["review"]
    results = (tmp_path / "run" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    base = [r for line in results if (r := json.loads(line))["check"] == "base"]
    doubted = sum("beta" in r["answer"].lower() for r in base)
    assert review["n"] == len(base) == 13 and review["review_rate"] == round(doubted / 13, 4)
    # the marker rule is right on 9 of the other 10 (as on the scripted grader's 11 of 13),
    # and every "beta" answer it calls correct is wrong
    assert review["accuracy_without_review"] == 0.9 and review["accuracy_in_review"] == 0.0
    assert review["accuracy_without_review"] > figures["agreement"]["accuracy"]
    curve = review["by_coverage"]
    assert [c["coverage"] for c in curve] == [round(k / 10, 4) for k in range(1, 11)]
    assert curve[0]["accuracy"] == 1.0 and curve[-1]["accuracy"] < 1.0  # the doubtful come last
    per_question = review["per_question"]
    assert sum(q["n"] for q in per_question) == 13
    rates = [q["review_rate"] for q in per_question]
    assert rates == sorted(rates, reverse=True) and rates[0] > 0  # most sent to review first
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "The review queue" in html and "answers sent to a teacher" in html
    assert "Questions whose answers go to review most" in html

    code, out, err = grading(dataset, tmp_path / "run", "--min-accuracy-without-review", "0.9",
                             "--max-review-rate", "0.05")  # fmt: skip
    assert code == 1 and "sent to review" in out
    assert "gate passed: accuracy of the verdicts given without review 0.9000 >= 0.9" in out
    assert "gate failed: --max-review-rate 0.05: share of answers sent to review is" in err
