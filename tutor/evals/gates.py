"""CI gates: a figure must stay on the right side of a limit, or the command exits non-zero.

A gate on a figure that the run did not measure fails too (``--max-flip-rate`` without
``--repeats 2``), so that a gate can never pass by accident.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Gate:
    option: str  # the CLI option, e.g. "--min-kappa"
    path: tuple[str, ...]  # where the figure is in figures.json
    bound: Literal["min", "max"]
    label: str
    hint: str = ""  # how to measure the figure when it is missing


GATES = (
    Gate("--min-kappa", ("agreement", "kappa"), "min", "Cohen's kappa"),
    Gate(
        "--min-weighted-kappa", ("agreement", "weighted_kappa"), "min", "quadratic-weighted kappa"
    ),
    Gate("--min-macro-f1", ("agreement", "macro_f1"), "min", "macro-F1"),
    Gate("--min-accuracy", ("agreement", "accuracy"), "min", "accuracy"),
    Gate(
        "--max-flip-rate",
        ("repeats", "flip_rate"),
        "max",
        "flip rate across repeats",
        "run with --repeats 2 or more",
    ),
    Gate(
        "--max-injection-inflation",
        ("injection", "inflation_rate"),
        "max",
        "injection inflation rate",
        "keep the injection check on",
    ),
    Gate(
        "--max-paraphrase-disagreement",
        ("paraphrase", "disagreement_rate"),
        "max",
        "paraphrase disagreement rate",
        "keep the paraphrase check on",
    ),
    Gate(
        "--max-verbosity-inflation",
        ("verbosity", "inflation_rate"),
        "max",
        "verbosity inflation rate",
        "keep the verbosity check on",
    ),
    Gate(
        "--min-accuracy-without-review",
        ("review", "accuracy_without_review"),
        "min",
        "accuracy of the verdicts given without review",
        "some answers must get a verdict without needs_review",
    ),
    Gate("--max-review-rate", ("review", "review_rate"), "max", "share of answers sent to review"),
)
BY_OPTION = {g.option: g for g in GATES}


@dataclass(frozen=True)
class Outcome:
    gate: Gate
    limit: float
    value: float | None
    passed: bool

    @property
    def line(self) -> str:
        g, op = self.gate, ">=" if self.gate.bound == "min" else "<="
        if self.value is None:
            return f"gate failed: {g.option} {self.limit:g}: {g.label} was not measured" + (
                f" ({g.hint})" if g.hint else ""
            )
        if self.passed:
            return f"gate passed: {g.label} {self.value:.4f} {op} {self.limit:g}"
        gap = abs(self.value - self.limit)
        side = "below the minimum" if g.bound == "min" else "above the maximum"
        return (
            f"gate failed: {g.option} {self.limit:g}: {g.label} is {self.value:.4f}, "
            f"{gap:.4f} {side}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate.option,
            "figure": ".".join(self.gate.path),
            "limit": self.limit,
            "value": self.value,
            "passed": self.passed,
        }


def figure(figures: Mapping[str, Any], path: tuple[str, ...]) -> float | None:
    node: Any = figures
    for key in path:
        if not isinstance(node, Mapping) or node.get(key) is None:
            return None
        node = node[key]
    return float(node) if isinstance(node, int | float) else None


def check(figures: Mapping[str, Any], limits: Mapping[str, float | None]) -> list[Outcome]:
    """One outcome per gate that has a limit (keys are options such as ``--min-kappa``)."""
    out = []
    for option, limit in limits.items():
        if limit is None:
            continue
        gate = BY_OPTION[option]
        value = figure(figures, gate.path)
        ok = value is not None and (value >= limit if gate.bound == "min" else value <= limit)
        out.append(Outcome(gate, limit, value, ok))
    return out


def suggest(figures: Mapping[str, Any], margin: float = 0.03) -> dict[str, float]:
    """Gates a little on the safe side of the measured figures, for CI: minimums ``margin``
    below (rounded down to 0.01), maximums ``margin`` above (rounded up); a flip rate of 0
    stays 0, since a deterministic grader must not start to flip."""
    out: dict[str, float] = {}
    for gate in GATES:
        value = figure(figures, gate.path)
        if value is None:
            continue
        if gate.bound == "min":
            out[gate.option] = max(0.0, math.floor((value - margin) * 100) / 100)
        elif gate.option == "--max-flip-rate" and value == 0:
            out[gate.option] = 0.0
        else:
            out[gate.option] = min(1.0, math.ceil((value + margin) * 100) / 100)
    return out
