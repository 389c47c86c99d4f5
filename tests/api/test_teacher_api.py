"""The teacher view over HTTP: who may see it, the review queue, overrides and their export.

A server of its own, on its own database with keys (the shared ``server_url`` runs in local
mode and must stay keyless). Answers are stored and graded through the store and the learner
model (``submit_attempt`` + ``record_outcome``), so a grade can carry ``needs_review`` and
misconceptions without a grader in the loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from typer.testing import CliRunner

from tests.api.conftest import serve, service_settings
from tests.conftest import CORPUS_DIR
from tutor.api import create_app
from tutor.api.routes import teacher
from tutor.cli import app as cli
from tutor.corpus import Corpus
from tutor.evals.harness import load_cases
from tutor.grading.models import Grade
from tutor.learners import record_outcome
from tutor.store import Database, Role, create_learner, issue_api_key, open_database, submit_attempt

ONLY_PROMPT = "Counts only the user's latest message"


@dataclass(frozen=True)
class Classroom:
    url: str
    database_url: str
    keys: dict[str, str]  # who -> secret
    key_ids: dict[str, str]
    learners: dict[str, str]  # "ann" / "bob" -> learner id

    def client(self, who: str | None) -> httpx.Client:
        headers = {"authorization": f"Bearer {self.keys[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def grade(verdict: str, score: float, *flags: str, mistakes: tuple[str, ...] = ()) -> Grade:
    return Grade.model_validate(
        {
            "verdict": verdict,
            "score": score,
            "feedback": {"next_step": "Reread the lesson.", "text": "Hard to tell."},
            "mistakes": list(mistakes),
            "confidence": 0.3,
            "flags": list(flags),
            "engine": "offline",
            "prompt": "grader@1",
        }
    )


def answered(
    database: Database, corpus: Corpus, learner_id: str, item_id: str, text: str, graded: Grade
) -> str:
    attempt = submit_attempt(database, learner_id, item_id, text)
    record_outcome(database, corpus, attempt.id, graded)
    return attempt.id


@pytest.fixture(scope="module")
def classroom(
    indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, starter_corpus: Corpus
) -> Iterator[Classroom]:
    settings = service_settings(indexed_data_dir, tmp_path_factory.mktemp("teacher") / "tutor.db")
    database_url = str(settings.database_url)
    database = open_database(settings)
    try:
        ann, bob = create_learner(database, "Ann").id, create_learner(database, "Bob").id
        issued = {
            "ann": issue_api_key(database, Role.LEARNER, learner_id=ann),
            "teacher": issue_api_key(database, Role.TEACHER),
            "admin": issue_api_key(database, Role.ADMIN),
        }
        wrong = grade("incorrect", 0.1, mistakes=(ONLY_PROMPT,))
        answered(database, starter_corpus, bob, "ctx-02", "Only my message.", wrong)
    finally:
        database.dispose()
    with serve(create_app(settings)) as url:
        yield Classroom(
            url,
            database_url,
            {who: i.secret for who, i in issued.items()},
            {who: i.record.id for who, i in issued.items()},
            {"ann": ann, "bob": bob},
        )


@pytest.fixture
def flagged(classroom: Classroom, starter_corpus: Corpus) -> str:
    """A fresh answer of Ann's that the grader marked wrong but wants a teacher to review."""
    database = Database(classroom.database_url)
    try:
        doubtful = grade("incorrect", 0.2, "needs_review", mistakes=(ONLY_PROMPT,))
        return answered(
            database, starter_corpus, classroom.learners["ann"], "ctx-02",
            "<b>The whole request</b>: system prompt, history, tools and the reply.", doubtful,
        )  # fmt: skip
    finally:
        database.dispose()


