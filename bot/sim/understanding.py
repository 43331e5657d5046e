"""The LLM Gateway's Speech Understanding endpoint, as LLMSim serves it.

`POST /v1/understanding` runs Speaker Identification on a transcript the AssemblyAI simulator
already finished (`LLMSim(assemblyai=aai_sim)`), by the rule of bot/sim/speaker_id.py, and
never re-transcribes; `POST /v1/understanding/validate` checks a request without running it.

Shapes: llm-gateway.yml `/understanding` (`UnderstandingRequest`,
`LLMGatewaySpeakerIdentificationResponse`); assemblyai 1.8.2 `llm_gateway/v1`
(`understanding.create(transcript_id=, request=)` needs a `request_id`); the live run 10c (A5):
the reply is slim, `speech_understanding` {request, response}, the relabelled `utterances` with
their words and `request_id`, with no id, text or top-level words; nothing is stored, so a later
`GET /v2/transcript/{id}` still says A/B. The endpoint has its own limit (2 requests per 60 s
seen live, headers `x-ratelimit-service: speech-understanding`, `x-ratelimit-feature:
understanding`), set with `rate_limit()`. An unknown transcript is 404 `{"request_id",
"message": "transcript not found", "code": 404}` (seen live for chat's `transcript_id`, assumed
here); other refusals use the Gateway's validation envelope (`invalid_body`) in the
simulator's own words.
May import: the standard library, aiohttp and bot.sim.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim import json_response
from bot.sim.assemblyai_json import result_fields, status_of
from bot.sim.rate_limit import SlidingWindow
from bot.sim.speaker_id import (
    NEEDS_DIARIZATION,
    config_of,
    identify,
    problem_with,
    relabel,
    response_block,
)

if TYPE_CHECKING:
    from bot.sim.assemblyai import AssemblyAISim

__all__ = ["TOO_MANY", "Understanding", "invalid_body", "not_found_body"]

TOO_MANY = "too many requests for this action"


def invalid_body(error: str) -> dict[str, Any]:
    """The Gateway's observed validation error envelope (API-NOTES §2.4, shape 2)."""
    return {"code": 400, "message": "invalid request body", "request_id": str(uuid.uuid4()),
            "metadata": {"errors": [error]}}


def not_found_body() -> dict[str, Any]:
    return {"request_id": str(uuid.uuid4()), "message": "transcript not found", "code": 404}


@dataclass
class Understanding:
    """/v1/understanding's rate limit and counters (`requests`, `answered`, `rate_limited`)."""

    requests: int = 0
    answered: int = 0
    rate_limited: int = 0
    _window: SlidingWindow = field(
        default_factory=lambda: SlidingWindow("speech-understanding", "understanding"),
        repr=False,
    )

    def rate_limit(self, requests: int, period_s: float = 60.0) -> None:
        """Allow `requests` runs per sliding `period_s` window (0 turns the limit off)."""
        self._window.set(requests, period_s)

    async def handle(self, request: web.Request, assemblyai: AssemblyAISim | None) -> web.Response:
        validate = request.path.endswith("/validate")
        self.requests += 1
        now = asyncio.get_running_loop().time()
        allowed, headers = (True, {}) if validate else self._window.take(now)
        if not allowed:
            self.rate_limited += 1
            body = {"request_id": str(uuid.uuid4()), "message": TOO_MANY, "code": 429}
            return json_response(body, 429, headers)
        try:
            asked = await request.json()
        except ValueError:
            return json_response(invalid_body("request body is not valid JSON"), 400, headers)
        status, reply = self._answer(asked, assemblyai, validate)
        self.answered += status == 200
        return json_response(reply, status, headers)

    def _answer(
        self, asked: Any, assemblyai: AssemblyAISim | None, validate: bool
    ) -> tuple[int, dict[str, Any]]:
        if not isinstance(asked, dict):
            return 400, invalid_body("request body must be a JSON object")
        understanding = asked.get("speech_understanding")
        request = understanding.get("request") if isinstance(understanding, dict) else None
        if not isinstance(understanding, dict) or not isinstance(request, dict):
            return 400, invalid_body("speech_understanding.request is required")
        config = config_of(understanding)
        if config is None:
            return 400, invalid_body("the simulator runs speaker_identification only")
        if problem := problem_with(config):
            return 400, invalid_body(problem)
        transcript_id = asked.get("transcript_id")
        if validate and transcript_id is None:
            return 200, {"request_id": str(uuid.uuid4())}
        if not isinstance(transcript_id, str) or not transcript_id:
            return 400, invalid_body("transcript_id is required")
        job = assemblyai.job(transcript_id) if assemblyai is not None else None
        if assemblyai is None or job is None or job.deleted:
            return 404, not_found_body()
        if status_of(job, asyncio.get_running_loop().time()) != "completed":
            return 400, invalid_body(f"transcript {transcript_id} is not completed")
        if not job.request.get("speaker_labels") and not job.request.get("multichannel"):
            return 400, invalid_body(NEEDS_DIARIZATION)
        if validate:
            return 200, {"request_id": str(uuid.uuid4())}
        mapping = identify(job.script.labels(), job.script.identities(), config)
        assemblyai.record_identification(job, "understanding", config, mapping)
        turns = result_fields(job.script.turns(), diarized=True)["utterances"]
        return 200, {
            "speech_understanding": response_block(request, mapping),
            "utterances": relabel(turns, mapping),
            "request_id": str(uuid.uuid4()),
        }
