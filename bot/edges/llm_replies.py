"""What an OpenAI-compatible chat endpoint answers, read: a reply as a Completion, the JSON
object in its text, and an error body as the sentence the person sees.

Pure, so the LLM edge (bot.edges.llm) keeps only the talking. Error bodies come in the three
envelopes seen in the wild; an Anthropic-style finish reason is read as OpenAI's (chat
completion object: stop | length | tool_calls).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.parse import extract_json
from bot.errors import LLMRejected, SummaryFailed

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}


@dataclass(frozen=True)
class Completion:
    """One answer: its text, why it stopped (stop | length | ...) and what it cost."""

    text: str
    finish_reason: str
    input_tokens: int
    output_tokens: int


def completion_from(data: dict[str, Any], model: str, base_url: str) -> Completion:
    """A chat completion's reply ({choices: [{message, finish_reason}], usage}) as a Completion;
    one without a reply is SummaryFailed, naming `model` at `base_url`."""
    try:
        choice = data["choices"][0]
        content = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise SummaryFailed(
            f"The LLM endpoint answered without a reply "
            f"(model {model} at {base_url}; check LLM_MODEL and LLM_BASE_URL)."
        ) from None
    if isinstance(content, list):  # [{"type": "text", "text": ...}]
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    raw = choice.get("finish_reason") or "stop"
    usage = data.get("usage") or {}
    tokens_in = int(usage.get("input_tokens") or usage.get("prompt_tokens") or 0)
    tokens_out = int(usage.get("output_tokens") or usage.get("completion_tokens") or 0)
    return Completion(str(content), FINISH_REASONS.get(raw, raw), tokens_in, tokens_out)


def read_json(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The reply's JSON object; one sharing no key with the schema (an inner object picked
    out of broken JSON) counts as unreadable too."""
    data = extract_json(text)
    expected = set(schema.get("properties") or ())
    if expected and not expected & set(data):
        raise ValueError("the JSON object in the reply is not the one the schema describes")
    return data


def error_message(body: str) -> str:
    """The human part of an error body, whichever of the three envelopes it uses."""
    try:
        data = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:200] or "no details"
    if not isinstance(data, dict):
        return str(data)[:200]
    error = data.get("error")
    if isinstance(error, dict):  # documented {"error": {code, message, metadata}}; OpenAI
        data = error
    elif isinstance(error, str):  # auth middleware {"error": "...", "status": "error"}
        return error
    metadata = data.get("metadata")
    details = metadata.get("errors") if isinstance(metadata, dict) else None
    if details:  # observed {code, message, metadata: {errors: [...]}}
        return "; ".join(str(d) for d in details)
    return str(data.get("message") or data)[:200]


def scrub(text: str, key: str | None) -> str:
    """`text` with the API key masked, for sentences that quote what the server said."""
    return text.replace(key, "***") if key else text


def rejected(status: int, message: str, model: str, base_url: str) -> LLMRejected:
    """A refusal no retry can cure (bad key, unknown model, bad request) as its sentence."""
    where = f"The LLM endpoint {base_url} (LLM_BASE_URL)"
    if status in (401, 403):
        return LLMRejected(
            f"{where} rejected the API key (HTTP {status}: {message}). Check LLM_API_KEY."
        )
    if "model" in message.lower() or status == 404:
        return LLMRejected(
            f"{where} rejected model '{model}' (HTTP {status}: "
            f"{message}). Check LLM_MODEL and LLM_BASE_URL."
        )
    return LLMRejected(
        f"{where} rejected the request (HTTP {status}: {message}) for "
        f"model '{model}'. Check LLM_MODEL and LLM_BASE_URL."
    )
