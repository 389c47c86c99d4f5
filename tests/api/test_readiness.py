"""Readiness (``GET /ready``): 200 when the database and the passage index answer, 503 naming
the one that does not, so a load balancer sends no learner to a replica that cannot serve them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.conftest import serve, service_settings
from tests.ports import free_port
from tutor.api import create_app


def test_ready_when_database_and_index_answer(client: httpx.Client) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "index": "ok"}


def test_not_ready_names_the_chroma_server_that_does_not_answer(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = service_settings(tmp_path / "data", tmp_path / "tutor.db", chroma_url=dead)
    with serve(create_app(settings)) as url:
        response = httpx.get(url + "/ready", timeout=60)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "service_unavailable"
        assert "index" in error["message"] and "database" not in error["message"]
        assert dead not in error["message"]  # where the backends live stays in the log


def test_ready_is_documented_with_its_503(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]["/ready"]["get"]["responses"]) >= {"200", "503"}
