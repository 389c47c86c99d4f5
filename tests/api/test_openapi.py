"""The OpenAPI document lists every error a route can give, with the error body's schema."""

from __future__ import annotations

from typing import Any

import httpx

# routes that reach a model or the passage index: 502/503 when those fail
BACKENDS = {
    ("post", "/v1/search"),
    ("post", "/v1/explain"),
    ("post", "/v1/sessions/{session_id}/messages"),
    ("post", "/v1/items/{item_id}/hints"),
    ("post", "/v1/chat/completions"),
    ("post", "/v1/items/{item_id}/variants"),
    ("post", "/v1/grade"),
    ("post", "/v1/items/{item_id}/attempts"),
    ("post", "/v1/quizzes/{quiz_id}/answers"),
}
CONFLICTS = {
    ("delete", "/v1/keys/{key_id}"),
    ("post", "/v1/items/{item_id}/attempts"),
    ("post", "/v1/quizzes/{quiz_id}/answers"),
    ("post", "/v1/attempts/{attempt_id}/override"),
    ("post", "/v1/variants/{variant_id}/publish"),
}


def _operations(client: httpx.Client) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _expected(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    codes = {"401", "403", "413"} if path.startswith("/v1/") else set()
    if "{" in path:
        codes.add("404")
    if "requestBody" in operation:
        codes.add("422")
    if (method, path) in BACKENDS:
        codes |= {"502", "503"}
    if (method, path) in CONFLICTS:
        codes.add("409")
    return codes


def test_every_route_documents_the_errors_it_can_give(client: httpx.Client) -> None:
    operations = _operations(client)
    assert len(operations) > 30
    for method, path, operation in operations:
        responses = operation["responses"]
        missing = _expected(method, path, operation) - set(responses)
        assert not missing, (method, path, sorted(missing))
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("ErrorBody"), (method, path, code, schema)
