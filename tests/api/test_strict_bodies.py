"""Request bodies are strict about types: a JSON ``true`` is not a number, nor ``"1"`` a boolean."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tutor.api.routes.grading import ExampleBody

OPENAI = "/v1/chat/completions"
WRONG = {"integer": [True, "3", 2.5], "number": [True, "0.5"], "boolean": ["true", 1]}


def _typed_fields(client: httpx.Client) -> list[tuple[str, str, str, Any]]:
    """(path, body field, JSON type, a wrongly typed value) for every request body field."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    found = []
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            model = schemas[body["schema"]["$ref"].rsplit("/", 1)[1]]
            for name, field in model.get("properties", {}).items():
                kinds = [field.get("type")] + [o.get("type") for o in field.get("anyOf", [])]
                for kind in set(kinds) & set(WRONG):
                    found += [(path, name, kind, value) for value in WRONG[kind]]
    return found


def test_every_typed_body_field_refuses_a_value_of_another_type(client: httpx.Client) -> None:
    fields = _typed_fields(client)
    assert ("/v1/items/{item_id}/variants", "n", "integer", True) in fields
    for path, name, _, value in fields:
        reply = client.post(re.sub(r"\{[^}]+\}", "x", path), json={name: value})
        assert _refused(reply, path, name), (path, name, value, reply.text)
    nested = {"model": "tutor", "messages": [], "stream_options": {"include_usage": "yes"}}
    reply = client.post(OPENAI, json=nested)
    assert _refused(reply, OPENAI, "stream_options.include_usage"), reply.text


def _refused(reply: httpx.Response, path: str, field: str) -> bool:
    """A 422 naming the field, or for the OpenAI wire format its 400 naming it."""
    error = reply.json()["error"]
    if path == OPENAI:
        return reply.status_code == 400 and f"{field}:" in error["message"]
    fields = {d["field"] for d in error.get("details", [])}
    return reply.status_code == 422 and f"body.{field}" in fields


def test_grading_examples_are_strict() -> None:  # /v1/grade itself needs the grader
    with pytest.raises(ValidationError, match="score"):
        ExampleBody.model_validate({"answer": "a", "score": True})
    assert ExampleBody.model_validate({"answer": "a", "score": 1}).score == 1.0


def test_a_body_that_is_not_utf8_is_the_documented_422(client: httpx.Client) -> None:
    """FastAPI answers such a body with a 400 no route documents (found by schemathesis)."""
    reply = client.post(
        "/v1/explain", content=b"d\xff\xfe", headers={"content-type": "application/json"}
    )
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "invalid_request"
