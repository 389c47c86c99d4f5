"""Follow-ups in dialogues: the right passage, and no stray attempt (``tutor eval dialogue``).

    dialogues = load_dialogues(Path("evals/dialogues"), corpus)
    results = await run_dialogues(dialogues, tutor)
    figures(results)["follow_ups"]["hit_at_3"], figures(results)["attempts"]["wrong_rate"]

Each dialogue is played turn by turn through the tutoring service (:meth:`Tutor.start_turn`,
the replies stored as in a real session, so later turns see them) by a new learner who has
just made a practice attempt: the dialogue's own, or a background attempt on another item. A
learner turn labelled with ``answers`` (passage ids) is a follow-up, scored by where those
passages rank in what was retrieved for it (hit@1, hit@3, MRR). Every turn says whether the
attempt must be in its context (``attempt: true``) or must not (the default): the wrong
attempt context rate is the share of must-not turns that pulled the attempt in.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.table import Table

from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.errors import BadRequestError, NotFoundError
from tutor.evals.gates import Gate, Outcome, figure
from tutor.retrieval import Embedder
from tutor.retrieval.embedder import Vectors
from tutor.store import create_learner, record_grade, submit_attempt
from tutor.tutoring import Tutor

GATES = {
    "--min-hit1": Gate("--min-hit1", ("follow_ups", "hit_at_1"), "min", "follow-up hit@1"),
    "--min-hit3": Gate("--min-hit3", ("follow_ups", "hit_at_3"), "min", "follow-up hit@3"),
    "--max-wrong-attempt": Gate("--max-wrong-attempt", ("attempts", "wrong_rate"), "max",
                                "wrong attempt context rate"),
    "--min-attempt-recall": Gate("--min-attempt-recall", ("attempts", "recall"), "min",
                                 "attempt context recall", "label some turns attempt: true"),
}  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttemptSetup(_Strict):
    """The practice attempt the learner made just before the dialogue."""

    item: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    verdict: str = "incorrect"
    own_session: bool = False  # the dialogue happens in the item's practice session


class LearnerTurn(_Strict):
    learner: str = Field(min_length=1)
    answers: list[str] = Field(default_factory=list)  # passage ids: a labelled follow-up
    attempt: bool = False  # must the attempt be this turn's context?


class DialogueCase(_Strict):
    id: str = Field(min_length=1)
    lesson: str | None = None
    attempt: AttemptSetup | None = None
    turns: list[LearnerTurn] = Field(min_length=1)


class DialogueFile(_Strict):
    dialogues: list[DialogueCase] = Field(min_length=1)


# An unrelated chat after practice: the repro (an attempt at samp-02, then any chat).
BACKGROUND = AttemptSetup(item="samp-02", answer="Higher temperature makes the model smarter.")


def load_dialogues(path: Path, corpus: Corpus) -> list[DialogueCase]:
    """The dialogues of a YAML file or of a folder's ``*.yaml``, checked against the corpus."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise BadRequestError(f"no dialogue files (*.yaml) in {path}")
    passages = {lesson.passage_id(p) for lesson, p in corpus.passages()}
    out: list[DialogueCase] = []
    problems: list[str] = []
    for file in files:
        try:
            out += DialogueFile.model_validate(yaml.safe_load(file.read_text("utf-8"))).dialogues
        except OSError as exc:
            raise BadRequestError(f"cannot read {file}: {exc.strerror or exc}") from None
        except (yaml.YAMLError, ValidationError) as exc:
            raise BadRequestError(f"{file} is not a dialogue file: {exc}") from None
    seen: set[str] = set()
    for case in out:
        if case.id in seen:
            problems.append(f"{case.id}: the id is used twice")
        seen.add(case.id)
        if case.lesson is not None and case.lesson not in corpus.lessons:
            problems.append(f"{case.id}: no lesson {case.lesson!r}")
        if case.attempt is not None:
            try:
                corpus.item(case.attempt.item)
            except NotFoundError:
                problems.append(f"{case.id}: no item {case.attempt.item!r}")
        for n, turn in enumerate(case.turns, 1):
            problems += [f"{case.id} turn {n}: no passage {p!r}" for p in turn.answers
                         if p not in passages]  # fmt: skip
            if turn.attempt and case.attempt is None:
                problems.append(f"{case.id} turn {n}: attempt: true without an attempt")
    if problems:
        raise BadRequestError("invalid dialogues:\n" + "\n".join(problems))
    return out


@dataclass(frozen=True)
class TurnResult:
    dialogue: str
    turn: int  # 1-based
    text: str
    answers: tuple[str, ...]
    ranked: tuple[str, ...]  # passage ids retrieved for the turn, best first
    follow_up: bool  # the service treated the turn as a follow-up
    attempt_expected: bool
    attempt_item: str | None  # the attempt the turn was answered with

    def rank(self) -> int | None:
        return next((i for i, p in enumerate(self.ranked, 1) if p in self.answers), None)


