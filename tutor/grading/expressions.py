"""Keys that are a formula: an algebraic expression ("2x + 6") or a complexity ("O(log n)").

The models read "2x + 3" and "2x + 6", or "O(n)" and "O(log n)", as near-identical strings of
tokens: against the key "2x + 6" to "Simplify 2(x + 3).", the answer "2x + 3" was graded
`correct` 0.82, and "O(n)" for binary search's "O(log n)" 0.92. Here a key that is nothing but
an expression is compared by value: the answer's expressions are evaluated at a few points
and must agree with the key's everywhere ("6 + 2x" and "2(x+3)" do); a complexity must be the
key's, written any way ("O(logn)", "O(log(n))"). Plain Python: the expression is parsed with
:mod:`ast` and evaluated over numbers alone (no names but one-letter variables, no calls).
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from functools import lru_cache

# The tokens of an expression as learners type it: numbers, one-letter variables, operators,
# brackets and powers; a word of two or more letters (or any other mark) ends one.
_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?)|(?P<word>[a-z]+)|(?P<op>\*\*|[-+*/^\u00d7\u00f7\u2212\u00b7])"
    r"|(?P<open>\()|(?P<close>\))|(?P<power>[\u00b2\u00b3])|(?P<space>\s+)|(?P<other>.)",
    re.IGNORECASE,
)
_PYTHON = {"^": "**", "\u00d7": "*", "\u00f7": "/", "\u2212": "-", "\u00b7": "*",
           "\u00b2": "**2", "\u00b3": "**3"}  # fmt: skip
_POINTS = (0.37, 1.91, -2.53)  # where two expressions are compared: not roots of the usual keys
_TOLERANCE = 1e-9
_COMPLEXITY = re.compile(r"\b[O\u0398\u03a9]\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
_SQUARED = re.compile(r"\^?2\b|\u00b2|squared")


def _runs(text: str) -> list[str]:
    """Python sources of the runs of expression tokens in ``text``: a letter is a variable only
    on its own ("2x", "x + 1", not the "a" of "a cat" next to a word); two terms side by side
    multiply only when nothing stands between them ("2x", "2(x + 3)", "(x + 1)(x - 1)"), so
    "12 m" or "a x" is no expression."""
    runs: list[str] = []
    current: list[str] = []
    last = ""  # kind of the last token of the run: "term" (number, variable, ")"), "op", "("
    spaced = False

    def close() -> None:
        if current:
            runs.append("".join(current))
        current.clear()

    for m in _TOKEN.finditer(text):
        kind, value = m.lastgroup or "other", m.group()
        if kind == "space":
            spaced = True
            continue
        if kind == "word" and len(value) == 1:
            kind = "variable"
        if kind in ("word", "other"):
            close()
            last, spaced = "", False
            continue
        starts_term = kind in ("number", "variable", "open")
        if kind == "number" and last == "term" and not spaced:  # "H2O", "x2": no product
            current.clear()
            last = ""
            continue
        if starts_term and last == "term":
            if spaced:  # "12 m": two terms with nothing between
                close()
            else:
                current.append("*")
        if kind == "power" and last != "term":
            close()
            last, spaced = "", False
            continue
        current.append(_PYTHON.get(value, value.lower()))
        last = "term" if kind in ("number", "variable", "close", "power") else kind
        spaced = False
    close()
    return runs


class _Unsafe(Exception):
    pass


def _evaluate(node: ast.AST, point: dict[str, float]) -> float:
    """The value of a parsed expression of numbers, variables and + - * / ** alone."""
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, point)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in point:
        return point[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, point)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, point), _evaluate(node.right, point)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div) and right != 0:
            return left / right
        if isinstance(node.op, ast.Pow) and abs(right) <= 10:
            return float(left**right)
    raise _Unsafe


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its variables and its values at :data:`_POINTS`."""

    values: tuple[float, ...]
    variables: frozenset[str]

    def same_as(self, other: Expression) -> bool:
        return self.variables == other.variables and all(
            math.isclose(a, b, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)
            for a, b in zip(self.values, other.values, strict=True)
        )


@lru_cache(maxsize=1024)
def parse(source: str) -> Expression | None:
    """A Python source of :func:`_runs` as an expression, when it holds an operator."""
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError):
        return None
    if not any(isinstance(n, ast.BinOp | ast.UnaryOp) for n in ast.walk(tree)):
        return None  # a bare number or letter is no expression (a figure is the figure check's)
    variables = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    values = []
    for shift in _POINTS:
        point = {v: shift + k for k, v in enumerate(sorted(variables))}
        try:
            values.append(_evaluate(tree, point))
        except (_Unsafe, OverflowError, ZeroDivisionError):
            return None
    return Expression(tuple(values), variables)


def key_expression(reference: str) -> Expression | None:
    """The key's expression when the key is nothing but one with a variable ("2x + 6", "y =
    3x - 1"; a final full stop allowed), else None."""
    body = re.sub(r"^\s*[a-z]\s*=\s*", "", reference.strip().rstrip("."), flags=re.IGNORECASE)
    runs = _runs(body)
    if len(runs) != 1 or re.search(r"[a-z]{2,}", body, re.IGNORECASE):
        return None
    found = parse(runs[0])
    return found if found is not None and found.variables else None


def expressions(text: str) -> list[Expression]:
    """The expressions ``text`` states (a statement "y = 3x - 1" gives its right side)."""
    return [e for side in text.split("=") for run in _runs(side) if (e := parse(run)) is not None]


def gives_expression(answer: str, reference: str) -> bool | None:
    """For a key that is an expression: True when the answer states one equal to it, False
    when it states expressions and none is, None otherwise (no such key, or no expression in
    the answer)."""
    key = key_expression(reference)
    if key is None:
        return None
    stated = expressions(answer)
    if not stated:
        return None
    return any(e.same_as(key) for e in stated)


def _complexity(inner: str) -> str:
    """A complexity's argument, written one way: "log(n)", "log n" and "lg n" are "logn";
    "n^2", "n²" and "n squared" are "n2"; spaces and "*" go."""
    text = _SQUARED.sub("2", inner.lower())
    text = re.sub(r"\blg\b", "log", text)
    return re.sub(r"[\s*()]", "", text)


def complexities(text: str) -> set[str]:
    return {_complexity(m.group(1)) for m in _COMPLEXITY.finditer(text)}


def other_complexity(answer: str, reference: str) -> bool:
    """The key states a complexity ("O(log n)") and the answer states others, never the
    key's ("O(n)")."""
    key = complexities(reference)
    if not key:
        return False
    said = complexities(answer)
    return bool(said) and not key & said
