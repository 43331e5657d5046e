"""The two pipelines P3 measures Recap against, on the same simulators and latencies.

`run_baseline`, the seed's sequential pipeline: what a first version would do: relay the file
into AssemblyAI, create the transcript, poll every 3 s (on the bench clock), summarize the
chunks one after another with Recap's own prompts and chunk budget, combine the partials in
one call, post the result. Plain aiohttp, no concurrency, no webhook.

`run_baseline(..., reference=True)`, the floor: only the necessary: the same relay and create,
completion noticed at once (a GET every 10 ms), an eighth of the transcript per map call, all
eight at once, one reduce on the parts' briefs, the post.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.core import prompts
from bot.core.chunking import chunk_transcript
from bot.core.partials import brief
from bot.core.transcript import Utterance
from bot.sim.stage import Stage

POLL_EVERY_S = 3.0
REFERENCE_PARTS = 8
REFERENCE_POLL_S = 0.01


@dataclass
class BaselineRun:
    started: float
    transcript_ready: float  # when the baseline had the completed transcript in hand
    finished: float  # when its recap reached Slack
    llm_calls: int
    chunks: int


async def run_baseline(
    stage: Stage, file: dict[str, Any], *, channel: str, chunk_tokens: int, poll_s: float,
    reference: bool = False,
) -> BaselineRun:
    aai = {"authorization": stage.assemblyai.api_key}
    llm_url = f"{stage.llm.base_url}/v1/chat/completions"
    llm_headers = {"authorization": stage.llm.api_key}
    calls = 0
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {stage.slack.bot_token}"}
        async with http.get(file["url_private_download"], headers=auth) as download:
            download.raise_for_status()
            async with http.post(f"{stage.assemblyai.base_url}/v2/upload", headers=aai,
                                 data=download.content.iter_chunked(1 << 20)) as upload:
                audio_url = (await upload.json())["upload_url"]
        body = {"audio_url": audio_url, "speaker_labels": True,
                "speech_models": ["universal-3-pro", "universal-2"]}
        async with http.post(f"{stage.assemblyai.base_url}/v2/transcript", json=body,
                             headers=aai) as created:
            transcript_id = (await created.json())["id"]
        while True:
            async with http.get(f"{stage.assemblyai.base_url}/v2/transcript/{transcript_id}",
                                headers=aai) as polled:
                transcript = await polled.json()
            if transcript["status"] in ("completed", "error"):
                break
            await asyncio.sleep(poll_s)
        ready = time.monotonic()
        utterances = [Utterance(str(u["speaker"]), u["start"], u["end"], u["text"])
                      for u in transcript["utterances"]]
        if reference:  # an eighth each, at most eight: widen until the turns allow it
            total = chunk_transcript(utterances, 10**9)[0].tokens
            budget = -(-total // REFERENCE_PARTS)
            while len(chunks := chunk_transcript(utterances, budget)) > REFERENCE_PARTS:
                budget = int(budget * 1.02) + 1
        else:
            chunks = chunk_transcript(utterances, chunk_tokens)

        async def complete(messages: list[dict[str, str]]) -> dict[str, Any]:
            nonlocal calls
            request = {"model": "claude-sonnet-4-6", "messages": messages, "max_tokens": 16000,
                       "temperature": 0, "response_format": {"type": "json_schema", "json_schema": {
                           "name": "recap", "schema": prompts.RECAP_SCHEMA, "strict": True}}}
            async with http.post(llm_url, json=request, headers=llm_headers) as answer:
                answer.raise_for_status()
                calls += 1
                reply = await answer.json()
            return dict(json.loads(reply["choices"][0]["message"]["content"]))

        def part(chunk: Any) -> list[dict[str, str]]:
            return prompts.recap_messages(chunk.text, "topics", part=chunk.index + 1,
                                          total=len(chunks))

        if reference:
            partials = list(await asyncio.gather(*(complete(part(c)) for c in chunks)))
            recap = await complete(prompts.reduce_messages([brief(p) for p in partials],
                                                           "topics"))
        else:
            partials = []
            for chunk in chunks:
                partials.append(await complete(part(chunk)))
            recap = await complete(prompts.reduce_messages(partials, "topics"))
        text = recap["tldr"] + "\n" + "\n".join(f"- {t['title']}: {t['summary']}"
                                                 for t in recap["topics"])
        async with http.post(f"{stage.slack.api_url}chat.postMessage", headers=auth,
                             json={"channel": channel, "text": text[:3000]}) as posted:
            await posted.read()
    return BaselineRun(started, ready, time.monotonic(), calls, len(chunks))
