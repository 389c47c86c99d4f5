"""HTML building blocks for the report: inline CSS, escaped tables, titled sections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

LIMIT = 60  # rows per failure table; the JSON files hold them all
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.6rem 0;width:100%}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#59636e}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.answer{white-space:pre-wrap;max-width:560px;font-size:13px}.note{color:#59636e;font-size:13px}
"""


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, answer_cols: int = -1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows[:LIMIT]:
        cells = []
        for i, value in enumerate(row):
            cls = (
                ' class="answer"'
                if i == answer_cols
                else (' class="num"' if isinstance(value, int | float) else "")
            )
            cells.append(f"<td{cls}>{fmt(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        (f'<p class="note">... and {len(rows) - LIMIT} more (all of them are in figures.json).</p>')
        if len(rows) > LIMIT
        else ""
    )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def section(title: str, body: str) -> str:
    return f"<h2>{escape(title)}</h2>{body}" if body else ""


def summary(f: Mapping[str, Any] | None, keys: Sequence[tuple[str, str]]) -> str:
    if not f:
        return ""
    return table(["figure", "value"], [(label, f.get(key)) for key, label in keys])


def page(title: str, body: str, note: str) -> str:
    """A whole self-contained report page: inline CSS, no scripts, no links."""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{CSS}</style></head><body>{body}"
        f'<p class="note">{escape(note)}</p></body></html>\n'
    )
