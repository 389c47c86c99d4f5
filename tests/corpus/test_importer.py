"""Importing lesson pages: the seed page, pages of other shapes, and pages that cannot be read."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.corpus import Difficulty, ItemType, Lesson, Section, check_corpus, dump_lesson
from tutor.corpus.importer import (
    PageFormatError,
    derive_concepts,
    parse_page,
    parse_page_file,
    slugify,
)
from tutor.errors import CorpusError

SEED = Path(__file__).resolve().parents[3] / "shared/seeds/lesson-page-finetune-vs-prompt.txt"
PAGES = Path(__file__).parent / "pages"
ALL_SECTIONS = [
    Section.BIG_IDEA,
    Section.SCENARIO,
    Section.PROBLEM,
    Section.SOLUTION,
    Section.BEFORE_AFTER,
    Section.WHAT_IT_ENABLES,
    Section.REAL_EXAMPLE,
    Section.KEY_TAKEAWAYS,
]
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-\d{2}$")


@pytest.fixture
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"seed page {SEED} is not available")
    return SEED.read_text(encoding="utf-8")


def page(name: str) -> str:
    return (PAGES / name).read_bytes().decode("utf-8")


def assert_round_trips(lesson: Lesson, directory: Path) -> None:
    """Written as YAML, the lesson passes the corpus check and reloads unchanged."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{lesson.id}.yaml").write_text(dump_lesson(lesson), encoding="utf-8")
    report = check_corpus(directory)
    assert report.errors == []
    assert report.corpus.lessons[lesson.id] == lesson


def texts(lesson: Lesson) -> str:
    return dump_lesson(lesson)


# The seed page ----------------------------------------------------------------------------------


def test_seed_page_gives_title_topic_concepts_and_all_sections(seed_text: str) -> None:
    lesson = parse_page(seed_text, "seed.txt")
    assert lesson.id == "when-to-fine-tune-vs-prompt-engineer"
    assert lesson.title == "When to fine-tune vs prompt engineer"
    assert lesson.topic == "Prompt Engineering / GenAI"
    assert [c.id for c in lesson.concepts] == ["fine-tuning", "prompt-engineering"]
    assert [p.section for p in lesson.passages] == ALL_SECTIONS
    by_section = {p.section: p for p in lesson.passages}
    assert by_section[Section.BIG_IDEA].text.startswith("Discover when to teach your AI")
    assert lesson.summary == by_section[Section.BIG_IDEA].text
    assert by_section[Section.BEFORE_AFTER].text == (
        "Before: Write a full explanation for each question every time.\n"
        "After: Use a short, clear prompt or update the assistant's knowledge once."
    )
    assert by_section[Section.KEY_TAKEAWAYS].text.splitlines() == [
        "- Manual instructions are slow and error-prone.",
        "- Fine-tuning changes the AI's knowledge for deep customization.",
        "- Prompt engineering crafts smart questions for quick, clear answers.",
    ]
    assert all(p.concepts == ["fine-tuning", "prompt-engineering"] for p in lesson.passages)
    for junk in ("Choose your learning style", "Raised Fist", "Bird", "Recommended", "(1/5)"):
        assert junk not in texts(lesson)


def test_seed_page_gives_five_complete_items(seed_text: str) -> None:
    items = parse_page(seed_text).items
    assert [i.difficulty.value for i in items] == ["easy", "easy", "medium", "medium", "hard"]
    assert [i.answer_key for i in items] == ["C", "A", "D", "A", "B"]
    assert items[0].answer == (
        "Fine-tuning changes the model's knowledge, while prompt "
        "engineering changes how you ask questions."
    )
    assert items[4].answer == "Use prompt engineering to add product info in the questions."
    assert len({i.id for i in items}) == 5
    for item in items:
        assert ID.match(item.id)
        assert item.type is ItemType.MULTIPLE_CHOICE
        assert [o.key for o in item.options] == ["A", "B", "C", "D"]
        assert item.correct_option is not None and item.answer == item.correct_option.text
        assert item.concepts == ["fine-tuning", "prompt-engineering"]
        assert len(item.solution_steps) >= 2
        assert item.solution_steps[-1].title == "Quick check"
        assert "[OK]" not in item.solution_steps[-1].text
        assert len(item.hints) == 1 and "[OK]" not in item.hints[0]
        assert len(item.common_mistakes) == 3
    assert items[0].solution_steps[0].title == "Understand fine-tuning"
    assert items[0].solution_steps[0].text.startswith("Fine-tuning means adjusting")
    assert items[0].hints == ["Fine-tune = model change; prompt engineer = question change"]


