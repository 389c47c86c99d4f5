"""``GET /metrics``: Prometheus figures of what the service did, read with the client library's
own parser from a real server: request latency per route template, grades per engine, the
grade cache, the worker queue; who may read them."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx

from tests.api.conftest import serve, service_settings
from tests.api.metrics_scrape import Samples, change, scrape, value
from tests.api.sse import read_events
from tests.api.test_back_pressure import GatedIndex, _until
from tutor.api import create_app
from tutor.api.deps import get_index
from tutor.api.services import Services
from tutor.store import Role, issue_api_key, open_database

LATENCY = "tutor_http_request_duration_seconds"


def test_a_request_is_timed_under_its_route_template(client: httpx.Client) -> None:
    before = scrape(client)
    assert client.get("/v1/lessons/few-shot-prompting").status_code == 200
    assert client.get("/v1/lessons/no-such-lesson").status_code == 404
    after = scrape(client)

    route = {"method": "GET", "route": "/v1/lessons/{lesson_id}"}
    assert change(before, after, LATENCY + "_count", **route) == 2
    assert change(before, after, LATENCY + "_bucket", **route, le="+Inf") == 2
    assert change(before, after, LATENCY + "_sum", **route) > 0
    assert change(before, after, "tutor_http_requests_total", **route, status="200") == 1
    assert change(before, after, "tutor_http_requests_total", **route, status="404") == 1
    # one series per route, whatever the ids: no raw path is a label
    labels = {v for (_, series) in after for (_, v) in series}
    assert not any("few-shot-prompting" in v or "no-such-lesson" in v for v in labels)


def test_a_streamed_reply_is_timed_to_its_last_event_and_carries_the_request_id(
    client: httpx.Client,
) -> None:
    session = client.post("/v1/sessions", json={"lesson": "sampling-and-temperature"}).json()
    url = f"/v1/sessions/{session['id']}/messages"
    body = {"content": "What does temperature change?", "stream": True}
    before = scrape(client)
    with client.stream("POST", url, json=body, headers={"x-request-id": "sse-1"}) as response:
        assert response.headers["x-request-id"] == "sse-1"
        assert read_events(response)[-1][0] == "done"
    after = scrape(client)
    route = {"method": "POST", "route": "/v1/sessions/{session_id}/messages"}
    assert change(before, after, LATENCY + "_count", **route) == 1
    assert change(before, after, "tutor_http_requests_total", **route, status="200") == 1
    assert not any(session["id"] in v for (_, series) in after for (_, v) in series)


def test_paths_no_route_matches_share_one_series(client: httpx.Client) -> None:
    before = scrape(client)
    for n in range(3):
        assert client.get(f"/no/such/page-{n}").status_code == 404
    after = scrape(client)
    unmatched = {"method": "GET", "route": "unmatched"}
    assert change(before, after, LATENCY + "_count", **unmatched) == 3
    assert not any("page-" in v for (_, series) in after for (_, v) in series)


def test_grades_are_counted_per_engine_and_the_grade_cache_by_hits(client: httpx.Client) -> None:
    body = {
        "question": "Why give the model a few examples?",
        "reference": "Examples show the format and the task the model should follow.",
        "answer": "They show it the format to copy and what the task is, metrics test 1.",
    }
    before = scrape(client)
    first = client.post("/v1/grade", json=body)
    assert first.status_code == 200, first.text
    middle = scrape(client)
    assert client.post("/v1/grade", json=body).json()["score"] == first.json()["score"]
    after = scrape(client)

    assert change(before, middle, "tutor_grades_total", engine="offline") == 1
    assert change(before, middle, "tutor_cache_requests_total", cache="grade", result="miss") == 1
    # the same answer again comes from the cache: no new grade
    assert change(middle, after, "tutor_cache_requests_total", cache="grade", result="hit") == 1
    assert change(middle, after, "tutor_grades_total", engine="offline") == 0


def test_the_worker_queue_is_visible_while_the_pool_is_full(
    indexed_data_dir: Path, tmp_path: Path
) -> None:
    """One worker busy, one call waiting for it: the scrape still answers, and says so."""
    settings = service_settings(
        indexed_data_dir, tmp_path / "tutor.db", worker_threads=1, queue_limit=4, queue_timeout=30
    )
    app = create_app(settings)
    services: Services = app.state.services
    gate = threading.Event()
    index = GatedIndex(services.index, gate)
    app.dependency_overrides[get_index] = lambda: index
    body = {"query": "Why do examples help?", "k": 2}

    async def scenario(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            gate.set()  # the first request loads the index and the learner store
            assert (await http.post("/v1/search", json=body)).status_code == 200
            idle = await asyncio.to_thread(scrape_at, url)
            gate.clear()
            index.entered.clear()
            running = asyncio.ensure_future(http.post("/v1/search", json=body))
            await _until(index.entered.is_set)  # the one worker is busy in the search
            waiting = asyncio.ensure_future(http.post("/v1/search", json=body))
            await _until(lambda: services.workers.load().waiting == 1)
            full = await asyncio.to_thread(scrape_at, url)
            gate.set()
            assert [(await r).status_code for r in (running, waiting)] == [200, 200]

        assert change(idle, full, "tutor_worker_queue_depth") == 1
        assert change(idle, full, "tutor_worker_busy_threads") == 1
        assert value(full, "tutor_worker_threads") >= 1

    try:
        with serve(app) as url:
            asyncio.run(scenario(url))
    finally:
        gate.set()


def scrape_at(url: str) -> Samples:
    with httpx.Client(base_url=url, timeout=10) as http:
        return scrape(http)


def test_metrics_need_no_api_key_unless_a_metrics_token_is_set(
    indexed_data_dir: Path, tmp_path: Path
) -> None:
    open_settings = service_settings(indexed_data_dir, tmp_path / "open.db")
    database = open_database(open_settings)
    try:
        issue_api_key(database, Role.ADMIN)  # the service has keys: /v1 needs one
    finally:
        database.dispose()
    with serve(create_app(open_settings)) as url, httpx.Client(base_url=url) as http:
        assert http.get("/v1/lessons").status_code == 401
        assert value(scrape(http), "tutor_worker_threads") >= 0  # 200, parsed

    token = "metrics-token-0123456789"
    guarded = service_settings(indexed_data_dir, tmp_path / "guarded.db", metrics_token=token)
    with serve(create_app(guarded)) as url, httpx.Client(base_url=url) as http:
        refused = http.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        wrong = http.get("/metrics", headers={"authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        scrape(http, authorization=f"Bearer {token}")

    off = service_settings(indexed_data_dir, tmp_path / "off.db", metrics=False)
    with serve(create_app(off)) as url:
        assert httpx.get(url + "/metrics").status_code == 404


def test_metrics_are_documented(client: httpx.Client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert "401" in operation["responses"]
