"""The self-contained HTML report (inline CSS and SVG, no scripts, no links) of a run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from tutor.evals import html as h
from tutor.evals import svg


def _ci(agreement: Mapping[str, Any], name: str) -> str:
    low, high = (agreement.get("ci") or {}).get(name, [None, None])
    return "-" if low is None else f"{low:.3f} - {high:.3f}"


def _agreement(a: Mapping[str, Any]) -> str:
    names = ("accuracy", "macro_f1", "kappa", "weighted_kappa", "pearson", "spearman")
    labels = (
        "accuracy",
        "macro-F1",
        "Cohen's kappa",
        "quadratic-weighted kappa",
        "Pearson r (score)",
        "Spearman rho (score)",
    )
    rows = [(label, a.get(n), _ci(a, n)) for n, label in zip(names, labels, strict=True)]
    rows.append(("mean |score - label|", a.get("mean_abs_error"), "-"))
    at_score = a.get("score_threshold")
    if at_score:  # the figures above are by verdict; this one is for comparison only
        rows.append(("macro-F1 if score >= 0.5 counted as correct (not what learners see)",
                     at_score["macro_f1"], "-"))  # fmt: skip
    out = h.table(["figure", "value", "95% bootstrap CI"], rows)
    cm = a.get("confusion")
    if cm:
        out += "<h3>Confusion matrix</h3>" + svg.heatmap(cm["labels"], cm["matrix"])
    return out


def _review(r: Mapping[str, Any] | None) -> str:
    """The teachers' share of the work and how far learners can trust the rest."""
    if not r or not r.get("n"):
        return ""
    rows = [
        ("answers sent to a teacher (needs_review)", r["review_rate"]),
        ("accuracy of the verdicts given without review", r["accuracy_without_review"]),
        ("accuracy of the verdicts sent to review", r["accuracy_in_review"]),
    ]
    if "two_way_accuracy_without_review" in r:
        rows.append(("the same, correct against not (the 90% aim)",
                     r["two_way_accuracy_without_review"]))  # fmt: skip
    curve = [(c["coverage"], c["accuracy"], c["confidence"]) for c in r["by_coverage"]]
    questions = [(q["question_id"], q["n"], q["review_rate"], q["accuracy_without_review"])
                 for q in r.get("per_question", [])]  # fmt: skip
    return h.section(
        "The review queue",
        h.table(["figure", "value"], rows)
        + "<h3>Accuracy when only the most confident answers get a verdict</h3>"
        + h.table(["share of answers", "accuracy", "lowest confidence kept"], curve)
        + "<h3>Questions whose answers go to review most (graded answers help there)</h3>"
        + h.table(["question", "answers", "sent to review", "accuracy without review"], questions),
    )


def _raters(r: Mapping[str, Any] | None) -> str:
    if not r:
        return ""
    humans = r["humans"]
    rows = [
        ("mean pairwise Cohen's kappa", humans["mean_pairwise_kappa"], r["grader_mean_kappa"]),
        (
            "Fleiss' kappa (raters / raters + grader)",
            humans["fleiss_kappa"],
            r["fleiss_kappa_with_grader"],
        ),
        (
            "Krippendorff's alpha (raters / raters + grader)",
            humans["krippendorff_alpha"],
            r["krippendorff_alpha_with_grader"],
        ),
        ("all raters agree", humans["all_agree_rate"], None),
    ]
    pairs = [
        (p["a"], p["b"], p["n"], p["kappa"], p["agreement"])
        for p in [*humans["pairwise"], *r["grader_vs_raters"]]
    ]
    return (
        "<h3>Human agreement is the bar</h3>"
        + h.table(["figure", "human raters", "grader vs raters"], rows)
        + h.table(["rater", "rater", "n", "Cohen's kappa", "raw agreement"], pairs)
    )


def render(figures: Mapping[str, Any], gates: Sequence[Mapping[str, Any]] = ()) -> str:
    run, counts, a = figures["run"], figures["counts"], figures["agreement"]
    parts = [
        f"<h1>Grader eval: {escape(run['dataset'])}</h1>",
        f'<p class="meta">grader <b>{escape(run["grader"])}</b> ({escape(run["version"])}) · '
        f"labels: {escape(run['scheme'])} · {counts['cases']} answers, {counts['grades']} grades"
        f", {counts['unscored']} unscored · repeats {run['repeats']} · seed {run['seed']} · "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
    ]
    if gates:
        rows = "".join(
            f'<li class="{"pass" if g["passed"] else "fail"}">{escape(g["line"])}</li>'
            for g in gates
        )
        parts.append(f"<h2>Gates</h2><ul>{rows}</ul>")
    if a.get("n"):
        parts.append(h.section(f"Agreement with the human label (n={a['n']})", _agreement(a)))
        parts.append(_review(figures.get("review")))
        parts.append(_raters(figures.get("raters")))
        per_q = sorted(a["per_question"], key=lambda q: (q["accuracy"] is None, q["accuracy"]))
        parts.append(
            h.section(
                "Agreement per question (worst first)",
                svg.bars(
                    [(q["question_id"], q["accuracy"], q["n"]) for q in per_q[: h.LIMIT]],
                    title="accuracy per question",
                ),
            )
        )
        parts.append(
            h.section(
                "Answers graded unlike the human label",
                h.table(
                    ["answer id", "answer", "human", "grader", "score"],
                    [
                        (d["id"], d["answer"], d["human"], d["grader"], d["score"])
                        for d in a["disagreements"]
                    ],
                    answer_cols=1,
                ),
            )
        )
    parts.append(_consistency(figures))
    parts.append(_robustness(figures))
    return h.page(
        f"Grader eval: {run['dataset']}",
        "".join(p for p in parts if p),
        "Generated by tutor eval grading. Figures: figures.json; every graded answer: "
        "results.jsonl.",
    )


