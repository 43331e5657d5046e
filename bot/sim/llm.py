"""Simulated LLM Gateway (/v1/chat/completions, /v1/models) that writes real-looking recaps.

Speaks the wire format of API-NOTES.md §2 (raw or Bearer key, the superset reply the SDK needs,
the three error shapes) and reads the prompt convention of INTERFACES.md: it answers `recap`
calls with an extractive recap of the `<transcript>` lines (or a merge of `<partials>`), `judge`
calls with a verdict, and free-text follow-ups with a cited line. Everything is deterministic,
so tests can assert the map/reduce shape. Misbehaviours of real models and servers are knobs.
May import: the standard library, aiohttp and bot.sim.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sim import SimServer, json_response

__all__ = ["DEFAULT_MODELS", "PLANTED_ITEM", "PLANTED_SENTENCE", "LLMCall", "LLMSim",
           "estimate_tokens"]

DEFAULT_MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5-20251001",
    "gpt-5-mini",
    "gemini-2.5-flash",
)
PLANTED_ITEM: dict[str, Any] = {
    "text": "Book the offsite venue for the whole team",
    "owner": "Zelda",
    "due": "March 3",
    "start": "00:00",
    "quote": "Zelda, can you book the offsite venue for the whole team by March 3?",
}
"""What `hallucinate=True` adds to recaps: nobody called Zelda is in any simulated meeting."""
PLANTED_SENTENCE = "Zelda will book the offsite venue for the whole team by March 3."
"""What `hallucinate_prose=True` adds to the tldr, where no quote check can reach it.

Both plants are left out when the request's <instructions> name Zelda (a model told what it
invented drops it), unless `stubborn=True`."""

_NO_ACCESS = "Your account does not have access to LLM Gateway. Please upgrade your account."


def estimate_tokens(text: str) -> int:
    """The sim's token count: one token per four characters, rounded up."""
    return math.ceil(len(text) / 4)


@dataclass
class LLMCall:
    """One answered chat completion: what was asked, what the sim said, and what it cost."""

    request: dict[str, Any]
    model: str
    schema: str | None
    response_format: str | None
    style: str | None
    input_tokens: int
    output_tokens: int
    content: str
    finish_reason: str


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _format_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(response_format type, json_schema name) of a request; (None, None) without one."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return None, None
    kind = response_format.get("type")
    spec = response_format.get("json_schema") if kind == "json_schema" else None
    name = spec.get("name") if isinstance(spec, dict) else None
    return (str(kind) if kind else None), (str(name) if name else None)


def _schema_for(fmt: str | None, name: str | None, messages: list[dict[str, Any]]) -> str | None:
    """"recap", "judge", or None for a free-text follow-up.

    Without a schema name (json_object, or the schema pasted into the prompt after a server
    refused response_format) the kind is read from the prompt itself.
    """
    if name in ("recap", "judge"):
        return name
    texts = [(m.get("role"), _text_of(m)) for m in messages]
    asks_json = any(
        "JSON schema" in text or (role == "system" and "JSON object" in text)
        for role, text in texts
    )
    if fmt is None and not asks_json:
        return None
    prompt = "\n".join(text for _, text in texts)
    judged = _block(prompt, "recap") is not None or '"hallucinations"' in prompt
    return "judge" if judged else "recap"


