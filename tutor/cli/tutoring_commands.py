"""``tutor ask``: the same explanations and sessions as ``/v1/explain`` and ``/v1/sessions``.

A session started here belongs to a learner (``local``, the single-user learner, unless
``--learner`` says otherwise), as one started over HTTP belongs to the key's learner, so the
attempt rules are the same: with ``--item`` it is that practice item's session, where the
learner's attempts at the item are the context of "why?"; elsewhere an attempt counts only when
the learner names or quotes it. An existing session, such as one the practice page opened,
is continued as it is.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

import typer

from tutor.cli.app import app
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.output import console, err_console, fail, print_json
from tutor.config import get_settings
from tutor.store import Database, get_learner
from tutor.store.accounts import LOCAL_ALIAS, resolve_learner_id
from tutor.tutoring import Citation, Tutor

NEW = "new"
_PASSAGE = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
_ID = re.compile(rf"\[({_PASSAGE}(?:\s*[,;]\s*{_PASSAGE})*)\]")


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="Your question (or a follow-up such as 'why?').")],
    session: Annotated[
        str | None,
        typer.Option(help=f"Continue this session; '{NEW}' starts one that follow-ups can use."),
    ] = None,
    lesson: Annotated[
        str | None, typer.Option(help="Prefer this lesson id (for a one-off or new session).")
    ] = None,
    item: Annotated[
        str | None,
        typer.Option(
            help="With --session new: open this practice item's session, where your attempts "
            "at the item are the context of follow-ups (as on the practice page)."
        ),
    ] = None,
    learner: Annotated[
        str | None,
        typer.Option(help="The learner a new session belongs to [default: local]."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ask the tutor; answers cite course passages, numbered [1], [2] ..."""
    if not question.strip():
        fail("the question is empty")
    if session is None and (item is not None or learner is not None):
        fail("--item and --learner are for a session: add --session new")
    tutor = Tutor.from_settings(get_settings())
    try:
        asyncio.run(_ask(tutor, question.strip(), session, lesson, item, learner, as_json))
    finally:
        tutor.database.dispose()


async def _ask(
    tutor: Tutor,
    question: str,
    session: str | None,
    lesson: str | None,
    item: str | None,
    learner: str | None,
    as_json: bool,
) -> None:
    from tutor.api.routes.explain import explain_response
    from tutor.api.routes.sessions import session_public, turn_response

    if session is None:
        reply = await tutor.explain(question, lesson)
        if as_json:
            print_json(explain_response(reply).model_dump(mode="json"))
        else:
            _print(reply.answer, list(reply.citations), reply.engine, reply.prompt)
        return
    if session == NEW:
        owner = await asyncio.to_thread(_learner, tutor.database, learner or LOCAL_ALIAS)
        record = await tutor.create_session(lesson, owner, item)
    else:
        record, _ = await tutor.session(session)
        if lesson is not None and lesson != record.lesson_id:
            fail(f"session {record.id} is on lesson {record.lesson_id!r}; --lesson is for new ones")
        if item is not None and item != record.item_id:
            fail(f"session {record.id} is not item {item!r}'s practice session; --item is for "
                 "new ones")  # fmt: skip
        named = await asyncio.to_thread(_learner, tutor.database, learner) if learner else None
        if named is not None and named != record.learner_id:
            fail(f"session {record.id} is not learner {learner!r}'s; --learner is for new ones")
    turn = await tutor.reply(record.id, question)
    if as_json:
        body = turn_response(turn).model_dump(mode="json")
        print_json({"session": session_public(record).model_dump(mode="json"), **body})
        return
    citations = [Citation(**c) for c in turn.message.citations]
    message = turn.message
    _print(message.content, citations, message.engine or "", message.prompt or "")
    practice = f" (practice item {record.item_id})" if record.item_id else ""
    err_console.print(
        f'session {record.id}{practice}: continue with tutor ask "why?" --session {record.id}'
    )


def _learner(database: Database, learner: str) -> str:
    """The learner's id (``local``: the single-user learner); a NotFoundError if unknown."""
    learner_id = resolve_learner_id(database, learner)
    get_learner(database, learner_id)
    return learner_id


def _print(text: str, citations: list[Citation], engine: str, prompt: str) -> None:
    numbers = {c.passage_id: n for n, c in enumerate(citations, start=1)}

    def renumber(match: re.Match[str]) -> str:
        ids = [i.strip() for i in re.split(r"[,;]", match.group(1))]
        return "".join(f"[{numbers[i]}]" for i in ids if i in numbers)

    console.print(_ID.sub(renumber, text), highlight=False, markup=False)
    if citations:
        console.print()
        for n, c in enumerate(citations, start=1):
            console.print(
                f"[{n}] {c.lesson_title} - {c.title or c.section} ({c.passage_id})",
                highlight=False,
                markup=False,
            )
    err_console.print(f"engine {engine}, prompt {prompt}", style="dim")
