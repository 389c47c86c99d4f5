"""Cache writes do not hold up the reply; the entry is readable at once and written later;
a service shutting down writes what is pending.

The database's write lock is held by another connection (as a long attempt transaction would),
so a cache write cannot finish while it is held: the reply must come anyway.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import respx

from tests.api.conftest import serve, service_settings
from tests.engines.fake_provider import CHAT_URL, DUMMY_KEY, MODEL, FakeOpenAI
from tests.grading_service.conftest import chat, grade_json
from tutor.api import create_app
from tutor.config import Settings
from tutor.grading.cache import DatabaseGradeCache, grade_key
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import GradeRequest
from tutor.grading.service import GradingService
from tutor.offload import WorkerPool
from tutor.store import open_database

EXPLANATION = {
    "answer": "Examples fix the format [few-shot-prompting/why-examples-help].",
    "citations": ["few-shot-prompting/why-examples-help"],
    "covered": True,
}
REQUEST = GradeRequest(
    question="How did you separate the salt from the water?",
    references=["The water was evaporated, leaving the salt."],
    answer="We boiled the water away and the salt stayed.",
)
PROMPT = 5.0  # seconds: far less than the 15 s a write waits for the lock


@contextmanager
def write_lock(path: Path) -> Iterator[threading.Event]:
    """Another connection holds SQLite's write lock until the event is set (or the block
    ends); reads go on (WAL)."""
    release, held = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(30)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join()


def rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        count: int = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return count


def test_an_explanation_is_answered_before_its_reply_is_cached_and_shutdown_caches_it(
    indexed_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "tutor.db"
    settings = service_settings(
        indexed_data_dir, database, model=MODEL, llm_cache="database", llm_max_retries=0
    )
    fake = FakeOpenAI()
    fake.structured += [EXPLANATION, EXPLANATION]
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.post(CHAT_URL).mock(side_effect=fake)
        with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as http:
            warm = http.post("/v1/explain", json={"question": "What is a context window?"})
            assert warm.status_code == 200, warm.text  # loads the index, the local learner
            deadline = time.monotonic() + 30
            while rows(database, "llm_cache") == 0:  # its reply is written in the background
                assert time.monotonic() < deadline
                time.sleep(0.05)
            with write_lock(database) as release:
                question = {"question": "Why do few-shot examples help?"}
                started = time.monotonic()
                first = http.post("/v1/explain", json=question)
                assert first.status_code == 200, first.text
                assert time.monotonic() - started < PROMPT  # it did not wait for the write
                again = http.post("/v1/explain", json=question)
                assert again.json()["answer"] == first.json()["answer"]
                assert len(fake.requests) == 2  # the second came from the pending entry
                assert rows(database, "llm_cache") == 1  # the lock holds the second one back
                threading.Timer(1.0, release.set).start()  # after the shutdown has begun
        # serve() has shut the server down: it waited for the pending write
        assert rows(database, "llm_cache") == 2


async def test_a_grade_is_returned_before_it_is_cached_and_read_from_memory_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    path = tmp_path / "tutor.db"
    settings = Settings(
        data_dir=tmp_path / "data", model=MODEL, database_url=f"sqlite:///{path}",
        _env_file=None,
    )  # fmt: skip
    pool = WorkerPool(threads=4, queue_limit=16, queue_timeout=30)
    pool.install()  # as the service does
    with open_database(settings) as database, respx.mock(assert_all_mocked=True) as router:
        route = router.post(CHAT_URL).mock(return_value=chat(grade_json("correct", 0.9)))
        cache = DatabaseGradeCache.from_settings(settings, database)
        grading = GradingService(
            offline=None, llm=LLMGrader.from_settings(settings, database=database), cache=cache
        )
        with write_lock(path):
            started = time.monotonic()
            graded = await grading.grade(REQUEST)
            assert time.monotonic() - started < PROMPT
            assert await grading.grade(REQUEST) == graded and route.call_count == 1
            assert pool.pending_background() >= 1 and rows(path, "grade_cache") == 0
        assert await pool.drain() == 0  # the lock is gone: the writes finish
        assert cache.get_many([grade_key(grading.version, REQUEST)]) == [graded]
    pool.shutdown()
