"""Every request has an id: the caller's ``X-Request-ID`` when it is a sane one, else a new
one. It comes back in the response and is in every log line of the request."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import serve, service_settings
from tests.api.log_capture import json_lines
from tests.ports import free_port
from tutor.api import create_app
from tutor.logs import redact
from tutor.offload import offload

NEW_ID = re.compile(r"[0-9a-f]{32}")


def test_the_callers_request_id_comes_back(client: httpx.Client) -> None:
    given = "edge-7f3a.42:retry_1"
    response = client.get("/v1/lessons", headers={"x-request-id": given})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize(
    "given", ["", "has spaces in it", "x" * 129, "new\\line", "<script>", "ünïcode"]
)
def test_an_unusable_request_id_is_replaced_not_refused(client: httpx.Client, given: str) -> None:
    response = client.get("/v1/lessons", headers={"x-request-id": given.encode()})  # raw bytes
    assert response.status_code == 200
    assert NEW_ID.fullmatch(response.headers["x-request-id"])


def test_without_one_each_request_gets_its_own(client: httpx.Client) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3 and all(NEW_ID.fullmatch(i) for i in ids)


def test_errors_carry_the_request_id_too(client: httpx.Client) -> None:
    response = client.post("/v1/search", json={"k": "many"}, headers={"x-request-id": "bad-1"})
    assert response.status_code == 422
    assert response.headers["x-request-id"] == "bad-1"


def test_every_line_a_request_logs_is_json_with_its_id(tmp_path: Path) -> None:
    """A replica whose Chroma server is gone: /ready logs why, and then its access line."""
    dead = f"http://127.0.0.1:{free_port()}"
    settings = service_settings(tmp_path / "data", tmp_path / "tutor.db", chroma_url=dead)
    with serve(create_app(settings)) as url, json_lines() as lines:
        response = httpx.get(url + "/ready", headers={"x-request-id": "probe-1"}, timeout=60)
    assert response.status_code == 503

    mine = [line for line in lines if line["request_id"] == "probe-1"]
    assert [line["logger"] for line in mine] == ["tutor.api.routes.health", "tutor.access"]
    warning, access = mine
    assert warning["level"] == "warning" and "index does not answer" in warning["message"]
    assert access["level"] == "info"
    assert (access["method"], access["route"], access["path"]) == ("GET", "/ready", "/ready")
    assert access["status"] == 503 and access["duration_ms"] >= 0
    assert set(warning) >= {"time", "level", "logger", "message", "request_id"}


def test_credentials_are_scrubbed_from_any_line() -> None:
    line = (
        "call failed: Authorization: Bearer tutor_abcdefghijklmnop0123 api_key=sk-live-123456789 "
        '{"password": "hunter22"} key sk-proj-AbCdEf123456'
    )
    scrubbed = redact(line)
    for secret in ("tutor_abcdefghijklmnop0123", "sk-live-123456789", "hunter22", "AbCdEf123456"):
        assert secret not in scrubbed
    assert scrubbed.startswith("call failed: ")  # the rest of the line stays readable
    for harmless in (
        "send the key as `Authorization: Bearer KEY`",
        "a basic question about temperature",
        "the basics of few-shot prompting",
    ):
        assert redact(harmless) == harmless
    assert redact("Authorization: Basic dXNlcjpwYXNzd29yZA==") == "Authorization: Basic [redacted]"
    assert redact("authorization=Token abcdefgh12345") == "authorization=Token [redacted]"


def test_an_unexpected_error_is_logged_and_answered_under_the_request_id(tmp_path: Path) -> None:
    app = create_app(service_settings(tmp_path / "data", tmp_path / "tutor.db"))

    def broken() -> None:
        raise RuntimeError("a bug, with api_key=sk-should-not-show-1234")

    app.add_api_route("/broken", broken)  # a route with a bug, for this test only
    with serve(app) as url, json_lines() as lines:
        response = httpx.get(url + "/broken", headers={"x-request-id": "bug-1"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["x-request-id"] == "bug-1"
    (error,) = [line for line in lines if line["level"] == "error"]
    assert error["request_id"] == "bug-1" and "RuntimeError" in error["exception"]
    assert "sk-should-not-show" not in error["exception"]
    (access,) = [line for line in lines if line["logger"] == "tutor.access"]
    assert (access["request_id"], access["status"]) == ("bug-1", 500)


def test_probes_that_succeed_leave_no_access_line_at_info(client: httpx.Client) -> None:
    """Healthchecks and scrapes come every few seconds: their lines are debug unless they fail."""
    with json_lines() as lines:
        for path in ("/health", "/ready", "/metrics", "/v1/lessons"):
            probe = {"x-request-id": "probe" + path.replace("/", "-")}
            assert client.get(path, headers=probe).status_code == 200
    access = [line["request_id"] for line in lines if line["logger"] == "tutor.access"]
    assert access == ["probe-v1-lessons"]


def test_lines_logged_in_worker_threads_carry_the_request_id(tmp_path: Path) -> None:
    """Blocking work runs in the worker pool (offload, asyncio.to_thread): its lines too."""
    app = create_app(service_settings(tmp_path / "data", tmp_path / "tutor.db"))
    worker = logging.getLogger("tutor.test.worker")

    def note(how: str) -> None:
        worker.info("%s %s", how, threading.current_thread().name)

    async def blocking_work() -> dict[str, str]:
        await offload(note, "offload")
        await asyncio.to_thread(note, "to_thread")
        return {}

    app.add_api_route("/work", blocking_work)  # for this test only
    with serve(app) as url, json_lines() as lines:
        assert httpx.get(url + "/work", headers={"x-request-id": "work-1"}).status_code == 200
    mine = [line for line in lines if line["logger"] == "tutor.test.worker"]
    assert [line["message"].split()[0] for line in mine] == ["offload", "to_thread"]
    assert all(line["message"].split()[1].startswith("tutor-work") for line in mine)  # the pool
    assert all(line["request_id"] == "work-1" for line in mine)
