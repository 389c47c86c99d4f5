"""Browsing lessons, passages and practice items."""

from __future__ import annotations

from fastapi import APIRouter

from tutor.api.deps import CorpusDep
from tutor.api.openapi import error_responses
from tutor.api.schemas import ItemPublic, LessonDetail, LessonSummary, OptionPublic, PassagePublic
from tutor.corpus import Item, Lesson

router = APIRouter(prefix="/v1", tags=["lessons"])


def _summary(lesson: Lesson) -> LessonSummary:
    return LessonSummary(
        id=lesson.id,
        title=lesson.title,
        topic=lesson.topic,
        summary=lesson.summary,
        concepts=[c.id for c in lesson.concepts],
        items=len(lesson.items),
    )


def item_public(lesson: Lesson, item: Item) -> ItemPublic:
    return ItemPublic(
        id=item.id,
        lesson_id=lesson.id,
        concepts=list(item.concepts),
        difficulty=item.difficulty.value,
        type=item.type.value,
        stem=item.stem,
        options=[OptionPublic(key=o.key, text=o.text) for o in item.options],
    )


@router.get("/lessons")
def list_lessons(corpus: CorpusDep) -> list[LessonSummary]:
    return [_summary(lesson) for lesson in corpus.lessons.values()]


@router.get("/lessons/{lesson_id}", responses=error_responses(404))
def get_lesson(lesson_id: str, corpus: CorpusDep) -> LessonDetail:
    lesson = corpus.lesson(lesson_id)
    return LessonDetail(
        **_summary(lesson).model_dump(),
        passages=[
            PassagePublic(
                id=lesson.passage_id(p),
                section=p.section.value,
                title=p.title,
                concepts=list(p.concepts),
                text=p.text,
            )
            for p in lesson.passages
        ],
        practice=[item_public(lesson, item) for item in lesson.items],
    )


@router.get("/items/{item_id}", responses=error_responses(404))
def get_item(item_id: str, corpus: CorpusDep) -> ItemPublic:
    return item_public(*corpus.item(item_id))