@dataclass(eq=False)
class LLMSim(SimServer):
    """The LLM Gateway on loopback; point LLM_BASE_URL at `f"{sim.base_url}/v1"`.

    Knobs are attributes, settable at run time. Counters: `calls`, `input_tokens`,
    `output_tokens` (answered completions only), `rate_limited` (429s sent by `rate_limit`),
    `completions` (list of LLMCall), plus the base request log.
    """

    api_key: str = "sim-llm-key"
    known_models: set[str] | None = None
    unknown_model: bool = False
    require_bearer: bool = False
    reject_json_schema: bool = False
    reject_json_schema_status: int = 500
    reject_json_object: bool = False
    prose_wrapped: bool = False
    ignore_response_format: bool = False
    malformed_next: int = 0
    refuse_next: int = 0
    """The next structured answers are prose without any JSON (a model declining the format)."""
    fail_containing: str | None = None
    """Requests whose body contains this text answer 500 every time (a part that keeps failing)."""
    hallucinate: bool = False
    hallucinate_prose: bool = False
    stubborn: bool = False
    obey: str = ""
    """Text a model that obeyed a prompt injection writes: added to the tldr, the first topic's
    title, the first action item's owner and every follow-up answer (markup, links, pings)."""
    context_length: int = 200_000
    topic_lines: int = 8
    completions: list[LLMCall] = field(default_factory=list, init=False, repr=False)
    rate_limited: int = field(default=0, init=False)
    _limit: tuple[int, float] | None = field(default=None, init=False, repr=False)
    _window: deque[float] = field(default_factory=deque, init=False, repr=False)
    _malformed_seen: int = field(default=0, init=False, repr=False)

    @property
    def calls(self) -> int:
        return len(self.completions)

    @property
    def input_tokens(self) -> int:
        return sum(c.input_tokens for c in self.completions)

    @property
    def output_tokens(self) -> int:
        return sum(c.output_tokens for c in self.completions)

    def rate_limit(self, requests: int, period_s: float = 60.0) -> None:
        """Allow `requests` completions per sliding `period_s` window (0 turns the limit off)."""
        self._limit = (requests, period_s) if requests > 0 else None
        self._window.clear()

    # -- server plumbing --------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/chat/completions", self._chat)
        router.add_get("/v1/models", self._models)

    def fault_body(self, status: int) -> Any:
        if status == 429:
            return {"request_id": str(uuid.uuid4()), "message": _TOO_MANY, "code": 429}
        message = "Internal server error" if status >= 500 else f"HTTP {status}"
        return {"error": {"code": status, "message": message, "metadata": {}}}

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("authorization", "").strip()
        key = header[7:].strip() if header.lower().startswith("bearer ") else header
        bearer_ok = header.lower().startswith("bearer ") or not self.require_bearer
        if key == self.api_key and bearer_ok:
            return None
        message = _NO_ACCESS if not header else "Authentication error, API token missing/invalid"
        body = {"error": message, "status": "error", "request_id": str(uuid.uuid4())}
        return json_response(body, 401)

    def _take_slot(self) -> tuple[bool, dict[str, str]]:
        """Sliding-window limiter; returns (allowed, x-ratelimit-* headers)."""
        if self._limit is None:
            return True, {}
        limit, period = self._limit
        now = asyncio.get_running_loop().time()
        while self._window and self._window[0] <= now - period:
            self._window.popleft()
        allowed = len(self._window) < limit
        if allowed:
            self._window.append(now)
        reset = max(1, math.ceil(self._window[0] + period - now)) if self._window else 0
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - len(self._window))),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-service": "llmgw",
        }
        if not allowed:
            headers["retry-after"] = str(reset)
        return allowed, headers

    # -- handlers ---------------------------------------------------------------------------
    async def _models(self, request: web.Request) -> web.Response:
        names = sorted(self.known_models) if self.known_models else list(DEFAULT_MODELS)
        params = ["max_tokens", "temperature", "stop", "tools"]
        if not self.reject_json_schema:
            params.append("response_format")
        provider = {"id": "sim", "name": "Recap simulator"}
        data = [
            {
                "id": name, "name": name, "description": "Simulated model (deterministic).",
                "default_parameters": {"temperature": None, "top_p": None},
                "supported_parameters": params,
                "top_provider": {"is_moderated": False, "context_length": self.context_length,
                                 "max_completion_tokens": 64_000},
                "context_length": self.context_length,
                "pricing": {"global": {"completions": 0.0, "prompt": 0.0}},
                "creator": "sim", "retirement_date": 0, "available_regions": ["us", "eu"],
                "providers": [provider], "default_provider": provider,
            }
            for name in names
        ]
        return json_response({"data": data})

    async def _chat(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        allowed, headers = self._take_slot()
        if not allowed:
            self.rate_limited += 1
            body = {"request_id": str(uuid.uuid4()), "message": _TOO_MANY, "code": 429}
            return json_response(body, 429, headers)
        if self.fail_containing and self.fail_containing in (await request.text()):
            return json_response(self.fault_body(500), 500)
        response = await self._complete(request)
        response.headers.update(headers)
        return response

    async def _complete(self, request: web.Request) -> web.Response:
        started = time.monotonic_ns()
        try:
            body = await request.json()
        except ValueError:
            return _invalid("request body is not valid JSON")
        if not isinstance(body, dict):
            return _invalid("request body must be a JSON object")
        for required in ("model", "messages"):
            if not body.get(required) and not (required == "messages" and body.get("prompt")):
                message = f"Invalid request: missing required field '{required}'"
                error = {"code": 400, "message": message, "metadata": {}}
                return json_response({"error": error}, 400)
        model = str(body["model"])
        if self.unknown_model or (self.known_models is not None and model not in self.known_models):
            return _invalid(f"model {model} is not supported")
        fmt, name = _format_of(body)
        if (fmt == "json_schema" and self.reject_json_schema) or (
            fmt == "json_object" and self.reject_json_object
        ):
            if self.reject_json_schema_status == 400:
                return _invalid(f"model {model} does not support response_format")
            message = f"response_format type {fmt} is not supported"
            error = {"code": self.reject_json_schema_status, "message": message,
                     "type": "server_error"}
            return json_response({"error": error}, self.reject_json_schema_status)
        messages = body.get("messages") or [{"role": "user", "content": str(body.get("prompt"))}]
        messages = [m for m in messages if isinstance(m, dict)]
        input_tokens = sum(estimate_tokens(_text_of(m)) for m in messages)
        if input_tokens > self.context_length:
            return _invalid(f"prompt is too long: {input_tokens} tokens > {self.context_length}")
        prompt = "\n".join(_text_of(m) for m in messages)
        style = _style(prompt)
        schema = _schema_for(fmt, name, messages)
        content = self._structured(schema, prompt, style) if schema else _follow_up(messages)
        if self.obey and not schema:
            content = f"{content} {self.obey}"
        max_tokens = int(body.get("max_tokens") or 1000)
        finish = "stop"
        if estimate_tokens(content) > max_tokens:
            content, finish = content[: max_tokens * 4], "length"
        output_tokens = estimate_tokens(content)
        self.completions.append(
            LLMCall(body, model, schema, fmt, style, input_tokens, output_tokens, content, finish)
        )
        usage = {
            "input_tokens": input_tokens, "prompt_tokens": input_tokens,
            "output_tokens": output_tokens, "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        reply = {
            "request_id": str(uuid.uuid4()),
            "model": model,
            "request": {"model": model, "max_tokens": max_tokens},
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish}],
            "usage": usage,
            "http_status_code": 200,
            "response_time": time.monotonic_ns() - started,
            "llm_status_code": 200,
        }
        return json_response(reply)

    def _structured(self, schema: str, prompt: str, style: str | None) -> str:
        """A JSON answer for a structured call, then the configured misbehaviours."""
        if schema == "judge":
            answer: dict[str, Any] = _judge(prompt)
        else:
            told = str(PLANTED_ITEM["owner"]) in (_block(prompt, "instructions") or "")
            invent = self.stubborn or not told
            answer = _recap(prompt, style, self.topic_lines, self.hallucinate and invent)
            if self.hallucinate_prose and invent and answer["tldr"]:
                answer["tldr"] = f"{answer['tldr']} {PLANTED_SENTENCE}"
            if self.obey:
                answer["tldr"] = f"{answer['tldr']} {self.obey}".strip()
                for field_name, items in (("title", answer["topics"]),
                                          ("owner", answer["action_items"])):
                    if items:
                        items[0][field_name] = self.obey
        text = json.dumps(answer, ensure_ascii=False, indent=1)
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "I'm sorry, but I can't produce that summary in the requested format."
        if self.malformed_next > 0:
            self.malformed_next -= 1
            self._malformed_seen += 1
            text = text[:-1] if self._malformed_seen % 2 == 0 else text[:-2] + ",\n}"
        if self.prose_wrapped:
            return f"Here is the recap:\n```json\n{text}\n```\nHope this helps!"
        if self.ignore_response_format:
            return f"Sure! Here is a summary of the meeting.\n\n{text}\n\nAnything else?"
        return text