def _consistency(f: Mapping[str, Any]) -> str:
    out = []
    if rep := f.get("repeats"):
        out.append(
            h.section(
                f"Repeats ({rep['runs']} runs)",
                h.summary(
                    rep,
                    [
                        ("items", "answers"),
                        ("all_agree_rate", "all runs agree"),
                        ("flip_rate", "flip rate"),
                        ("fleiss_kappa", "Fleiss' kappa across runs"),
                        ("score_spread_mean", "mean score spread"),
                        ("score_spread_max", "max score spread"),
                    ],
                )
                + "<h3>Answers that flipped</h3>"
                + h.table(
                    ["answer id", "answer", "human", "verdicts", "scores"],
                    [
                        (
                            x["id"],
                            x["answer"],
                            x["human"],
                            ", ".join(x["verdicts"]),
                            ", ".join(f"{s:.2f}" for s in x["scores"]),
                        )
                        for x in rep.get("flips", [])
                    ],
                    answer_cols=1,
                ),
            )
        )
    para = f.get("paraphrase") or {}
    checks = [
        ("Paraphrase invariance (rules)", para.get("rules")),
        ("Format invariance", f.get("format")),
        ("Rubric order invariance", f.get("order")),
    ]
    for title, inv in checks:
        if inv:
            rules = [(k, v["n"], v["disagreement_rate"]) for k, v in inv["per_rule"].items()]
            out.append(
                h.section(
                    f"{title}: {inv['disagreement_rate']:.3f} disagree",
                    h.table(["rewrite", "n", "disagreement"], rules)
                    + h.table(
                        ["variant", "original", "rewrite", "before", "after"],
                        [
                            (x["id"], x["original"], x["rewrite"], x["before"], x["after"])
                            for x in inv["failures"]
                        ],
                        answer_cols=2,
                    ),
                )
            )
    if groups := para.get("groups"):
        rows = [
            (g["group"], "\n".join(f"[{a['verdict']}] {a['answer']}" for a in g["answers"]))
            for g in groups["failures"]
        ]
        out.append(
            h.section(
                f"Paraphrase groups: {groups['non_unanimous_rate']:.3f} not unanimous "
                f"({groups['groups']} groups)",
                h.table(["group", "answers"], rows, answer_cols=1),
            )
        )
    return "".join(out)


def _robustness(f: Mapping[str, Any]) -> str:
    out = []
    for key, title in (("injection", "Injection resistance"), ("verbosity", "Verbosity bias")):
        inj = f.get(key)
        if not inj:
            continue
        body = h.summary(
            inj,
            [
                ("n", "attacked wrong answers" if key == "injection" else "padded wrong answers"),
                ("inflation_rate", "graded correct"),
                ("net_inflation_rate", "graded correct, plain answer was not"),
                ("mean_score_lift", "mean score lift"),
                ("flagged_rate", "flagged injection_suspected"),
            ],
        )
        if key == "injection":
            body += h.table(
                ["attack", "category", "n", "inflated", "flagged"],
                [
                    (k, v["category"], v["n"], v["inflated"], v["flagged"])
                    for k, v in inj["per_rule"].items()
                ],
            )
        body += h.table(
            ["variant", "answer as graded", "score", "plain score"],
            [(x["id"], x["answer"], x["score"], x["plain_score"]) for x in inj["failures"]],
            answer_cols=1,
        )
        out.append(h.section(title, body))
    if clean := f.get("clean_mentions"):
        out.append(
            h.section(
                "Clean answers that mention grader words",
                h.summary(
                    clean,
                    [
                        ("n", "answers"),
                        ("flagged_rate", "flagged"),
                        ("accuracy", "agree with label"),
                    ],
                )
                + h.table(
                    ["answer id", "answer", "flagged", "human", "grader"],
                    [
                        (x["id"], x["answer"], str(x["flagged"]), x["human"], x["grader"])
                        for x in clean["failures"]
                    ],
                    answer_cols=1,
                ),
            )
        )
    return "".join(out)