def test_seed_page_round_trips_through_yaml(seed_text: str, tmp_path: Path) -> None:
    lesson = parse_page(seed_text)
    assert_round_trips(lesson, tmp_path / "corpus")
    assert check_corpus(tmp_path / "corpus").problems == []  # no warnings either


def test_lesson_id_can_be_given(seed_text: str) -> None:
    lesson = parse_page(seed_text, lesson_id="finetune-vs-prompt")
    assert lesson.id == "finetune-vs-prompt"
    assert [i.id for i in lesson.items][:2] == ["finetune-prompt-01", "finetune-prompt-02"]
    with pytest.raises(CorpusError, match="not a slug"):
        parse_page(seed_text, lesson_id="Not A Slug")


@pytest.mark.parametrize(
    "reshape",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(
            lambda t: t.replace("\n\n", "\n\n\n\n").replace("\n", "  \n"), id="blank-lines"
        ),
        pytest.param(lambda t: t.replace("\n    ", "\n\t\t").replace("\n  ", "\n\t"), id="tabs"),
        pytest.param(lambda t: re.sub(r"(?m)^(\d)\. ", r"\1) ", t), id="numbered-with-paren"),
        pytest.param(lambda t: re.sub(r"(?m)^([A-D])\. ", r"(\1) ", t), id="options-in-parens"),
        pytest.param(lambda t: re.sub(r"(?m)^ +", "", t), id="no-indentation"),
        pytest.param(lambda t: t.replace("\nPractice\n", "\n"), id="no-practice-heading"),
        pytest.param(lambda t: t.replace("\nSolution\n", "\n"), id="no-solution-headings"),
        pytest.param(lambda t: t[t.index("When to fine-tune") :], id="no-header-junk"),
    ],
)
def test_seed_page_layout_variations_give_the_same_lesson(
    seed_text: str, reshape: Callable[[str], str]
) -> None:
    assert parse_page(reshape(seed_text)) == parse_page(seed_text)


# Pages of other shapes --------------------------------------------------------------------------


def test_crlf_page_with_seven_three_option_items(tmp_path: Path) -> None:
    text = page("sql-index-scans.txt")
    if "\r\n" not in text:  # a checkout may have normalised line endings; the test needs CRLF
        text = text.replace("\n", "\r\n")
    lesson = parse_page(text, "sql-index-scans.txt")
    assert lesson.title == "Index scans vs full table scans"
    assert lesson.topic == "SQL Databases"
    assert [c.id for c in lesson.concepts] == ["index-scans", "full-table-scans"]
    assert [p.section for p in lesson.passages] == ALL_SECTIONS
    solution = next(p for p in lesson.passages if p.section is Section.SOLUTION)
    assert solution.text.splitlines()[1] == (
        "For queries that touch most of the table, a full scan is still cheaper."
    )
    before_after = next(p for p in lesson.passages if p.section is Section.BEFORE_AFTER)
    assert before_after.text.startswith("Before: Every lookup reads fifty million rows.\nAfter:")
    items = lesson.items
    assert len(items) == 7
    assert all([o.key for o in i.options] == ["A", "B", "C"] for i in items)
    assert [i.answer_key for i in items] == ["A", "B", "B", "B", "C", "A", "A"]
    assert [i.difficulty for i in items] == [
        Difficulty.EASY,
        Difficulty.MEDIUM,
        Difficulty.EASY,
        Difficulty.MEDIUM,
        Difficulty.MEDIUM,
        Difficulty.HARD,
        Difficulty.HARD,
    ]
    assert items[0].id == "index-scans-full-table-scans-01"
    # the final-answer wording differs from option B: the option is the answer, the wording a step
    assert items[1].answer == "A full table scan."
    assert items[1].solution_steps[-1].title == "Final answer"
    assert items[1].solution_steps[-1].text == "The full table scan reads the pages in order once"
    assert items[0].solution_steps[0].text == (
        "An index keeps column values in sorted order with pointers to rows."
    )
    assert items[3].stem == (
        "Given this query, which plan will the planner most likely choose?\n"
        "SELECT * FROM orders WHERE id = 42;"
    )
    assert items[1].common_mistakes == [
        "Assuming an index always helps",
        "Forgetting that the planner estimates row counts",
    ]
    assert "\r" not in texts(lesson)
    assert_round_trips(lesson, tmp_path / "corpus")


