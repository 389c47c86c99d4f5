"""Single-user local mode: once a service has had keys it never reopens by itself, and while it
runs keyless it answers only this machine, addressed by a loopback name, not a web page."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from tests.api.conftest import serve, service_settings
from tutor.api import create_app
from tutor.api.local_mode import client_address
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


def test_local_mode_answers_only_loopback_host_names(keyless_settings: Settings) -> None:
    with serve(create_app(keyless_settings)) as url, httpx.Client(base_url=url) as local:
        port = url.rsplit(":", 1)[1]
        for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
            reply = local.get("/v1/me", headers={"host": host})
            assert reply.status_code == 200, (host, reply.text)
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io"):
            refused = local.get("/v1/me", headers={"host": host})
            assert refused.status_code == 403, (host, refused.text)
            assert refused.json()["error"]["code"] == "forbidden"
            assert "Host" in refused.json()["error"]["message"]


def test_local_mode_refuses_cross_site_browser_writes(keyless_settings: Settings) -> None:
    body = {"lesson": "prompt-basics"}
    with serve(create_app(keyless_settings)) as url, httpx.Client(base_url=url) as local:
        own = local.post("/v1/sessions", json=body, headers={"origin": url})
        assert own.status_code == 201, own.text
        for headers in (
            {"origin": "http://evil.example"},
            {"origin": "null"},
            {"sec-fetch-site": "cross-site"},
        ):
            refused = local.post("/v1/sessions", json=body, headers=headers)
            assert refused.status_code == 403, (headers, refused.text)
            assert refused.json()["error"]["code"] == "forbidden"
        assert local.get("/v1/me", headers={"origin": "http://evil.example"}).status_code == 200


@pytest.mark.parametrize(
    ("header", "loopback", "remote"),
    [
        ("x-forwarded-for", "127.0.0.1", "203.0.113.7"),
        ("forwarded", 'for="[::1]:4711"', "for=203.0.113.7;proto=https"),
    ],
)
def test_proxy_headers_count_only_from_trusted_proxies(
    indexed_data_dir: Path, tmp_path: Path, header: str, loopback: str, remote: str
) -> None:
    untrusted = service_settings(indexed_data_dir, tmp_path / "a.db")
    with serve(create_app(untrusted)) as url:
        spoofed = httpx.get(url + "/v1/me", headers={header: loopback}, timeout=30)
        assert spoofed.status_code == 401  # a proxy we do not know of: the caller is unknown
        assert "TUTOR_TRUSTED_PROXIES" in spoofed.json()["error"]["message"]
    trusted = service_settings(indexed_data_dir, tmp_path / "b.db", trusted_proxies=["127.0.0.1"])
    with serve(create_app(trusted)) as url:
        local = httpx.get(url + "/v1/me", headers={header: loopback}, timeout=30)
        forwarded = httpx.get(url + "/v1/me", headers={header: remote}, timeout=30)
    assert local.status_code == 200 and local.json()["local"] is True
    assert forwarded.status_code == 401


@pytest.mark.parametrize(
    ("headers", "client"),
    [
        ({}, "10.0.0.2"),
        ({"x-forwarded-for": "198.51.100.1, 127.0.0.1"}, "127.0.0.1"),  # proxies append
        ({"x-forwarded-for": "127.0.0.1, 198.51.100.9"}, "198.51.100.9"),  # first one is spoofed
        ({"forwarded": 'for="[::1]", for=10.0.0.3'}, "::1"),  # 10.0.0.3 is a trusted hop
        ({"forwarded": "for=unknown"}, None),
        ({"x-forwarded-for": "127.0.0.1", "forwarded": "for=198.51.100.1"}, None),  # disagree
    ],
)
def test_the_client_address_behind_a_trusted_proxy(
    headers: dict[str, str], client: str | None
) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "client": ("10.0.0.2", 5000),
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    assert client_address(Request(scope), proxies) == client
