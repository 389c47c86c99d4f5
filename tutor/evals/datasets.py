"""Reading eval datasets: JSONL, CSV (from spreadsheets, with a column map) or YAML.

Every row names an ``answer`` and a ``label`` (or ``raters``), plus either a ``question``
and its ``reference`` answer(s), or the ``item`` id of a corpus practice item, which fills
in the question, the canonical answer, the common mistakes and the solution steps. YAML files
hold ``cases:`` and may hold ``groups:`` of meaning-preserving rewrites::

    groups:
      - {id: ctx-02-p1, item: ctx-02, label: correct, answers: [..., ...]}

The fields ``tutor grade --batch`` reads (the ASAG names) are read too, with no map:
``student_answer`` is the ``answer``, ``reference_answers_all`` (a list of ``{text: ...}``) or
else ``reference_answer`` the reference(s).

A column map (``--map question=Q,reference=R1+R2,raters=h1+h2+h3``) renames the columns of a CSV
file, the keys of JSONL rows and of YAML cases and groups to these fields; ``+`` joins several
columns into one list.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tutor.corpus import Corpus, Item
from tutor.errors import BadRequestError, NotFoundError
from tutor.evals.cases import EvalCase
from tutor.grading.rubric import written_examples

FIELDS = (
    "id",
    "question_id",
    "item",
    "question",
    "reference",
    "references",
    "answer",
    "label",
    "raters",
    "group",
    "kind",
    "common_mistakes",
    "solution_steps",
    "examples",
)
LISTS = ("references", "reference", "common_mistakes", "solution_steps")


def parse_map(spec: str | None) -> dict[str, list[str]]:
    """``question=Q,reference=R1+R2`` → {"question": ["Q"], "reference": ["R1", "R2"]}."""
    out: dict[str, list[str]] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        field, sep, columns = part.partition("=")
        field = field.strip()
        if not sep or field not in FIELDS or not columns.strip():
            raise BadRequestError(
                f"bad --map entry {part!r}: write field=column[+column] with field one of "
                + ", ".join(FIELDS)
            )
        out[field] = [c.strip() for c in columns.split("+") if c.strip()]
    return out


def load_dataset(
    path: Path,
    *,
    mapping: Mapping[str, list[str]] | None = None,
    corpus: Corpus | Callable[[], Corpus] | None = None,
) -> list[EvalCase]:
    if not path.is_file():
        raise NotFoundError(f"no dataset at {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows: list[dict[str, Any]] = list(csv.DictReader(handle))
    elif suffix == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    elif suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path, (mapping or {}).get("answer", ["answer"])[0])
    else:
        raise BadRequestError(f"{path}: datasets are .jsonl, .csv or .yaml files")
    cases = [_case(_mapped(row, mapping or {}), n, path, corpus) for n, row in enumerate(rows, 1)]
    dupes = sorted({c.id for c in cases if sum(d.id == c.id for d in cases) > 1})
    if dupes:
        raise BadRequestError(f"{path}: case ids repeat: {dupes[:5]}")
    return cases


def _yaml_rows(path: Path, answer_column: str) -> list[dict[str, Any]]:
    """``cases:`` and ``groups:`` of a mapping, or a bare list of cases."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BadRequestError(f"{path}: not valid YAML: {exc}") from None
    if isinstance(data, list):
        data = {"cases": data}
    shape = f"{path}: a YAML dataset is a list of cases, or a mapping with `cases:` and `groups:`"
    if not isinstance(data, dict):
        raise BadRequestError(shape)
    cases, groups = (data.get("cases") or [], data.get("groups") or [])
    if not isinstance(cases, list) or not isinstance(groups, list):
        raise BadRequestError(shape)
    rows = [*cases, *_expand_groups(groups, answer_column)]
    if not all(isinstance(row, dict) for row in rows):
        raise BadRequestError(f"{path}: every case is a mapping of fields (question, answer, ...)")
    return rows


