"""Terminal summaries (rich tables) of a run, of label agreement, of a comparison and of
mistake detection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table


def _f(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _ci(agreement: Mapping[str, Any], name: str) -> str:
    low, high = (agreement.get("ci") or {}).get(name, [None, None])
    return "" if low is None else f"{low:.3f} - {high:.3f}"


def run_table(figures: Mapping[str, Any]) -> Table:
    run, a = figures["run"], figures["agreement"]
    table = Table(
        "figure", "value", "95% CI", title=f"{run['dataset']} · {run['grader']} ({run['version']})"
    )
    table.add_row("answers graded", str(a.get("n", 0)), "")
    for name, label in (
        ("accuracy", "accuracy"),
        ("macro_f1", "macro-F1"),
        ("kappa", "Cohen's kappa"),
        ("weighted_kappa", "weighted kappa (quadratic)"),
        ("pearson", "Pearson r"),
        ("spearman", "Spearman rho"),
    ):
        table.add_row(label, _f(a.get(name)), _ci(a, name))
    if (review := figures.get("review")) and review.get("n"):
        table.add_row("sent to review (needs_review)", _f(review["review_rate"]), "")
        table.add_row("accuracy without review", _f(review["accuracy_without_review"]), "")
        if "two_way_accuracy_without_review" in review:
            two_way = review["two_way_accuracy_without_review"]
            table.add_row("  correct vs not, without review", _f(two_way), "")
    if raters := figures.get("raters"):
        humans = raters["humans"]
        table.add_row("human raters: mean pairwise kappa", _f(humans["mean_pairwise_kappa"]), "")
        table.add_row("human raters: Fleiss' kappa", _f(humans["fleiss_kappa"]), "")
        table.add_row("human raters: Krippendorff's alpha", _f(humans["krippendorff_alpha"]), "")
        table.add_row("grader vs raters: mean kappa", _f(raters["grader_mean_kappa"]), "")
    if rep := figures.get("repeats"):
        table.add_row(f"all {rep['runs']} runs agree", _f(rep.get("all_agree_rate")), "")
        table.add_row("Fleiss' kappa across runs", _f(rep.get("fleiss_kappa")), "")
        table.add_row("mean score spread", _f(rep.get("score_spread_mean")), "")
    rows = (
        ("paraphrase", "disagreement_rate", "paraphrase disagreement"),
        ("format", "disagreement_rate", "format disagreement"),
        ("order", "disagreement_rate", "rubric-order disagreement"),
        ("injection", "inflation_rate", "injection inflation"),
        ("verbosity", "inflation_rate", "verbosity inflation"),
        ("clean_mentions", "flagged_rate", "clean answers flagged"),
    )
    for key, figure, label in rows:
        if part := figures.get(key):
            table.add_row(f"{label} (n={part.get('n')})", _f(part.get(figure)), "")
    counts = figures["counts"]
    if counts["unscored"]:
        table.add_row("unscored answers", str(counts["unscored"]), "")
    return table


def agreement_table(figures: Mapping[str, Any]) -> Table:
    groups = figures["groups"] or [{"group": {"all": "rows"}, **figures["overall"]}]
    if figures["groups"]:
        groups = [*groups, {"group": {"all": "groups"}, **figures["overall"]}]
    table = Table(
        "group",
        "items",
        "complete",
        "all agree",
        "Fleiss kappa",
        "Krippendorff alpha",
        "mean pairwise kappa",
        title=f"{figures['file']}: {', '.join(figures['raters'])}",
    )
    with_truth = figures.get("truth") is not None
    if with_truth:
        table.add_column("majority acc. vs truth")
        table.add_column("majority kappa vs truth")
    for g in groups:
        row = [
            " / ".join(str(v) for v in g["group"].values()),
            str(g["items"]),
            str(g["complete_items"]),
            _f(g["all_agree_rate"]),
            _f(g["fleiss_kappa"]),
            _f(g["krippendorff_alpha"]),
            _f(g["mean_pairwise_kappa"]),
        ]
        if with_truth:
            row += [
                _f(g["vs_truth"]["majority"]["accuracy"]),
                _f(g["vs_truth"]["majority"]["kappa"]),
            ]
        table.add_row(*row)
    return table


def compare_table(c: Mapping[str, Any]) -> Table:
    table = Table("figure", "A - B", "95% CI", title=f"A: {c['a']['path']}  B: {c['b']['path']}")
    for key in ("accuracy", "kappa", "weighted_kappa", "mean_abs_error", "mean_score"):
        d = c[key]
        ci = "" if d["ci_low"] is None else f"{d['ci_low']:.3f} - {d['ci_high']:.3f}"
        table.add_row(key.replace("_", " "), _f(d["difference"]), ci)
    mc = c["mcnemar"]
    table.add_row(
        "McNemar exact p",
        _f(mc["p_value"]),
        f"only A right {mc['only_a_correct']}, only B right {mc['only_b_correct']}",
    )
    table.add_row("same verdict", _f(c["verdict_agreement"]), f"n={c['n']}")
    return table


def mistakes_table(figures: Mapping[str, Any]) -> Table:
    """Per item, then all answers and the contrast answers (that name a mistake to reject it)."""
    table = Table(
        "item", "answers", "labelled", "named", "TP", "FP", "FN",
        title=f"common mistakes named: precision {_f(figures['precision'])}, "
        f"recall {_f(figures['recall'])}, F1 {_f(figures['f1'])}",
    )  # fmt: skip
    rows = [*figures["by_item"].items(), ("all", figures), ("contrast", figures["contrast"])]
    for name, t in rows:
        cells = (t["answers"], t["labelled"], t["detected"], t["tp"], t["fp"], t["fn"])
        table.add_row(name, *map(str, cells), end_section=name == rows[-3][0])
    return table
