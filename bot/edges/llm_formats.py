"""How the LLM edge asks for a JSON answer: the request bodies of structured output.

Three modes, tried in this order, each taken when the server refuses the one before it:
json_schema (the schema enforced), json_object (any JSON object), plain (the schema written
into the prompt; llama.cpp and other servers that refuse response_format). bot.edges.llm keeps
which mode an endpoint takes; a reply that is not JSON gets one repair request.
"""

from __future__ import annotations

from typing import Any

from bot.core.prompts import schema_instructions

MODES = ("json_schema", "json_object", "plain")
FORMAT_WORDS = ("response_format", "json_schema", "json_object", "json schema")
REPAIR = (
    "Your previous answer was not valid JSON. Reply again with only the JSON object "
    "that matches the schema: no prose, no code fences."
)


def fallback(mode: str) -> str:
    """The mode to try once the server refused `mode`."""
    return MODES[MODES.index(mode) + 1]


def json_body(
    model: str, messages: list[dict], schema: dict, name: str, limit: int, mode: str
) -> dict[str, Any]:
    """A chat completion request for a JSON object matching `schema`, asked for in `mode`."""
    body: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": limit,
        "temperature": 0,
    }
    if mode == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
    elif mode == "json_object":
        body["response_format"] = {"type": "json_object"}
    else:
        last = dict(messages[-1])
        last["content"] = f"{last.get('content') or ''}\n\n{schema_instructions(schema)}"
        body["messages"] = [*messages[:-1], last]
    return body


def repair_request(messages: list[dict], answer: str) -> list[dict]:
    """The conversation again, with the unreadable `answer` and a request to mend it."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": REPAIR},
    ]