def test_sparse_page_without_practice_heading_hints_or_options(tmp_path: Path) -> None:
    lesson = parse_page_file(PAGES / "python-lists-tuples.txt")
    assert (lesson.id, lesson.title, lesson.topic) == (
        "lists-and-tuples",
        "Lists and tuples",
        "Python",
    )
    assert [c.id for c in lesson.concepts] == ["lists", "tuples"]
    assert [p.section for p in lesson.passages] == [Section.BIG_IDEA, Section.KEY_TAKEAWAYS]
    assert lesson.passages[1].text == (
        "- Use a list when items are added or removed.\n"
        "- Use a tuple for fixed records and dictionary keys."
    )
    first, free, code = lesson.items
    assert [o.key for o in first.options] == ["A", "B"] and first.answer == "items.append(x)"
    assert first.hints == [] and first.common_mistakes == []
    assert [s.title for s in first.solution_steps] == ["Recall the list methods"]

    assert free.type is ItemType.FREE_TEXT
    assert free.options == [] and free.answer_key is None
    assert free.answer == "A tuple, because it is immutable and therefore hashable."
    assert [s.title for s in free.solution_steps] == ["Recall what keys need", "Quick check"]
    assert free.solution_steps[1].text == "hash((1, 2)) works while hash([1, 2]) raises TypeError"
    assert free.hints == ["What happens to a key whose value changes after insertion?"]
    assert len(free.common_mistakes) == 2

    assert code.difficulty is Difficulty.HARD
    assert code.stem == "What does this print?\npoint = (3, 4)\nprint(len(point))"
    assert (code.answer_key, code.answer) == ("A", "2")
    assert code.solution_steps == []
    assert code.hints == ["len counts elements", "A tuple of two numbers has two elements"]
    assert code.common_mistakes == [
        "Adding the numbers instead of counting them",
        "Expecting tuples to have no length",
    ]
    assert_round_trips(lesson, tmp_path / "corpus")
    warnings = {p.field for p in check_corpus(tmp_path / "corpus").warnings}
    assert warnings == {"items.0.hints", "items.0.common_mistakes", "items.2.solution_steps"}


def test_page_with_extra_sections_and_five_options(tmp_path: Path) -> None:
    lesson = parse_page(page("rest-vs-graphql.txt"), "rest-vs-graphql.txt")
    assert (lesson.title, lesson.topic) == ("REST vs GraphQL", "Web APIs")
    assert [(c.id, c.name) for c in lesson.concepts] == [("rest", "REST"), ("graphql", "GraphQL")]
    assert [p.slug for p in lesson.passages] == [
        "big-idea",
        "scenario",
        "problem",
        "solution",
        "how-it-works",
        "before-after",
        "what-it-enables",
        "real-example",
        "common-pitfalls",
        "key-takeaways",
    ]
    extra = {p.id: p for p in lesson.passages if p.section is Section.EXPLANATION}
    assert extra["how-it-works"].title == "How It Works"
    assert extra["common-pitfalls"].text.startswith("Unbounded nested queries")
    inline = next(p for p in lesson.passages if p.section is Section.BEFORE_AFTER)
    assert inline.text == (
        "Before: Three requests and a large JSON payload per screen.\n"
        "After: One query that returns only the fields on the screen."
    )
    items = lesson.items
    assert [i.difficulty.value for i in items] == ["easy", "medium", "hard", "hard"]
    assert [o.key for o in items[0].options] == ["A", "B", "C", "D", "E"]
    assert (items[0].answer_key, items[0].answer) == ("B", "GraphQL")
    assert [s.title for s in items[1].solution_steps] == ["Think about URLs", "Quick check"]
    assert items[3].type is ItemType.FREE_TEXT
    assert items[3].answer == "Limit query depth and cost, and time out slow resolvers."
    assert_round_trips(lesson, tmp_path / "corpus")


def test_all_pages_import_together_without_clashing_ids(seed_text: str, tmp_path: Path) -> None:
    lessons = [parse_page(seed_text)] + [parse_page_file(p) for p in sorted(PAGES.glob("*.txt"))]
    for lesson in lessons:
        (tmp_path / f"{lesson.id}.yaml").write_text(dump_lesson(lesson), encoding="utf-8")
    report = check_corpus(tmp_path)
    assert report.errors == []
    assert len(report.corpus.lessons) == len(lessons) == 4


# Concepts from titles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("When to fine-tune vs prompt engineer", ["fine-tuning", "prompt-engineering"]),
        ("REST vs GraphQL", ["rest", "graphql"]),
        ("When to use RAG versus fine-tuning", ["rag", "fine-tuning"]),
        ("How to cache and when to recompute", ["caching", "recomputing"]),
        ("When to normalize vs denormalize data", ["normalizing", "denormalizing-data"]),
        ("When to split or plan", ["splitting", "planning"]),
        ("A vs B vs C vs D", ["a", "b", "c"]),
        ("Prompt chaining", ["prompt-chaining"]),
    ],
)
def test_concepts_come_from_the_title(title: str, expected: list[str]) -> None:
    assert [c.id for c in derive_concepts(title, slugify(title))] == expected