def teacher_routes() -> list[tuple[str, str]]:
    return [
        (method, route.path.replace("{attempt_id}", "some-attempt"))
        for route in teacher.router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


def call(http: httpx.Client, method: str, path: str) -> httpx.Response:
    """A request a teacher may make, about an attempt or item that does not exist (404)."""
    body: dict[str, Any] | None = None
    if path == "/v1/review/regrade":
        body = {"items": ["some-item"]}
    elif method == "POST":
        body = {"verdict": "correct", "score": 1.0}
    return http.request(method, path, json=body)


def test_only_teachers_and_admins_reach_the_teacher_view(classroom: Classroom) -> None:
    routes = teacher_routes()
    assert len(routes) >= 6
    with classroom.client("ann") as ann, classroom.client(None) as anonymous:
        for method, path in routes:
            refused = call(ann, method, path)
            assert refused.status_code == 403, (method, path, refused.text)
            assert refused.json()["error"]["code"] == "forbidden"
            assert call(anonymous, method, path).status_code == 401, (method, path)
        page = anonymous.get("/teacher")  # the page itself is public; its data is not
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for who in ("teacher", "admin"):
        with classroom.client(who) as http:
            for method, path in routes:
                reply = call(http, method, path)
                expected = 404 if method == "POST" else 200  # no "some-attempt", "some-item"
                assert reply.status_code == expected, (who, method, path, reply.text)


def test_class_mastery_and_misconceptions(classroom: Classroom, starter_corpus: Corpus) -> None:
    with classroom.client("teacher") as http:
        mastery = http.get("/v1/class/mastery").json()
        misconceptions = http.get("/v1/class/misconceptions").json()
    _, item = starter_corpus.item("ctx-02")
    concepts = {c["concept_id"]: c for c in mastery["concepts"]}
    assert set(concepts) >= set(item.concepts) and len(concepts) > 10
    practised = concepts[item.concepts[0]]
    assert practised["learners"] >= 1 and 0 < practised["mean_p_known"] < mastery["threshold"]
    assert "Bob" in {row["name"] for row in practised["rows"]}
    assert practised["name"] == starter_corpus.concepts()[item.concepts[0]].name
    untouched = [c for c in concepts.values() if c["learners"] == 0]
    assert untouched and all(c["mean_p_known"] is None and not c["rows"] for c in untouched)
    top = misconceptions[0]
    assert top["text"] == ONLY_PROMPT and top["count"] >= 1 and top["items"] == ["ctx-02"]


def test_override_from_the_review_queue_rebuilds_mastery_and_becomes_a_label(
    classroom: Classroom, flagged: str, starter_corpus: Corpus, tmp_path: Path
) -> None:
    ann = classroom.learners["ann"]
    _, item = starter_corpus.item("ctx-02")
    with classroom.client("teacher") as http:
        queue = http.get("/v1/review").json()
        entry = next(e for e in queue if e["attempt"]["id"] == flagged)
        assert entry["learner_name"] == "Ann" and entry["answer"].startswith("<b>The whole")
        assert entry["item"]["stem"] == item.stem and entry["canonical_answer"] == item.answer
        assert "needs_review" in entry["attempt"]["grade"]["flags"]
        before = _p_known(http, ann, item.concepts)

        reply = http.post(
            f"/v1/attempts/{flagged}/override",
            json={"verdict": "correct", "score": 1.0, "note": "covers every part"},
        )
        assert reply.status_code == 201, reply.text
        made = reply.json()
        assert made["teacher_key_id"] == classroom.key_ids["teacher"]
        assert {m["concept_id"] for m in made["mastery"]} == set(item.concepts)

        after = _p_known(http, ann, item.concepts)
        assert all(after[c] > before[c] for c in item.concepts), (before, after)
        assert flagged not in {e["attempt"]["id"] for e in http.get("/v1/review").json()}
        history = http.get("/v1/overrides", params={"attempt_id": flagged}).json()
        assert [(h["verdict"], h["grader_verdict"]) for h in history] == [("correct", "incorrect")]

    with classroom.client("ann") as learner:  # the learner sees the teacher's word on it
        seen = learner.get(f"/v1/attempts/{flagged}").json()
        listed = learner.get(f"/v1/learners/{ann}/attempts").json()
    assert seen["grade"]["verdict"] == "incorrect"  # what the grader said stays visible
    assert (seen["review"]["verdict"], seen["review"]["note"]) == ("correct", "covers every part")
    assert next(a for a in listed if a["id"] == flagged)["review"] == seen["review"]
    with classroom.client("teacher") as http:
        export = http.get("/v1/overrides/export")
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/x-ndjson"
    )
    rows = [json.loads(line) for line in export.text.splitlines()]
    row = next(r for r in rows if r["attempt_id"] == flagged)
    assert (row["item"], row["label"], row["answer"]) == ("ctx-02", "correct", entry["answer"])
    dataset = tmp_path / "overrides.jsonl"
    dataset.write_text(export.text, encoding="utf-8")
    cases = {c.id: c for c in load_cases(str(dataset), corpus_dir=CORPUS_DIR)}
    case = cases[f"override-{flagged}"]
    assert case.label == "correct" and case.question == item.stem
    assert case.references == [item.answer]


def test_an_override_is_validated(classroom: Classroom, flagged: str) -> None:
    with classroom.client("teacher") as http:
        for body in (
            {"verdict": "needs_review", "score": 0.5},
            {"verdict": "correct", "score": 1.5},
            {"verdict": "correct"},
            {"verdict": "correct", "score": 1, "extra": True},
        ):
            reply = http.post(f"/v1/attempts/{flagged}/override", json=body)
            assert reply.status_code == 422, body
            assert reply.json()["error"]["code"] == "invalid_request"
        missing = http.post(
            "/v1/attempts/nothing/override", json={"verdict": "correct", "score": 1}
        )
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        assert flagged in {e["attempt"]["id"] for e in http.get("/v1/review").json()}


def test_a_pending_answer_cannot_be_overridden(classroom: Classroom) -> None:
    database = Database(classroom.database_url)
    try:
        pending = submit_attempt(database, classroom.learners["bob"], "ctx-04", "not graded")
    finally:
        database.dispose()
    with classroom.client("admin") as http:
        reply = http.post(
            f"/v1/attempts/{pending.id}/override", json={"verdict": "correct", "score": 1}
        )
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "conflict"


