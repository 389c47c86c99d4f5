"""Reading a text/event-stream response into (event, data) pairs."""

from __future__ import annotations

import json
from typing import Any

import httpx


def read_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """Every event of a streamed response, read as it arrives."""
    events: list[tuple[str, Any]] = []
    name, data = "message", ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data += line[len("data: ") :]
        elif not line and data:
            events.append((name, json.loads(data)))
            name, data = "message", ""
    return events
