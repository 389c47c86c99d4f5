"""Running services pick up what another process indexed or published, without a restart.

Two app instances (real uvicorn servers) share one database and one Chroma store (the embedded
store in one data dir on SQLite; a fresh collection on the Chroma server with Postgres, under
``-m servers``). While they serve, a new lesson file is added and ``tutor index`` runs as its
own process; both serve the new lesson, its item and its passage within seconds. A variant
published by another process joins its lesson on both the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import serve
from tests.servers import CHROMA_URL, DATABASE_BACKENDS, postgres_database
from tutor.api import create_app
from tutor.api import services as services_module
from tutor.api.services import Services
from tutor.config import Settings
from tutor.corpus import load_corpus
from tutor.store import Database, VariantStatus, add_variant, set_variant_status
from tutor.store.generations import CORPUS, bump_generation

pytestmark = pytest.mark.slow

TUTOR = str(Path(sys.executable).parent / "tutor")
NEW_LESSON = Path(__file__).parent / "lessons" / "beekeeping-prompts.yaml"
WITHIN_SECONDS = 15.0  # a replica checks every 2 s; the rest is loading on a busy machine


@pytest.fixture(params=DATABASE_BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The TUTOR_* settings both instances and the CLI share: an empty index to start with."""
    env = {"TUTOR_DATA_DIR": str(tmp_path / "data"), "TUTOR_CORPUS_DIR": str(tmp_path / "corpus")}
    shutil.copytree(Path(__file__).parents[2] / "corpus", tmp_path / "corpus")
    if request.param == "sqlite":
        yield {**env, "TUTOR_DATABASE_URL": f"sqlite:///{tmp_path / 'tutor.db'}"}
        return
    if CHROMA_URL is None:
        pytest.skip("TUTOR_TEST_CHROMA_URL unset")
    chroma = {"TUTOR_CHROMA_URL": CHROMA_URL, "TUTOR_COLLECTION": f"reload_{uuid.uuid4().hex[:8]}"}
    with postgres_database() as url:
        yield {**env, **chroma, "TUTOR_DATABASE_URL": url}


def settings_of(env: dict[str, str]) -> Settings:
    names = {key.removeprefix("TUTOR_").lower(): value for key, value in env.items()}
    return Settings(**names, _env_file=None)  # type: ignore[arg-type]


def tutor_cli(env: dict[str, str], *args: str) -> None:
    """A ``tutor`` command in its own process, as an operator's job would run it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    done = subprocess.run([TUTOR, *args], env={**clean, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def eventually(client: httpx.Client, path: str, started: float) -> float:
    """Seconds from ``started`` until ``client`` served ``path`` (at most ``WITHIN_SECONDS``)."""
    while client.get(path).status_code != 200:
        assert time.monotonic() - started < WITHIN_SECONDS, "not picked up in time"
        time.sleep(0.25)
    return time.monotonic() - started


def search_hits(client: httpx.Client, query: str) -> list[str]:
    response = client.post("/v1/search", json={"query": query, "k": 3})
    assert response.status_code == 200, response.text
    return [hit["lesson_id"] for hit in response.json()]


def test_a_lesson_indexed_by_the_cli_is_served_by_running_instances(
    shared: dict[str, str],
) -> None:
    settings = settings_of(shared)
    with ExitStack() as stack:
        urls = [stack.enter_context(serve(create_app(settings))) for _ in range(2)]
        clients = [stack.enter_context(httpx.Client(base_url=u, timeout=60)) for u in urls]
        for client in clients:  # both have loaded the corpus and opened the index
            assert client.get("/v1/lessons/beekeeping-prompts").status_code == 404
            assert search_hits(client, "varroa mite count at the hive inspection") == []

        shutil.copy(NEW_LESSON, Path(shared["TUTOR_CORPUS_DIR"]))
        tutor_cli(shared, "index")
        indexed = time.monotonic()

        for n, client in enumerate(clients):
            took = eventually(client, "/v1/lessons/beekeeping-prompts", indexed)
            print(f"instance {n} served the new lesson {took:.1f}s after tutor index ended")
            assert client.get("/v1/items/bee-01").status_code == 200
            query = "varroa mite count at the hive inspection"
            assert search_hits(client, query)[0] == "beekeeping-prompts"


def test_a_variant_published_elsewhere_joins_its_lesson_on_running_instances(
    shared: dict[str, str],
) -> None:
    settings = settings_of(shared)
    _, parent = load_corpus(settings.corpus_dir).item("samp-01")
    with ExitStack() as stack:
        urls = [stack.enter_context(serve(create_app(settings))) for _ in range(2)]
        clients = [stack.enter_context(httpx.Client(base_url=u, timeout=60)) for u in urls]
        for client in clients:  # both have loaded the corpus (and migrated the database)
            assert client.get("/v1/items/samp-01-v1").status_code == 404
        database = stack.enter_context(Database(shared["TUTOR_DATABASE_URL"]))
        item = parent.model_copy(update={"id": "samp-01-v1", "stem": "A reworded stem?"})
        variant = add_variant(database, "samp-01", item.model_dump(mode="json"))

        set_variant_status(database, variant.id, VariantStatus.PUBLISHED)  # another process
        published = time.monotonic()

        for client in clients:
            eventually(client, "/v1/items/samp-01-v1", published)


async def test_a_reload_that_fails_keeps_the_corpus_loaded_and_tries_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(services_module, "RECHECK_SECONDS", 0.0)
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(Path(__file__).parents[2] / "corpus", corpus_dir)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_dir, _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    try:
        await services.refresh(wait=True)  # the first look
        before = services.corpus
        (corpus_dir / "zz-broken.yaml").write_text("id: [not, a, lesson")
        bump_generation(services.database, CORPUS)

        await services.refresh(wait=True)
        assert services.corpus is before  # still serving what was loaded
        assert "could not check for or reload a changed corpus" in caplog.text

        (corpus_dir / "zz-broken.yaml").unlink()
        shutil.copy(NEW_LESSON, corpus_dir)
        await services.refresh(wait=True)  # the counter still differs: tried again, it loads
        assert "beekeeping-prompts" in services.corpus.lessons
    finally:
        services.close()