def test_the_cli_exports_the_same_labels(
    classroom: Classroom, flagged: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with classroom.client("teacher") as http:
        confirm = {"verdict": "incorrect", "score": 0.2}  # the grader's own grade: a confirmation
        made = http.post(f"/v1/attempts/{flagged}/override", json=confirm).json()
        assert made["mastery"] is None  # nothing changed, so mastery stands
        served = http.get("/v1/overrides/export").text
    monkeypatch.setenv("TUTOR_DATABASE_URL", classroom.database_url)
    monkeypatch.setenv("TUTOR_CORPUS_DIR", str(CORPUS_DIR))
    out = tmp_path / "labels" / "overrides.jsonl"
    result = CliRunner().invoke(cli, ["eval", "export-overrides", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == served
    summary = json.loads(result.stdout)
    assert summary["labels"] == len(served.splitlines()) and summary["skipped"] == []
    labels = {c.id: c.label for c in load_cases(str(out), corpus_dir=CORPUS_DIR)}
    assert labels[f"override-{flagged}"] == "incorrect"


def _p_known(http: httpx.Client, learner_id: str, concepts: list[str]) -> dict[str, Any]:
    reply = http.get(f"/v1/learners/{learner_id}/mastery")
    assert reply.status_code == 200, reply.text
    return {
        c["concept_id"]: c["p_known"]
        for c in reply.json()["concepts"]
        if c["concept_id"] in concepts
    }


def test_the_queue_is_graded_again_with_the_teachers_grades(
    classroom: Classroom, starter_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teacher grades one answer to an item; the item's other answers waiting for review are
    graded again with it among the examples, and a sure grade leaves the queue. The service's
    own offline grader does the grading; the CLI does the same."""
    ann = classroom.learners["ann"]
    _, item = starter_corpus.item("samp-02")
    doubtful = grade("incorrect", 0.2, "needs_review")
    database = Database(classroom.database_url)
    try:
        taught = answered(
            database, starter_corpus, ann, "samp-02", "It changes how random the text is.",
            doubtful,
        )  # fmt: skip
        right = answered(database, starter_corpus, ann, "samp-02", item.answer, doubtful)
        other = answered(database, starter_corpus, ann, "hal-02", "They lie on purpose.", doubtful)
    finally:
        database.dispose()
    mine = {taught, right, other}
    with classroom.client("teacher") as http:
        missing = http.post("/v1/review/regrade", json={"items": ["no-such-item"]})
        assert missing.status_code == 404 and "no-such-item" in missing.text
        assert http.post("/v1/review/regrade", json={"limit": 0}).status_code == 422
        with classroom.client("ann") as learner:
            assert learner.post("/v1/review/regrade", json={}).status_code == 403
        # no teacher has graded an answer to either item: nothing new to learn from
        untaught = http.post("/v1/review/regrade", json={}).json()
        assert not mine & {*untaught["regraded"], *untaught["left_queue"]}

        partly = {"verdict": "partially_correct", "score": 0.5}
        assert http.post(f"/v1/attempts/{taught}/override", json=partly).status_code == 201
        before = _p_known(http, ann, item.concepts)
        made = http.post("/v1/review/regrade", json={})
        assert made.status_code == 200, made.text
        report = made.json()
        assert mine & set(report["regraded"]) == {right} and right in report["left_queue"]
        assert report["failed"] == {}
        graded = http.get(f"/v1/attempts/{right}").json()["grade"]
        assert graded["verdict"] == "correct" and graded["engine"] == "offline"
        assert "needs_review" not in graded["flags"]
        queue = {e["attempt"]["id"] for e in http.get("/v1/review").json()}
        assert right not in queue and other in queue  # hal-02: no teacher grade yet
        only = http.get("/v1/review", params={"item_id": "hal-02"}).json()
        assert {e["attempt"]["item_id"] for e in only} == {"hal-02"} and other in {
            e["attempt"]["id"] for e in only
        }
        after = _p_known(http, ann, item.concepts)
        assert all(after[c] > before[c] for c in item.concepts), (before, after)
        # an item named is graded again all the same (its lesson file may have new examples)
        named = http.post("/v1/review/regrade", json={"items": ["hal-02"]}).json()
        assert other in named["regraded"]
        stored = http.get(f"/v1/attempts/{other}").json()["grade"]
        assert stored["engine"] == "offline" and stored["prompt"].startswith("offline-grader@")

    monkeypatch.setenv("TUTOR_DATABASE_URL", classroom.database_url)
    monkeypatch.setenv("TUTOR_CORPUS_DIR", str(CORPUS_DIR))
    runner = CliRunner()
    result = runner.invoke(cli, ["regrade", "--review", "--item", "samp-02", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["regraded"] == []  # nothing left to change
    unknown = runner.invoke(cli, ["regrade", "--review", "--item", "no-such-item"])
    assert unknown.exit_code != 0 and "no-such-item" in unknown.output
    assert "Traceback" not in unknown.output
    misplaced = runner.invoke(cli, ["regrade", "--pending", "--item", "samp-02"])
    assert misplaced.exit_code != 0 and "--item goes with --review" in misplaced.output
