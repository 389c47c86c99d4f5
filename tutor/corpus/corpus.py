"""A whole corpus: every lesson in a directory, checked together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tutor.corpus.loader import LoadResult, Problem, lesson_files, load_lesson_file, parse_lesson
from tutor.corpus.models import Concept, Item, Lesson, Passage
from tutor.errors import CorpusError, NotFoundError


@dataclass
class Corpus:
    """Lessons keyed by id, with lookups for items, passages and concepts."""

    lessons: dict[str, Lesson] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def items(self) -> list[tuple[Lesson, Item]]:
        return [(lesson, item) for lesson in self.lessons.values() for item in lesson.items]

    def passages(self) -> list[tuple[Lesson, Passage]]:
        return [(lesson, p) for lesson in self.lessons.values() for p in lesson.passages]

    def concepts(self) -> dict[str, Concept]:
        return {c.id: c for lesson in self.lessons.values() for c in lesson.concepts}

    def lesson(self, lesson_id: str) -> Lesson:
        try:
            return self.lessons[lesson_id]
        except KeyError:
            raise NotFoundError(f"no lesson {lesson_id!r}") from None

    def item(self, item_id: str) -> tuple[Lesson, Item]:
        for lesson, item in self.items():
            if item.id == item_id:
                return lesson, item
        raise NotFoundError(f"no item {item_id!r}")


@dataclass(frozen=True)
class CheckReport:
    corpus: Corpus
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def check_corpus(directory: Path, overlay: Mapping[Path, str] | None = None) -> CheckReport:
    """Load every lesson file and report all problems, file by file and across files.

    ``overlay`` maps paths in ``directory`` to the text they would have: a lesson about to be
    written is checked together with the corpus before the file exists.
    """
    corpus = Corpus()
    problems: list[Problem] = []
    overlay = overlay or {}
    if not directory.is_dir():
        return CheckReport(corpus, [Problem(str(directory), None, "", "no such directory")])
    files = sorted({*lesson_files(directory), *overlay})
    if not files:
        problems.append(Problem(str(directory), None, "", "no lesson files (*.yaml) found"))
    item_owner: dict[str, str] = {}
    loaded: dict[str, LoadResult] = {}
    for path in files:
        result = (
            parse_lesson(overlay[path], str(path)) if path in overlay else load_lesson_file(path)
        )
        problems.extend(result.problems)
        lesson = result.lesson
        if lesson is None:
            continue
        if lesson.id in corpus.lessons:
            other = corpus.files[lesson.id]
            problems.append(
                Problem(str(path), 1, "id", f"lesson id {lesson.id!r} is also used by {other}")
            )
            continue
        corpus.lessons[lesson.id] = lesson
        corpus.files[lesson.id] = path
        loaded[lesson.id] = result
        if path.stem != lesson.id:
            problems.append(
                Problem(
                    str(path),
                    1,
                    "id",
                    f"lesson id {lesson.id!r} differs from the file name; "
                    f"name the file {lesson.id}.yaml",
                    "warning",
                )
            )
        for n, item in enumerate(lesson.items):
            if item.id in item_owner:
                problems.append(
                    Problem(
                        str(path),
                        result.line_of("items", n, "id"),
                        f"items.{n}.id",
                        f"item id {item.id!r} is also used in {item_owner[item.id]}",
                    )
                )
            else:
                item_owner[item.id] = _where(path, result.line_of("items", n, "id"))
            problems.extend(_completeness(str(path), n, item))
    problems.extend(_prerequisite_problems(corpus, loaded))
    return CheckReport(corpus, problems)


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def load_corpus(directory: Path) -> Corpus:
    """The corpus, or a ``CorpusError`` listing every error."""
    report = check_corpus(directory)
    if report.errors:
        listing = "\n".join(str(p) for p in report.errors[:20])
        raise CorpusError(f"{len(report.errors)} problem(s) in {directory}:\n{listing}")
    return report.corpus


def _completeness(file: str, n: int, item: Item) -> list[Problem]:
    missing = [
        name
        for name, value in [
            ("solution_steps", item.solution_steps),
            ("hints", item.hints),
            ("common_mistakes", item.common_mistakes),
        ]
        if not value
    ]
    return [
        Problem(file, None, f"items.{n}.{name}", f"item {item.id!r} has no {name}", "warning")
        for name in missing
    ]


def _prerequisite_problems(corpus: Corpus, loaded: Mapping[str, LoadResult]) -> list[Problem]:
    problems: list[Problem] = []
    graph: dict[str, set[str]] = {}
    first: dict[str, tuple[Concept, str, str]] = {}
    for lesson in corpus.lessons.values():
        path = corpus.files[lesson.id]
        for n, concept in enumerate(lesson.concepts):
            line = loaded[lesson.id].line_of("concepts", n)
            seen = first.setdefault(concept.id, (concept, lesson.id, _where(path, line)))
            if seen[0] != concept:
                problems.append(
                    Problem(
                        str(path),
                        line,
                        f"concepts.{n}",
                        f"concept {concept.id!r} is declared differently in "
                        f"lesson {seen[1]!r} ({seen[2]}); copies of a shared concept must "
                        "be identical",
                    )
                )
            graph.setdefault(concept.id, set()).update(concept.prerequisites)
            unknown = sorted(set(concept.prerequisites) - set(corpus.concepts()))
            if unknown:
                problems.append(
                    Problem(
                        str(path),
                        loaded[lesson.id].line_of("concepts", n, "prerequisites"),
                        f"concepts.{n}.prerequisites",
                        f"concept {concept.id!r} needs unknown concepts {unknown}",
                    )
                )
    cycle = _find_cycle(graph)
    if cycle:
        problems.append(
            Problem(
                "<corpus>",
                None,
                "prerequisites",
                "prerequisites form a cycle: " + " -> ".join(cycle),
            )
        )
    return problems


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None
