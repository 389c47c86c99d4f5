"""Lessons: the file format, loading with precise errors, and importing lesson pages."""

from tutor.corpus.corpus import CheckReport, Corpus, check_corpus, load_corpus
from tutor.corpus.importer import PageFormatError, parse_page, parse_page_file
from tutor.corpus.loader import Problem, load_lesson_file, parse_lesson
from tutor.corpus.models import (
    Concept,
    Difficulty,
    GradedAnswer,
    Item,
    ItemType,
    Lesson,
    Passage,
    Section,
)
from tutor.corpus.writer import dump_lesson

__all__ = [
    "CheckReport",
    "Concept",
    "Corpus",
    "Difficulty",
    "GradedAnswer",
    "Item",
    "ItemType",
    "Lesson",
    "PageFormatError",
    "Passage",
    "Problem",
    "Section",
    "check_corpus",
    "dump_lesson",
    "load_corpus",
    "load_lesson_file",
    "parse_lesson",
    "parse_page",
    "parse_page_file",
]
