"""Small inline SVG plots for the HTML report: no scripts, no fonts, no network."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = 12,
    fill: str = "#222",
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> str:
    """Confusion matrix: rows are the human label, columns the grader's; darker is more."""
    k, cell, left, top = len(labels), 74, 200, 64
    width, height = left + k * cell + 20, top + k * cell + 20
    peak = max([max(row) for row in matrix] + [1])
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="confusion matrix">',
        _text(left + k * cell / 2, 16, "grader", weight="bold"),
        _text(14, top + k * cell / 2, "human", weight="bold", anchor="start"),
    ]
    for j, label in enumerate(labels):
        parts.append(_text(left + j * cell + cell / 2, top - 10, label.replace("_", " "), size=11))
    for i, row in enumerate(matrix):
        y = top + i * cell
        parts.append(
            _text(left - 8, y + cell / 2 + 4, labels[i].replace("_", " "), anchor="end", size=11)
        )
        for j, count in enumerate(row):
            shade = count / peak
            colour = f"rgb({int(255 - 200 * shade)},{int(255 - 120 * shade)},{255})"
            stroke = ' stroke="#1a7f37" stroke-width="3"' if i == j else ' stroke="#ccc"'
            parts.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{colour}"{stroke}/>'
            )
            ink = "#fff" if shade > 0.6 else "#222"
            parts.append(
                _text(left + j * cell + cell / 2, y + cell / 2 + 5, str(count), size=15, fill=ink)
            )
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: Sequence[tuple[str, float | None, int]], *, title: str = "") -> str:
    """Horizontal bars on 0-1, one per (label, value, n); values under 0.6 are red."""
    row_h, left, width = 20, 240, 560
    top = 24 if title else 6
    height = top + row_h * len(rows) + 24
    parts = [
        f'<svg width="{left + width + 70}" height="{height}" '
        f'role="img" aria-label="{escape(title or "bar chart")}">',
    ]
    if title:
        parts.append(_text(4, 16, title, anchor="start", weight="bold"))
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * width
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 18}" stroke="#ddd"/>'
        )
        parts.append(_text(x, height - 4, f"{tick:g}", size=10, fill="#666"))
    for n, (label, value, count) in enumerate(rows):
        y = top + n * row_h
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(_text(left - 6, y + 14, short, anchor="end", size=11))
        if value is None:
            parts.append(_text(left + 4, y + 14, "n/a", anchor="start", size=11, fill="#888"))
            continue
        colour = "#2f81f7" if value >= 0.6 else "#cf222e"
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{max(1.0, value * width):.1f}" '
            f'height="{row_h - 6}" fill="{colour}"/>'
        )
        parts.append(
            _text(
                left + value * width + 4,
                y + 14,
                f"{value:.2f} (n={count})",
                anchor="start",
                size=10,
                fill="#444",
            )
        )
    parts.append("</svg>")
    return "".join(parts)
