"""The API reference works without internet: ``/docs`` (Swagger UI) and ``/redoc`` load every
script, style sheet and icon from the service itself, never from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

ASSET = re.compile(r"""(?:src|href)\s*[=:]\s*["']([^"']+)["']""")


@pytest.mark.parametrize(("page", "script"), [("/docs", "SwaggerUIBundle"), ("/redoc", "Redoc")])
def test_the_api_reference_loads_only_the_services_own_assets(
    client: httpx.Client, page: str, script: str
) -> None:
    reply = client.get(page)
    assert reply.status_code == 200
    html = reply.text
    assets = ASSET.findall(html)
    assert assets, html
    assert not re.search(r"https?://", html), "the page reaches outside the service"
    for asset in assets:
        assert asset.startswith("/"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 100, asset
    bundles = [a for a in assets if a.endswith(".js")]
    assert any(script in client.get(js).text[:2_000_000] for js in bundles)


def test_the_openapi_document_the_reference_reads_is_served(client: httpx.Client) -> None:
    html = client.get("/docs").text
    assert "/openapi.json" in html
    assert client.get("/openapi.json").json()["info"]["title"] == "tutor"
