"""Structured output: a pydantic model's JSON schema out, a validated instance back.

The schema goes to the provider as ``response_format`` (``json_schema``); ``strict`` is set
only when the schema meets OpenAI's strict subset (every object closed, every property
required, no defaults), since a strict request with any other schema is refused.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tutor.llm.messages import Message

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(?P<body>.*?)\n?```\s*$", re.DOTALL)


def response_format(output_model: type[BaseModel]) -> dict[str, Any]:
    """The ``response_format`` for ``output_model`` (a fresh copy: callers may change it)."""
    return copy.deepcopy(_response_format(output_model))


@functools.cache
def _response_format(output_model: type[BaseModel]) -> dict[str, Any]:
    """Built once per model class: pydantic takes milliseconds to generate a JSON schema."""
    schema = output_model.model_json_schema()
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", output_model.__name__)[:64]
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": schema, "strict": is_strict_compatible(schema)},
    }


def is_strict_compatible(schema: Any) -> bool:
    """True when every object in ``schema`` is closed and requires all its properties."""
    if isinstance(schema, list):
        return all(is_strict_compatible(item) for item in schema)
    if not isinstance(schema, dict):
        return True
    if "default" in schema:
        return False
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required", [])) != set(properties):
            return False
    return all(
        is_strict_compatible(value)
        for key, value in schema.items()
        if key not in ("required", "enum", "const", "examples") and isinstance(value, dict | list)
    )


def parse(output_model: type[T], text: str) -> T:
    """Validate a reply, tolerating a Markdown code fence around the JSON."""
    match = _FENCE.match(text)
    return output_model.model_validate_json(match.group("body") if match else text)


def describe(error: ValidationError) -> str:
    """The validation errors, one line each, in words a model can act on."""
    lines = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "(the whole reply)"
        lines.append(f"- {where}: {item['msg']}")
    return "\n".join(lines)


def repair_messages(reply: str, errors: str) -> tuple[Message, Message]:
    """The bad reply, then a request to fix it that quotes the validation errors."""
    return (
        Message(role="assistant", content=reply),
        Message(
            role="user",
            content=(
                "Your reply did not match the required JSON schema. Validation errors:\n"
                f"{errors}\n"
                "Reply again with only the corrected JSON object: no prose, no code fence."
            ),
        ),
    )