_TOO_MANY = "too many requests for this action"


def _invalid(error: str) -> web.Response:
    """The Gateway's observed validation error shape (API-NOTES §2.4, shape 2)."""
    body = {"code": 400, "message": "invalid request body", "request_id": str(uuid.uuid4()),
            "metadata": {"errors": [error]}}
    return json_response(body, 400)


# -- reading the prompt -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Line:
    stamp: str
    speaker: str
    text: str

    @property
    def label(self) -> str:
        return f"Speaker {self.speaker}" if len(self.speaker) <= 2 else self.speaker


_LINE = re.compile(r"^\[(\d{1,2}:\d{2}(?::\d{2})?)\]\s+([^:\n]{1,60}?):\s+(.*\S)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _block(prompt: str, tag: str) -> str | None:
    """The text between a line `<tag>` and a line `</tag>` (the last such block)."""
    found = re.findall(rf"^\s*<{tag}>\s*$(.*?)^\s*</{tag}>\s*$", prompt, re.M | re.S)
    return found[-1] if found else None


def _lines(prompt: str) -> list[_Line]:
    block = _block(prompt, "transcript")
    lines = []
    for raw in (block or "").splitlines():
        if m := _LINE.match(raw.strip()):
            speaker = m[2].strip()
            speaker = speaker[8:].strip() if speaker.startswith("Speaker ") else speaker
            lines.append(_Line(m[1], speaker, m[3]))
    return lines


def _style(prompt: str) -> str | None:
    m = re.search(r"^\s*Style:\s*([A-Za-z_-]+)", prompt, re.M)
    return m[1].lower() if m else None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _clip(text: str, words: int) -> str:
    parts = text.split()
    return text.strip() if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def _cap(text: str) -> str:
    text = text.strip().rstrip(".!?")
    return text[:1].upper() + text[1:]


_STOP = set(
    "a an the and or but so to of in on at for with from by about into over after before is are "
    "was were be been being it its this that these those there here i i'm i'd i've you we our "
    "us they them he she his her my me your do does did doing not no yes have has had just "
    "really very also too then than as if what which who when where how why all any some more "
    "most much many can could would should will shall may might must let let's okay ok sure "
    "right well like get got go going one two morning everyone thanks thank nice great good "
    "want think know see look looks need still quick only up out now today yesterday i'll it's "
    "that's there's we're we'll they're don't doesn't isn't won't can't didn't same here "
    "anyone anything something nobody every each other another yet because since while".split()
)
_VERBS = set(
    "take takes took ran run runs move moves ship ships send sends make makes keep keeps put "
    "add adds ask asks write writes update updates tell tells fail fails fix fixes give gives "
    "say says said talk talks come comes sit sits spend spent grew grow help helps test tests "
    "met meet meets prefer prefers finish finishes shows show ran try tries drop freeze".split()
)
_NOT_NAMES = {
    "Okay", "Ok", "Sure", "Yes", "Yeah", "No", "Well", "So", "Right", "Thanks", "Great", "Good",
    "Also", "Now", "And", "But", "Then", "Actually", "Honestly", "Alright", "Hey", "Hi", "Morning",
    "Look", "Listen", "Fine", "Cool", "Perfect", "Agreed", "Partly", "Nice", "Oh", "Please",
    "Anyway", "Sorry", "Wait", "Today", "Tomorrow", "Again", "Maybe", "Otherwise", "First", "Next",
}


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


def _names(lines: list[_Line]) -> list[str]:
    """Speaker names plus people addressed by name ("Bob, can you ...", "Thanks, Alice.")."""
    names = {line.speaker: None for line in lines if len(line.speaker) > 2}
    for line in lines:
        for s in _sentences(line.text):
            start = re.match(r"([A-Z][a-z]+),\s.*\byou\b", s)
            end = re.search(r",\s([A-Z][a-z]+)[.!?]$", s)
            for m in (start, end):
                if m and m[1] not in _NOT_NAMES:
                    names.setdefault(m[1], None)
    return list(names)


# -- writing a recap ----------------------------------------------------------------------------
_ASK = re.compile(r"\b(?:can|could) you\b", re.I)
_SELF = re.compile(r"\bI(?:'ll| will)\b")
_DAY = r"(?:(?:next|this)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DUE = re.compile(
    rf"\b(?:{_DAY}|tomorrow|today|tonight|next week|(?:the )?end of (?:the )?(?:day|week|month))\b",
    re.I,
)
_ACTION = re.compile(
    rf"\b(?:can you|could you|I'll|I will|will|by {_DAY}|tomorrow|next week)\b", re.I
)
_DECISION = re.compile(r"\b(?:decided|decide to|agree|agreed|let's go with|we'll go with)\b", re.I)


