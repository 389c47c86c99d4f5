"""What a contrast run shows: figures per kind, CI gates and the terminal table.

    outcomes = check(result, Limits(max_wrong_correct=0, max_verbosity_inflation=0))
    print_json(figures(result)); console.print(table(result))

A gate on a figure that the cases cannot measure (``--min-paraphrase-correct`` on a file with
no paraphrases) fails, so that a gate never passes by accident.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from rich.table import Table

from tutor.evals.contrast import KINDS, REVIEW_KINDS, RIGHT_KINDS, ContrastResult, Graded


def _kind(rows: list[Graded]) -> dict[str, Any]:
    return {
        "n": len(rows),
        "graded_correct": sum(g.correct for g in rows),
        "wrong_correct": sum(g.wrong_correct for g in rows),
        "needs_review": sum(g.reviewed for g in rows),
        "met": sum(g.met for g in rows),
        "mean_score": round(sum(g.grade.score for g in rows) / len(rows), 4),
    }


def _miss(g: Graded) -> dict[str, Any]:
    grade = g.grade
    return {"id": g.case.id, "item": g.case.item, "kind": g.case.kind, "expect": g.case.expect,
            "verdict": grade.verdict.value, "score": grade.score, "confidence": grade.confidence,
            "flags": [f.value for f in grade.flags], "lift": g.lift}  # fmt: skip


def figures(result: ContrastResult) -> dict[str, Any]:
    """Every figure of a run, and every case whose expectation was not met (``misses``)."""
    lifts = result.lifts
    return {
        "examples": result.examples,
        "right_only": result.right_only,
        "cases": len(result.graded),
        "met": sum(g.met for g in result.graded),
        "kinds": {kind: _kind(rows) for kind in KINDS if (rows := result.of(kind))},
        "wrong_correct": len(result.wrong_correct),
        "paraphrase_recall": result.paraphrase_recall,
        "review_rate": {kind: result.review_rate(kind) for kind in REVIEW_KINDS},
        "verbosity": {
            "n": len(lifts),
            "inflated": sum(x > 0 for x in lifts),
            "inflation": result.verbosity_inflation,
            "max_lift": max(lifts, default=None),
        },
        "misses": [_miss(g) for g in result.graded if not g.met],
    }


@dataclass(frozen=True)
class Limits:
    max_wrong_correct: int | None = 0
    min_paraphrase_correct: float | None = None
    max_verbosity_inflation: float | None = None
    min_review_rate: float | None = None  # for each of other_language and gibberish


@dataclass(frozen=True)
class GateOutcome:
    option: str
    limit: float
    value: float | None
    passed: bool
    text: str  # "--max-wrong-correct 0: 3 wrong answers graded correct (negated 1, salad 2)"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check(result: ContrastResult, limits: Limits) -> list[GateOutcome]:
    """One outcome per gate that has a limit (``--min-review-rate``: one per review kind)."""
    out: list[GateOutcome] = []

    def gate(option: str, limit: float | None, value: float | None,
             bound: Literal["min", "max"], what: str, share: bool = False) -> None:  # fmt: skip
        if limit is None:
            return
        passed = value is not None and (value >= limit if bound == "min" else value <= limit)
        number = "" if value is None else f"{value:.0%}" if share else f"{value:g}"
        shown = f"{number} {what}" if number else "not measured (the file has no such cases)"
        out.append(GateOutcome(option, limit, value, passed, f"{option} {limit:g}: {shown}"))

    wrong = [g.case.kind for g in result.wrong_correct]
    by_kind = ", ".join(f"{k} {wrong.count(k)}" for k in KINDS if k in wrong)
    gate("--max-wrong-correct", limits.max_wrong_correct, len(wrong), "max",
         "wrong answers graded correct" + (f" ({by_kind})" if by_kind else ""))  # fmt: skip
    gate("--min-paraphrase-correct", limits.min_paraphrase_correct, result.paraphrase_recall,
         "min", "of the paraphrases graded correct", share=True)  # fmt: skip
    lifts = result.lifts
    gate("--max-verbosity-inflation", limits.max_verbosity_inflation, result.verbosity_inflation,
         "max", f"mean positive score lift from padding ({sum(x > 0 for x in lifts)} of "
         f"{len(lifts)} padded answers scored above their base sentence)")  # fmt: skip
    for kind in REVIEW_KINDS:
        gate("--min-review-rate", limits.min_review_rate, result.review_rate(kind), "min",
             f"of the {kind} answers flagged for review", share=True)  # fmt: skip
    return out


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def table(result: ContrastResult) -> Table:
    mode = (
        "with the items' graded answers scored 1 alone" if result.right_only
        else "with the items' graded answers" if result.examples
        else "without examples"
    )  # fmt: skip
    out = Table(title=f"Contrast cases, {mode}", title_justify="left")
    for name in ("kind", "cases", "graded correct", "wrong → correct", "needs review",
                 "as expected", "mean score"):  # fmt: skip
        out.add_column(name, justify="left" if name == "kind" else "right", no_wrap=name == "kind")
    for kind, f in figures(result)["kinds"].items():
        wrong = "-" if kind in RIGHT_KINDS else str(f["wrong_correct"])
        out.add_row(kind, str(f["n"]), str(f["graded_correct"]), wrong, str(f["needs_review"]),
                    f"{f['met']}/{f['n']}", f"{f['mean_score']:.2f}")  # fmt: skip
    lifts = result.lifts
    out.caption = (
        f"{len(result.wrong_correct)} wrong answers graded correct · paraphrase recall "
        f"{_share(result.paraphrase_recall)} · review rate "
        + ", ".join(f"{k} {_share(result.review_rate(k))}" for k in REVIEW_KINDS)
        + f" · verbosity inflation {_number(result.verbosity_inflation)} "
        f"({sum(x > 0 for x in lifts)} of {len(lifts)} padded answers above their base) · "
        f"--json lists the {sum(not g.met for g in result.graded)} cases not as expected"
    )
    out.caption_justify = "left"
    return out
