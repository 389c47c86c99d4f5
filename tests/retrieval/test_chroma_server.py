"""The same index against a real Chroma server (`chroma run`) through the HTTP client."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port
from tests.retrieval.test_index import COOKING, SAMPLING, corpus_of, lesson
from tutor.config import Settings
from tutor.retrieval import MiniLMEmbedder, PassageIndex, open_client


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(chroma).exists():
        pytest.skip("the chroma command is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("chroma run did not come up")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_sync_and_search_through_a_chroma_server(
    chroma_url: str, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url=chroma_url, _env_file=None)  # type: ignore[call-arg]
    index = PassageIndex(open_client(settings), embedder)
    report = index.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    assert report.added == 3
    assert not (tmp_path / "chroma").exists()  # nothing went to the embedded store

    reopened = PassageIndex(open_client(settings), embedder)
    assert reopened.sync(corpus_of(lesson("sampling", SAMPLING))).removed == 1
    assert reopened.search("nucleus top-p", 1, concept="sampling")[0].passage_id == "sampling/top-p"


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    settings = Settings(data_dir=tmp_path, chroma_url=url, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(Exception, match="cannot reach Chroma"):
        open_client(settings)


def test_filtered_search_through_a_chroma_server_equals_its_filter(
    chroma_url: str, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    settings = Settings(
        data_dir=tmp_path, chroma_url=chroma_url, collection="filtered", _env_file=None
    )
    fast = PassageIndex(open_client(settings), embedder, "filtered")
    fast.sync(corpus_of(lesson("sampling", SAMPLING), lesson("baking", COOKING, "yeast")))
    plain = PassageIndex(open_client(settings), embedder, "filtered", manifests=False)
    for where in ({"lesson": "sampling"}, {"concept": "yeast"}, {"lesson": "baking"}):
        for query in ("nucleus top-p", "bread dough", "how random is the output?"):
            got = fast.search(query, 2, **where)
            assert [(h.passage_id, h.text) for h in got] == [
                (h.passage_id, h.text) for h in plain.search(query, 2, **where)
            ]
    assert fast.paths == {"manifest": 9} and plain.paths == {"chroma_filter": 9}
