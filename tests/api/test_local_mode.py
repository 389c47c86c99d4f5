"""Single-user local mode: once a service has had keys it never reopens by itself, and while it
runs keyless it answers only this machine, addressed by a loopback name, not a web page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.conftest import serve, service_settings
from tutor.api import create_app
from tutor.config import Settings
from tutor.store import Role, issue_api_key, open_database, revoke_api_key


@pytest.fixture
def keyless_settings(indexed_data_dir: Path, tmp_path: Path) -> Settings:
    return service_settings(indexed_data_dir, tmp_path / "tutor.db")


def test_the_last_admin_key_cannot_be_revoked_and_local_mode_stays_closed(
    keyless_settings: Settings,
) -> None:
    with serve(create_app(keyless_settings)) as url, httpx.Client(base_url=url) as local:
        admin_key = local.post("/v1/keys", json={"role": "admin"}).json()
        admin = {"authorization": f"Bearer {admin_key['key']}"}
        learner = local.post("/v1/keys", json={"role": "learner"}, headers=admin).json()

        refused = local.delete(f"/v1/keys/{admin_key['id']}", headers=admin)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "conflict"
        assert "last admin key" in refused.json()["error"]["message"]
        assert "tutor keys reset-local" in refused.json()["error"]["message"]
        assert local.get("/v1/me", headers=admin).json()["local"] is False

        revoked = local.delete(f"/v1/keys/{learner['id']}", headers=admin)
        assert revoked.status_code == 200 and revoked.json()["revoked"] is True
        assert local.get("/v1/me").status_code == 401  # no key: still refused


def test_a_service_whose_keys_are_all_revoked_stays_keyed(keyless_settings: Settings) -> None:
    database = open_database(keyless_settings)
    try:
        issued = issue_api_key(database, Role.TEACHER)
        revoke_api_key(database, issued.record.id)  # not an admin key: revoking it is allowed
    finally:
        database.dispose()
    with serve(create_app(keyless_settings)) as url:
        anonymous = httpx.get(url + "/v1/me", timeout=30)
        revoked = httpx.get(
            url + "/v1/me", headers={"authorization": f"Bearer {issued.secret}"}, timeout=30
        )
    assert anonymous.status_code == 401 and revoked.status_code == 401
    assert "tutor keys reset-local" in anonymous.json()["error"]["message"]
