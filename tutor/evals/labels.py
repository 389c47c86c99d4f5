"""Agreement figures for labels that already exist (``tutor eval agreement``).

A CSV or JSONL file with one row per answer and one column per rater (people, models, or one
model's repeated runs). Missing labels (empty, ``NA``) are allowed: Fleiss' kappa and the
all-agree rate use the rows every rater labelled, Krippendorff's alpha uses every label. The
truth may come from another file joined on a key column (``--truth-file``, ``--key``).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tutor.errors import BadRequestError, NotFoundError
from tutor.evals import metrics as m
from tutor.evals.agreement import rater_agreement
from tutor.evals.cases import Label, Scheme, SchemeKind, detect

Row = Mapping[str, Any]
R = m.rounded


def read_table(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise NotFoundError(f"no file at {path}")
    if path.suffix.lower() == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _need(rows: Sequence[Row], columns: Sequence[str], path: str) -> None:
    if rows and (missing := [c for c in columns if c not in rows[0]]):
        raise BadRequestError(
            f"{path} has no column {missing[0]!r} (columns: {', '.join(rows[0])})"
        )


def _majority(levels: np.ndarray[Any, Any], scheme: Scheme) -> float:
    seen = levels[~np.isnan(levels)]
    if len(seen) == 0:
        return np.nan
    if scheme.kind == "score":
        return float(np.round(seen.mean()))
    values, counts = np.unique(seen, return_counts=True)
    top = values[counts == counts.max()]
    return float(top[0]) if len(top) == 1 else float(np.median(seen))


def _section(
    rows: Sequence[Row],
    raters: list[str],
    truth: list[Label | None] | None,
    majority_col: str | None,
    scheme: Scheme,
) -> dict[str, Any]:
    def level(label: Label | None) -> float:
        value = scheme.value(label)
        return np.nan if value is None else float(scheme.level(value))

    matrix = np.array([[level(row.get(r)) for r in raters] for row in rows], dtype=float)
    out = rater_agreement(matrix, raters, scheme)
    out["missing_labels"] = {r: int(np.isnan(matrix[:, j]).sum()) for j, r in enumerate(raters)}
    majority = np.array([_majority(row, scheme) for row in matrix])
    if majority_col is not None:
        stored = np.array([level(row.get(majority_col)) for row in rows])
        full = ~np.isnan(matrix).any(axis=1)
        out["majority_column"] = {
            "column": majority_col,
            "matches_on_complete_rows": int((stored == majority)[full].sum()),
            "complete_rows": int(full.sum()),
            "matches_on_all_rows": int((stored == majority).sum()),
        }
    if truth is not None:
        t = np.array([level(x) for x in truth])
        out["vs_truth"] = {
            name: _versus(t, matrix[:, j], scheme) for j, name in enumerate([*raters])
        }
        out["vs_truth"]["majority"] = _versus(t, majority, scheme)
    return out


def _versus(
    truth: np.ndarray[Any, Any], pred: np.ndarray[Any, Any], scheme: Scheme
) -> dict[str, Any]:
    ok = ~np.isnan(truth) & ~np.isnan(pred)
    cm = m.confusion(truth[ok].astype(np.int64), pred[ok].astype(np.int64), scheme.levels)
    return {
        "n": int(ok.sum()),
        "accuracy": R(m.accuracy(cm)),
        "kappa": R(m.kappa(cm)),
        "macro_f1": R(m.macro_f1(cm)),
    }


def label_agreement(
    path: Path,
    raters: list[str],
    *,
    truth: str | None = None,
    truth_file: Path | None = None,
    key: str | None = None,
    group_by: Sequence[str] = (),
    majority: str | None = None,
    scheme: SchemeKind | None = None,
) -> dict[str, Any]:
    rows = read_table(path)
    if len(raters) < 2:
        raise BadRequestError("--raters needs two or more columns")
    _need(rows, [*raters, *group_by, *([majority] if majority else [])], str(path))
    truths: list[Label | None] | None = None
    if truth is not None:
        if truth_file is not None:
            if key is None:
                raise BadRequestError("--truth-file needs --key, the column both files share")
            other = read_table(truth_file)
            _need(other, [key, truth], str(truth_file))
            _need(rows, [key], str(path))
            lookup = {str(row[key]): row[truth] for row in other}
            truths = [lookup.get(str(row[key])) for row in rows]
        else:
            _need(rows, [truth], str(path))
            truths = [row[truth] for row in rows]
    labels = [row.get(r) for row in rows for r in raters] + list(truths or [])
    found = detect(labels, scheme)
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[tuple(str(row[c]) for c in group_by)].append(i)

    def section(idx: list[int]) -> dict[str, Any]:
        part = [truths[i] for i in idx] if truths is not None else None
        return _section([rows[i] for i in idx], raters, part, majority, found)

    return {
        "file": str(path),
        "raters": raters,
        "truth": truth,
        "scheme": found.kind,
        "overall": section(list(range(len(rows)))),
        "groups": [
            {"group": dict(zip(group_by, g, strict=True)), **section(idx)}
            for g, idx in sorted(groups.items())
        ]
        if group_by
        else [],
    }
