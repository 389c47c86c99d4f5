"""Two `tutor serve` replicas (real processes) on one Postgres and one Chroma server take a
class's answers at once: the same learner's answers reaching both replicas, and new learners'
first answers. No request fails, and every learner's mastery equals a replay of their answers.

Runs when TUTOR_TEST_DATABASE_URL and TUTOR_TEST_CHROMA_URL name the servers (`.ci/servers.sh`).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS_DIR
from tests.ports import free_port
from tests.servers import CHROMA_URL, needs_chroma, needs_postgres, postgres_database, servers
from tutor.corpus import Corpus
from tutor.learners import Catalog, LearnerConfig, rebuild_mastery
from tutor.store import Database, Role, create_learner, issue_api_key

pytestmark = [servers, needs_postgres, needs_chroma, pytest.mark.slow]

TUTOR = str(Path(sys.executable).parent / "tutor")
WRONG = "I am not sure, maybe it just works out by itself."
CLIENTS = 8


@contextmanager
def replica(env: dict[str, str], data_dir: Path) -> Iterator[str]:
    """One `tutor serve` process; its URL once /health answers."""
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [TUTOR, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "TUTOR_DATA_DIR": str(data_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, (data_dir / "serve.log").read_text()
            assert time.monotonic() < deadline, "replica did not answer /health"
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_two_replicas_take_concurrent_answers_without_an_error(
    tmp_path: Path, starter_corpus: Corpus, server_collection: str | None
) -> None:
    assert CHROMA_URL is not None and server_collection is not None
    items = [item for lesson in starter_corpus.lessons.values() for item in lesson.items]
    rng = random.Random(12)
    with postgres_database(migrated=False) as url, ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
        env |= {
            "TUTOR_DATABASE_URL": url, "TUTOR_CHROMA_URL": CHROMA_URL,
            "TUTOR_COLLECTION": server_collection, "TUTOR_CORPUS_DIR": str(CORPUS_DIR),
            # This test is about the store, not capacity: on a busy 2-core machine a grade may
            # wait longer than the default 5 s for a worker thread, which is a 503 by design.
            "TUTOR_QUEUE_TIMEOUT": "300",
        }  # fmt: skip
        migrated = subprocess.run([TUTOR, "migrate"], env=env, capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr
        database = stack.enter_context(Database(url))
        keys = {}
        for name in ["busy", *(f"new-{n}" for n in range(8))]:
            learner = create_learner(database, name).id
            keys[learner] = issue_api_key(database, Role.LEARNER, learner_id=learner).secret
        busy = next(iter(keys))
        urls = []
        for n in range(2):
            (tmp_path / f"replica-{n}").mkdir()
            urls.append(stack.enter_context(replica(env, tmp_path / f"replica-{n}")))

        # Each replica loads its grader once before the class starts answering.
        for base in urls:
            warm = {"question": "q?", "reference": "an answer", "answer": "an answer"}
            auth = {"authorization": f"Bearer {keys[busy]}"}
            assert httpx.post(f"{base}/v1/grade", json=warm, headers=auth, timeout=300).is_success

        jobs = [(busy, rng.choice(items)) for _ in range(16)]  # one learner, many at once
        jobs += [(new, item) for new in list(keys)[1:] for item in rng.sample(items, 2)]
        rng.shuffle(jobs)

        def answer(n: int) -> int:
            learner, item = jobs[n]
            text = (item.answer_key or item.answer) if n % 2 else WRONG
            reply = httpx.post(
                f"{urls[n % 2]}/v1/items/{item.id}/attempts",
                json={"answer": text},
                headers={"authorization": f"Bearer {keys[learner]}"},
                timeout=300,
            )
            assert reply.status_code != 200 or reply.json()["status"] == "graded"
            return reply.status_code

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(answer, range(len(jobs))))
        took = time.monotonic() - started
        print(f"{len(jobs)} answers through 2 replicas in {took:.1f}s: {statuses.count(200)} ok")
        assert statuses == [200] * len(jobs)

        catalog = Catalog.from_corpus(starter_corpus)
        with database.session() as session:
            for learner in keys:
                rebuilt = rebuild_mastery(session, catalog, learner, LearnerConfig())
                assert rebuilt.answers == sum(1 for who, _ in jobs if who == learner)
                for concept, (live, replayed) in rebuilt.p_known.items():
                    assert abs(live - replayed) < 1e-9, (learner, concept, live, replayed)
            session.rollback()
