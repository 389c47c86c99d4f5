"""`tutor serve --workers 2` as a school runs it: with TUTOR_LOG_FORMAT=json every log line is
one JSON object (uvicorn's too), each request's access line carries its id, and a scrape of
/metrics, whichever worker answers it, adds up both workers' figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.metrics_scrape import scrape, value
from tests.conftest import CORPUS_DIR
from tests.ports import free_port

pytestmark = pytest.mark.slow

TUTOR = str(Path(sys.executable).parent / "tutor")
THREADS = 3
REQUESTS = 24


def test_two_workers_log_json_and_add_up_their_metrics(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTOR_", "PROMETHEUS_"))}
    env |= {
        "TUTOR_DATA_DIR": str(tmp_path), "TUTOR_CORPUS_DIR": str(CORPUS_DIR),
        "TUTOR_LOG_FORMAT": "json", "TUTOR_WORKER_THREADS": str(THREADS),
    }  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [TUTOR, "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 240
            while True:  # both workers are up once each has made its pool
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                try:
                    with httpx.Client(base_url=url, timeout=5) as http:
                        if value(scrape(http), "tutor_worker_threads") == 2 * THREADS:
                            break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)

            for n in range(REQUESTS):  # a connection each, so both workers take some
                response = httpx.get(f"{url}/v1/lessons", headers={"x-request-id": f"w-{n}"})
                assert response.status_code == 200
                assert response.headers["x-request-id"] == f"w-{n}"
            lessons = {"method": "GET", "route": "/v1/lessons"}
            counts = set()
            for _ in range(6):  # whichever worker answers the scrape
                with httpx.Client(base_url=url, timeout=10) as http:
                    counts.add(value(scrape(http), "tutor_http_request_duration_seconds_count",
                                     **lessons))  # fmt: skip
            assert counts == {REQUESTS}
        finally:
            process.terminate()
            process.wait(timeout=60)

    lines = log.read_text().splitlines()
    assert lines[0].startswith("tutor serving on")  # the command's own message, then the log
    records = [json.loads(line) for line in lines[1:]]  # each line is one JSON object
    assert any(r["logger"].startswith("uvicorn") for r in records)
    access = {r["request_id"]: r for r in records if r["logger"] == "tutor.access"}
    for n in range(REQUESTS):
        line = access[f"w-{n}"]
        assert (line["route"], line["status"], line["level"]) == ("/v1/lessons", 200, "info")