def _expand_groups(
    groups: Sequence[dict[str, Any]], answer: str = "answer"
) -> list[dict[str, Any]]:
    """One row per answer of each group; the answer goes under the (mapped) answer column."""
    rows = []
    for group in groups:
        shared = {k: v for k, v in group.items() if k not in ("id", "answers")}
        for n, text in enumerate(group.get("answers", []), 1):
            rows.append({**shared, "id": f"{group['id']}-{n}", "group": group["id"], answer: text})
    return rows


def _batch_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a ``tutor grade --batch`` row (ASAG names) under this module's names."""
    out: dict[str, Any] = {}
    if "student_answer" in row:
        out["answer"] = row["student_answer"]
    listed = row.get("reference_answers_all")
    texts = [
        str(r["text"])
        for r in (listed if isinstance(listed, list) else [])
        if isinstance(r, Mapping) and str(r.get("text") or "").strip()
    ]
    if texts:
        out["references"] = list(dict.fromkeys(texts))
    elif row.get("reference_answer"):
        out["reference"] = row["reference_answer"]
    return out


def _mapped(row: Mapping[str, Any], mapping: Mapping[str, list[str]]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k in FIELDS and k not in mapping}
    named = {*out, *mapping}
    for field, value in _batch_fields(row).items():
        refs = field in ("reference", "references") and named & {"reference", "references"}
        if field not in named and not refs:
            out[field] = value
    for field, columns in mapping.items():
        missing = [c for c in columns if c not in row]
        if missing:
            raise BadRequestError(
                f"--map {field}: no column {missing[0]!r} (columns: {', '.join(row)})"
            )
        if field == "raters":
            out["raters"] = {c: row[c] for c in columns}
        elif field in LISTS:
            out[field] = [str(row[c]) for c in columns if str(row[c]).strip()]
        else:
            out[field] = row[columns[0]]
    return out


def _case(
    row: dict[str, Any], number: int, path: Path, corpus: Corpus | Callable[[], Corpus] | None
) -> EvalCase:
    where = f"{path}: case {number}"
    item: Item | None = None
    if row.get("item"):
        if corpus is None:
            raise BadRequestError(f"{where} names item {row['item']!r} but no corpus was given")
        _, item = (corpus if isinstance(corpus, Corpus) else corpus()).item(str(row["item"]))
    refs = row.pop("references", None) or row.pop("reference", None)
    row.pop("reference", None)
    refs = [refs] if isinstance(refs, str) else refs
    fields: dict[str, Any] = {
        "id": str(row.get("id") or f"{path.stem}-{number}"),
        "question_id": str(row.get("question_id") or row.get("item") or row.get("question", "")),
        "question": row.get("question") or (item.stem if item else None),
        "references": refs or ([item.answer] if item else None),
        "answer": "" if row.get("answer") is None else str(row["answer"]),
        "common_mistakes": row.get("common_mistakes") or (item.common_mistakes if item else []),
        "solution_steps": row.get("solution_steps")
        or ([s.text for s in item.solution_steps] if item else []),
    }
    if item is not None and item.graded_answers:  # what the service grades the item with
        fields["examples"] = [e.model_dump() for e in written_examples(item)]
    for key in ("label", "raters", "group", "kind", "examples"):
        if row.get(key) not in (None, ""):
            fields[key] = row[key]
    if fields["question"] is None or not fields["references"]:
        raise BadRequestError(
            f"{where} needs a question and reference answer(s) (or reference_answer, as "
            "tutor grade --batch reads), or the item id of a corpus practice item; other "
            "names: map them with --map question=...,reference=..."
        )
    if "label" not in fields and not fields.get("raters"):
        raise BadRequestError(f"{where} has no label and no raters")
    try:
        return EvalCase.model_validate(fields)
    except ValidationError as exc:
        raise BadRequestError(f"{where}: {exc}") from exc