def _action(line: _Line, sentence: str, names: list[str]) -> dict[str, Any]:
    if m := re.search(r"\b(?:can|could) you (?:please )?(.+?)[.!?]*$", sentence, re.I):
        text = m[1]
    elif m := re.search(r"\bI(?:'ll| will) (.+?)[.!?]*$", sentence):
        text = m[1]
    else:
        text = sentence
    named = [n for n in names if re.search(rf"\b{re.escape(n)}\b", sentence)]
    named.sort(key=sentence.index)
    owner = named[0] if named else (line.speaker if _SELF.search(sentence) else None)
    due = _DUE.search(sentence)
    return {"text": _cap(text), "owner": owner, "due": due[0] if due else None,
            "start": line.stamp, "quote": _clip(sentence, 25).rstrip("…")}


def _decision(line: _Line, sentence: str) -> dict[str, Any]:
    text = sentence
    if m := re.search(r"\bdecided (?:to |that |on )?(.+?)[.!?]*$", sentence, re.I):
        text = m[1]
    elif m := re.search(r"\b(?:let's|we'll) go with (.+?)[.!?]*$", sentence, re.I):
        text = "Go with " + m[1]
    elif m := re.search(r"\bagreed? (?:to|that|on) (.+?)[.!?]*$", sentence, re.I):
        text = m[1]
    return {"text": _cap(text), "start": line.stamp, "quote": _clip(sentence, 25).rstrip("…")}