async def run_dialogues(dialogues: Sequence[DialogueCase], tutor: Tutor) -> list[TurnResult]:
    results: list[TurnResult] = []
    for case in dialogues:
        setup = case.attempt or BACKGROUND
        learner = create_learner(tutor.database, f"eval {case.id}")
        attempt = submit_attempt(tutor.database, learner.id, setup.item, setup.answer)
        record_grade(tutor.database, attempt.id, {"score": 0.0, "verdict": setup.verdict})
        item = setup.item if case.attempt and case.attempt.own_session else None
        session = await tutor.create_session(case.lesson, learner.id, item)
        for n, turn in enumerate(case.turns, 1):
            pending = await tutor.start_turn(session.id, turn.learner)
            async for _ in pending.deltas():  # stored, so the next turn sees the reply
                pass
            results.append(TurnResult(
                case.id, n, turn.learner, tuple(turn.answers),
                tuple(h.passage_id for h in pending.retrieved.hits),
                pending.classified.kind is not None, turn.attempt,
                pending.attempt.item_id if pending.attempt else None,
            ))  # fmt: skip
    return results


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(results: Sequence[TurnResult]) -> dict[str, Any]:
    labelled = [r for r in results if r.answers]
    ranks = [r.rank() for r in labelled]
    must_not = [r for r in results if not r.attempt_expected]
    must = [r for r in results if r.attempt_expected]
    wrong = [r for r in must_not if r.attempt_item is not None]
    return {
        "dialogues": len({r.dialogue for r in results}),
        "turns": len(results),
        "follow_ups": {
            "labelled": len(labelled),
            "hit_at_1": _ratio(sum(1 for k in ranks if k == 1), len(ranks)),
            "hit_at_3": _ratio(sum(1 for k in ranks if k is not None and k <= 3), len(ranks)),
            "mrr": sum(1 / k for k in ranks if k) / len(ranks) if ranks else None,
            "treated_as_follow_up": _ratio(sum(r.follow_up for r in labelled), len(labelled)),
        },
        "attempts": {
            "must_not": len(must_not),
            "wrong": len(wrong),
            "wrong_rate": _ratio(len(wrong), len(must_not)),
            "must": len(must),
            "recall": _ratio(sum(1 for r in must if r.attempt_item is not None), len(must)),
        },
        "misses": [
            {"dialogue": r.dialogue, "turn": r.turn, "text": r.text, "answers": list(r.answers),
             "top3": list(r.ranked[:3])}
            for r, k in zip(labelled, ranks, strict=True) if k is None or k > 3
        ],
        "wrong_attempts": [{"dialogue": r.dialogue, "turn": r.turn, "text": r.text,
                            "attempt": r.attempt_item} for r in wrong],
    }  # fmt: skip


def check(figures: dict[str, Any], limits: dict[str, float | None]) -> list[Outcome]:
    """One outcome per gate given; a figure that was not measured fails its gate."""
    out = []
    for option, limit in limits.items():
        if limit is not None:
            gate = GATES[option]
            value = figure(figures, gate.path)
            ok = value is not None and (value >= limit if gate.bound == "min" else value <= limit)
            out.append(Outcome(gate, limit, value, ok))
    return out


class CachedEmbedder:
    """An embedder that remembers every text's vector: a dialogue run embeds the same passage
    sentences on almost every turn, and this makes the run take seconds instead of minutes."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._vectors: dict[str, Vectors] = {}

    @property
    def name(self) -> str:
        return self._embedder.name

    def embed(self, texts: list[str]) -> Vectors:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self._embedder.embed(missing), strict=True):
                self._vectors[text] = vector
        return np.stack([self._vectors[t] for t in texts]) if texts else self._embedder.embed([])


def offline_tutor(settings: Settings, workdir: Path) -> Tutor:
    """The offline tutor over the corpus, indexed into an embedded Chroma store and a SQLite
    learner store in ``workdir`` (nothing of the configured service is touched)."""
    from tutor.corpus import load_corpus
    from tutor.engines import OfflineEngine
    from tutor.retrieval import PassageIndex, make_embedder, open_client
    from tutor.store import Database, upgrade_to_head

    corpus = load_corpus(settings.corpus_dir)
    local = settings.model_copy(update={"data_dir": workdir, "chroma_url": None})
    embedder = CachedEmbedder(  # TUTOR_EMBEDDER: compare embedders on the same dialogues
        make_embedder(settings.embedder, batch_size=settings.embed_batch_size,
                      model=settings.embedding_model)
    )  # fmt: skip
    index = PassageIndex(open_client(local), embedder)
    index.sync(corpus)
    database = Database(f"sqlite:///{workdir / 'dialogues.db'}")
    upgrade_to_head(database)
    engine = OfflineEngine(embedder, corpus)
    return Tutor(engine, corpus, index, database, coverage_threshold=settings.coverage_threshold)


async def evaluate(settings: Settings, path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tutor-dialogues-") as folder:
        tutor = offline_tutor(settings, Path(folder))
        try:
            dialogues = load_dialogues(path, tutor.corpus)
            return figures(await run_dialogues(dialogues, tutor))
        finally:
            tutor.database.dispose()


def table(figures: dict[str, Any]) -> Table:
    """The figures, then each follow-up that missed the top 3 and each wrong attempt."""
    follow, attempts = figures["follow_ups"], figures["attempts"]
    out = Table(title=f"{figures['dialogues']} dialogues, {figures['turns']} learner turns")
    out.add_column("figure")
    out.add_column("value", justify="right")

    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    out.add_row("labelled follow-ups", str(follow["labelled"]))
    out.add_row("hit@1", show(follow["hit_at_1"]))
    out.add_row("hit@3", show(follow["hit_at_3"]))
    out.add_row("MRR", show(follow["mrr"]))
    out.add_row("treated as a follow-up", show(follow["treated_as_follow_up"]))
    out.add_row("turns that must not see the attempt", str(attempts["must_not"]))
    out.add_row("wrong attempt context", f"{attempts['wrong']} ({show(attempts['wrong_rate'])})")
    out.add_row("attempt context recall", show(attempts["recall"]))
    for miss in figures["misses"]:
        out.add_row(f"miss {miss['dialogue']}#{miss['turn']}: {miss['text']}",
                    ", ".join(miss["top3"]), style="yellow")  # fmt: skip
    for wrong in figures["wrong_attempts"]:
        out.add_row(f"attempt {wrong['dialogue']}#{wrong['turn']}: {wrong['text']}",
                    wrong["attempt"], style="red")  # fmt: skip
    return out
