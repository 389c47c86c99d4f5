"""Published variants as practice: they join their parent's lesson, right after the parent.

The lesson files stay as they are; a running service lays the published variants over the
corpus it loaded (:class:`PracticeCorpus`), so the next-item policy, quizzes, hints and grading
all see them, and a variant published from the CLI or another replica shows up without a
restart (:meth:`tutor.api.services.Services.refresh`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import ValidationError

from tutor.corpus import Corpus, Item, Lesson
from tutor.store import Database, VariantRecord, VariantStatus, list_variants


def with_variants(lessons: dict[str, Lesson], variants: list[VariantRecord]) -> dict[str, Lesson]:
    """``lessons`` with each published variant inserted after its parent item (variants whose
    parent is gone, that no longer validate, or whose id is taken are left out)."""
    taken = {item.id for lesson in lessons.values() for item in lesson.items}
    children: dict[str, list[Item]] = defaultdict(list)
    for record in variants:
        try:
            item = Item.model_validate(record.item)
        except ValidationError:
            continue
        if item.id not in taken:
            taken.add(item.id)
            children[record.parent_item_id].append(item)
    merged = {}
    for lesson_id, lesson in lessons.items():
        if not any(item.id in children for item in lesson.items):
            merged[lesson_id] = lesson
            continue
        items = [x for item in lesson.items for x in (item, *children.get(item.id, ()))]
        merged[lesson_id] = lesson.model_copy(update={"items": items})
    return merged


@dataclass
class PracticeCorpus:
    """Keeps ``corpus.lessons`` equal to the lesson files plus the published variants.

    The corpus object is updated in place (its ``lessons`` rebound in one step), so everything
    that holds it sees the change; :meth:`sync` returns whether anything changed.
    """

    corpus: Corpus
    database: Database
    _files: dict[str, Lesson] = field(init=False)
    _published: tuple[str, ...] = field(init=False, default=())
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._files = dict(self.corpus.lessons)

    def sync(self) -> bool:
        """Lay the published variants over the lesson files again (one query); whether
        anything changed. A service calls it when the ``variants`` generation moved."""
        with self._lock:
            published = list_variants(self.database, status=VariantStatus.PUBLISHED)
            ids = tuple(record.id for record in published)
            if ids == self._published:
                return False
            self.corpus.lessons = with_variants(self._files, published)
            self._published = ids
            return True


def practice_corpus(corpus: Corpus, database: Database) -> Corpus:
    """``corpus`` with the published variants laid over it (for one-off commands)."""
    PracticeCorpus(corpus, database).sync()
    return corpus