# Pages that cannot be read ----------------------------------------------------------------------

HEAD = "Caching in Backend - When to Use Which\n\nThe Big Idea\n\nCache slow work.\n\nPractice\n"
ITEM = """\
1. Which result is worth caching?
easy
A. A slow report
B. A random number
Solution
  1. Step 1: Think about cost
    Caching pays off when the work is slow and the result repeats.
  2. Final Answer:
    A slow report -> Option A
Hint: Slow and repeated [OK]
Common Mistakes:
  • Caching everything
"""


def test_the_minimal_page_used_below_is_valid() -> None:
    lesson = parse_page(HEAD + ITEM)
    assert (lesson.title, lesson.topic, len(lesson.items)) == ("Caching", "Backend", 1)


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        pytest.param("", 1, "found neither", id="empty"),
        pytest.param(
            "Bird\nsome words\nmore words\n", 3, "section heading", id="no-sections-no-items"
        ),
        pytest.param(
            "The Big Idea\n\nCache slow work.\n", 1, "expected a title line", id="no-title"
        ),
        pytest.param("Bird\nRecommended\nThe Big Idea\nText.\n", 3, "title line", id="only-junk"),
        pytest.param("Caching tips\n\nThe Big Idea\n\nText.\n", 1, "name its topic", id="no-topic"),
        pytest.param(
            "Caching in Backend\n\nPractice\n" + ITEM,
            3,
            "at least one concept section",
            id="items-but-no-sections",
        ),
        pytest.param(
            HEAD + "A. A slow report\n",
            8,
            "item 1 has option 'A' but no stem before it",
            id="option-before-stem",
        ),
        pytest.param(
            HEAD + ITEM + "\nB. A random number\n",
            21,
            "item 2 has option 'B' but no stem before it",
            id="option-after-item",
        ),
        pytest.param(
            HEAD + ITEM.replace("Option A", "Option E"),
            16,
            "final answer is option 'E', expected one of the options A, B",
            id="answer-not-an-option",
        ),
        pytest.param(
            HEAD + ITEM.replace("A slow report -> Option A", "Something else"),
            16,
            "final answer is 'Something else'",
            id="answer-names-no-option",
        ),
        pytest.param(
            HEAD + ITEM.replace("easy", "tricky"),
            9,
            "expected a difficulty (easy, medium or hard), got 'tricky'",
            id="unknown-difficulty",
        ),
        pytest.param(
            HEAD + ITEM.replace("easy\n", ""),
            9,
            "expected a difficulty line",
            id="missing-difficulty",
        ),
        pytest.param(
            HEAD + "1. First stem?\n2. Second stem?\neasy\n",
            8,
            "item 1: expected a difficulty line",
            id="difficulty-missing-before-next-item",
        ),
        pytest.param(
            HEAD + ITEM.replace("  2. Final Answer:\n    A slow report -> Option A\n", ""),
            8,
            "item 1 has no final answer",
            id="no-final-answer",
        ),
        pytest.param(
            HEAD + ITEM.replace("B. A random number\n", ""), 8, "only one option", id="one-option"
        ),
        pytest.param(
            HEAD + ITEM.replace("B. A random", "A. A random"),
            11,
            "repeats option 'A'",
            id="repeated-option",
        ),
        pytest.param(
            HEAD + ITEM.replace("A. A slow report\nB. A random number\n", ""),
            14,
            "names option 'A' but the item has no options",
            id="free-text-names-option",
        ),
        pytest.param(
            HEAD + "1. Question?\neasy\nThis line is neither an option nor a heading\n",
            10,
            "expected options (A. ...)",
            id="stray-text-after-difficulty",
        ),
        pytest.param(
            HEAD + ITEM + "Related Patterns\n",
            20,
            "item 1: expected a bullet under 'Common Mistakes:'",
            id="text-after-mistakes",
        ),
    ],
)
def test_malformed_pages_name_the_line(text: str, line: int, expected: str) -> None:
    with pytest.raises(PageFormatError) as caught:
        parse_page(text, "page.txt")
    error = caught.value
    assert error.line == line
    assert str(error).startswith(f"page.txt:{line}: ")
    assert expected in str(error)


def test_page_errors_are_corpus_errors_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_text(HEAD + "A. orphan\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        parse_page_file(path)
    assert isinstance(caught.value, PageFormatError)
    assert caught.value.status_code == 422 and caught.value.code == "corpus_invalid"
    assert caught.value.message == "broken.txt:8: item 1 has option 'A' but no stem before it"