def _extract(lines: list[_Line]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Action items and decisions, found sentence by sentence."""
    names = _names(lines)
    actions: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    asked_before = False
    for line in lines:
        asked_now = False
        for sentence in _sentences(line.text):
            if _DECISION.search(sentence) and len(sentence.split()) >= 5:
                decisions.append(_decision(line, sentence))
            elif _ACTION.search(sentence):
                if asked_before and _SELF.search(sentence) and not _ASK.search(sentence):
                    continue  # "Sure, I'll do that." accepts the request just made
                item = _action(line, sentence, names)
                if all(a["text"].lower() != item["text"].lower() for a in actions):
                    actions.append(item)
                asked_now = asked_now or bool(_ASK.search(sentence))
        asked_before = asked_now
    return actions, decisions


def _keywords(text: str, names: list[str]) -> list[str]:
    return [w for w in _words(text) if w.lower() not in _STOP and w not in names and len(w) > 2]


def _topic(group: list[_Line], names: list[str], summary_words: int) -> dict[str, Any]:
    """Lead sentence = the one richest in the group's frequent words; title = its key words."""
    freq: dict[str, int] = {}
    for line in group:
        for w in _keywords(line.text, names):
            freq[w.lower()] = freq.get(w.lower(), 0) + 1
    sentences = [s for line in group for s in _sentences(line.text)]
    candidates = [s for s in sentences if len(s.split()) >= 6] or sentences

    def score(sentence: str) -> int:
        return sum(freq.get(w.lower(), 0) for w in set(_keywords(sentence, names)))

    lead = max(candidates, key=score)  # max keeps the earliest of equals
    keys = list(dict.fromkeys(_keywords(lead, names)))
    nouns = [w for w in keys if w.lower() not in _VERBS and not w.endswith(("ed", "ing"))]
    top = sorted(nouns or keys, key=lambda w: -freq.get(w.lower(), 0))[:3]
    title = " ".join(w[:1].upper() + w[1:] for w in keys if w in top) or "Discussion"
    speakers = list(dict.fromkeys(line.speaker for line in group))
    return {"title": title, "summary": _clip(lead, summary_words), "start": group[0].stamp,
            "speakers": speakers}


def _topics(lines: list[_Line], count: int, summary_words: int) -> list[dict[str, Any]]:
    names = _names(lines)
    size = max(1, math.ceil(len(lines) / max(1, count)))
    return [_topic(lines[i : i + size], names, summary_words) for i in range(0, len(lines), size)]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _tldr(lines: list[_Line], topics: list[dict[str, Any]], decisions: list[dict[str, Any]],
          actions: list[dict[str, Any]]) -> str:
    people = _join(list(dict.fromkeys(line.label for line in lines)))
    subjects = _join([t["title"].lower() for t in topics[:3]]) or "the agenda"
    first = f"{people} discussed {subjects}."
    if decisions:
        decided = decisions[0]["text"]
        return f"{first} They decided to {decided[:1].lower()}{decided[1:]}."
    if actions:
        return f"{first} {len(actions)} follow-ups were assigned, first: {actions[0]['text']}."
    return f"{first} {_cap(_clip(_sentences(lines[0].text)[0], 15))}."


def _shape(recap: dict[str, Any], style: str | None) -> dict[str, Any]:
    """Keep the fields the style asks for (INTERFACES.md: brief, bullets, actions, chapters)."""
    if style == "brief":
        recap |= {"topics": [], "action_items": [], "decisions": []}
    elif style in ("bullets", "chapters"):
        recap |= {"action_items": [], "decisions": []}
        if style == "bullets" and len(recap["topics"]) > 7:
            step = len(recap["topics"]) / 7
            recap["topics"] = [recap["topics"][int(i * step)] for i in range(7)]
    elif style == "actions":
        recap |= {"tldr": "", "topics": []}
    return recap


def _recap(prompt: str, style: str | None, topic_lines: int, hallucinate: bool) -> dict[str, Any]:
    partials = _block(prompt, "partials")
    if partials is not None:
        recap = _merge(partials)
    else:
        lines = _lines(prompt)
        if not lines:
            return {"tldr": "The transcript is empty.", "topics": [], "action_items": [],
                    "decisions": []}
        wanted = math.ceil(len(lines) / max(1, topic_lines))
        if style == "bullets":
            count = max(min(3, len(lines)), min(wanted, 7))
        else:
            count = max(1, min(wanted, 12 if style == "chapters" else 6))
        topics = _topics(lines, count, 12 if style == "chapters" else 20)
        actions, decisions = _extract(lines)
        recap = {"tldr": _tldr(lines, topics, decisions, actions), "topics": topics,
                 "action_items": actions, "decisions": decisions}
    if hallucinate and all(a.get("owner") != PLANTED_ITEM["owner"] for a in recap["action_items"]):
        recap["action_items"].append(dict(PLANTED_ITEM))
    return _shape(recap, style)


def _merge(partials_json: str) -> dict[str, Any]:
    """The reduce step: concatenate topics and decisions, dedupe actions, shorten the tldrs."""
    try:
        partials = json.loads(partials_json)
    except ValueError:
        partials = []
    partials = [p for p in partials if isinstance(p, dict)] if isinstance(partials, list) else []
    topics: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    tldrs: list[str] = []
    for p in partials:
        topics += [t for t in p.get("topics") or [] if isinstance(t, dict)]
        decisions += [d for d in p.get("decisions") or [] if isinstance(d, dict)]
        for item in p.get("action_items") or []:
            text = str(item.get("text", "")).lower() if isinstance(item, dict) else ""
            if text and all(str(a.get("text", "")).lower() != text for a in actions):
                actions.append(item)
        sentences = _sentences(str(p.get("tldr") or ""))
        if sentences and sentences[0] not in tldrs:
            tldrs.append(sentences[0])
    tldr = _clip(" ".join(tldrs), 60) if tldrs else ""
    return {"tldr": tldr, "topics": topics, "action_items": actions, "decisions": decisions}


def _judge(prompt: str) -> dict[str, Any]:
    """Flag recap lines naming a person the transcript never mentions: the planted owner, or
    an item's owner (`— *Name*`) absent from this part of a transcript judged in parts."""
    transcript = _block(prompt, "transcript") or ""
    recap = _block(prompt, "recap") or ""
    people = {str(PLANTED_ITEM["owner"]), *re.findall(r"— \*([^*\n]{1,60})\*", recap)}

    def said(name: str, text: str) -> bool:
        return re.search(rf"\b{re.escape(name)}\b", text) is not None

    flagged = [
        line.strip().lstrip("-*• ").strip()
        for line in recap.splitlines()
        if any(said(n, line) and not said(n, transcript) for n in people)
    ]
    return {"hallucinations": flagged, "accurate": not flagged, "missing": []}


# -- follow-up questions ------------------------------------------------------------------------
def _stem(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _best(lines: list[_Line], question: str, n: int) -> list[tuple[_Line, str]]:
    """The n lines (with their best sentence) sharing most content words with the question."""
    question = _FORMAT_WORDS.sub(" ", question)
    asked = {_stem(w) for w in _words(question) if w.lower() not in _STOP}
    scored = []
    for i, line in enumerate(lines):
        for sentence in _sentences(line.text):
            overlap = len(asked & {_stem(w) for w in _words(sentence)})
            if overlap:
                scored.append((-overlap, i, line, sentence))
    scored.sort(key=lambda s: (s[0], s[1]))
    picked: list[tuple[_Line, str]] = []
    for _, _, line, sentence in scored:
        if all(line is not p[0] for p in picked):
            picked.append((line, sentence))
        if len(picked) == n:
            break
    return picked


_FORMAT_WORDS = re.compile(r"\b(?:table|shorter|shorten|spanish|español|format|markdown)\b", re.I)


def _table(lines: list[_Line], question: str) -> str:
    """A markdown table: the decisions or action items if asked for, else the best lines."""
    head = "| Time | Speaker | What was said |\n| --- | --- | --- |\n"
    actions, decisions = _extract(lines)
    if "decision" in question.lower() and decisions:
        rows = [f"| {d['start']} | {d['text']} |" for d in decisions]
        return "| Time | Decision |\n| --- | --- |\n" + "\n".join(rows)
    if re.search(r"action|to-?do|task", question, re.I) and actions:
        rows = [f"| {a['owner'] or '-'} | {a['text']} | {a['due'] or '-'} |" for a in actions]
        return "| Owner | Action | Due |\n| --- | --- | --- |\n" + "\n".join(rows)
    best = _best(lines, question, 3) or [(line, line.text) for line in lines[:3]]
    return head + "\n".join(f"| {ln.stamp} | {ln.label} | {_clip(s, 25)} |" for ln, s in best)


def _follow_up(messages: list[dict[str, Any]]) -> str:
    """Free-text answer citing the transcript line that best matches the question."""
    question = next((_text_of(m) for m in reversed(messages) if m.get("role") == "user"), "")
    earlier = [_text_of(m) for m in messages if m.get("role") == "assistant"]
    lines = _lines("\n".join(_text_of(m) for m in messages))
    asked = question.lower()
    if not lines:
        return f"(simulated answer) {_clip(question, 30)}"
    if "table" in asked:
        return _table(lines, question)
    if "shorter" in asked or "shorten" in asked or "tl;dr" in asked:
        base = earlier[-1] if earlier else lines[0].text
        return _clip(_sentences(base)[0] if _sentences(base) else base, 12)
    best = _best(lines, question, 1)
    if not best:
        return "I couldn't find anything about that in the transcript."
    line, sentence = best[0]
    if "spanish" in asked or "español" in asked:
        return f"Respuesta en español: en [{line.stamp}] {line.label} dijo: “{sentence}”."
    return f"At [{line.stamp}] {line.label} said: “{sentence}”."
