"""P9: time to the first visible word of a follow-up answer, streamed vs posted whole.

Measured through the real app on the same simulators twice, STREAM_ANSWERS=on then off: a
person's question in a recap's thread goes to `recap run`, and the clock stops when the first
words are in the thread: the chat.startStream call (streamed) or the chat.postMessage of the
answer (whole) reaching the Slack simulator, plus its latency. The model writes as a real one
does: FIRST_TOKEN before its first token, then DECODE_TPS tokens a second (bench clock), an
answer of about 300 tokens. Goal: the first words in about the model's first-token time
(within 1.5x of it and one Slack call, counted from the LLM request: the app's CPU time, which
the bench clock does not scale, weighs ten times more here than in life).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

from aiohttp import web

from bench.harness import (
    CHANNEL,
    DECODE_TPS,
    LLM_LATENCY,
    SLACK_LATENCY,
    GatewaySim,
    Row,
    bench_stage,
    drop,
    start_app,
)
from bench.harness import wait_recaps as recap_done
from bot.sim.stage import AppProcess, Stage

FIRST_TOKEN = 0.1  # the model's time to first token (~1 s in life)
ANSWER_TAIL = " ".join(f"Point {i}: the draft goes to legal after the review." for i in range(20))
QUESTIONS = ("Who sends the draft to legal?", "When is the draft due?", "What did Bob promise?",
             "Who reviews the budget?", "What slips if the draft is late?")


@dataclass(eq=False)
class AskedClock(GatewaySim):
    """The Gateway simulator, noting when each request arrived (the model starts then)."""

    asked: list[float] = field(default_factory=list)

    async def _complete(self, request: web.Request,
                        headers: dict[str, str] | None = None) -> web.StreamResponse:
        self.asked.append(time.monotonic())
        return await super()._complete(request, headers)


async def _answered(stage: Stage, thread_ts: str, after: float, timeout: float = 30) -> float:
    """When the first words of the answer to the question at `after` were in the thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in stage.slack.calls():
            if call.at < after or call.args.get("thread_ts") != thread_ts:
                continue
            if call.method in ("chat.startStream", "chat.postMessage"):
                if call.method == "chat.postMessage" or _stopped(stage, thread_ts):
                    await asyncio.sleep(2 * SLACK_LATENCY)
                    return call.at + SLACK_LATENCY
        await asyncio.sleep(0.005)
    raise TimeoutError("no answer in the thread")


def _stopped(stage: Stage, thread_ts: str) -> bool:
    return all(s.stopped for s in stage.slack.streams(CHANNEL) if s.thread_ts == thread_ts)


async def _first_words(stream: bool, questions: tuple[str, ...]
                       ) -> tuple[list[float], list[float], int]:
    """Seconds from each question to its first visible words, and from the LLM request to
    them; appendStream calls made."""
    clock = AskedClock(latency=LLM_LATENCY)
    async with bench_stage(rate_limit=False, llm=clock) as stage:
        app: AppProcess = await start_app(stage, webhook=True,
                                          STREAM_ANSWERS="on" if stream else "off")
        ts, _ = await drop(stage, app, stage.slack.add_file("standup.mp3"))
        await recap_done(stage, [ts], timeout=30)
        clock.latency = 0.0  # from here the model's speed is the knobs below
        clock.first_token_seconds, clock.seconds_per_token = FIRST_TOKEN, 1 / DECODE_TPS
        clock.obey = ANSWER_TAIL
        waits, after_llm = [], []
        for question in questions:
            envelope = stage.slack.user_message(CHANNEL, question, user="U0BOB", thread_ts=ts)
            sent = time.monotonic()
            status, _, _ = await stage.slack.deliver(app.events_url, envelope)
            assert status == 200, status
            seen = await _answered(stage, ts, sent)
            waits.append(seen - sent)
            after_llm.append(seen - clock.asked[-1])
        return waits, after_llm, len(stage.slack.calls("chat.appendStream"))


async def run(quick: bool = False) -> list[Row]:
    questions = QUESTIONS[:2] if quick else QUESTIONS
    streamed, after_llm, appends = await _first_words(True, questions)
    whole, _, _ = await _first_words(False, questions)
    s, w, m = statistics.median(streamed), statistics.median(whole), statistics.median(after_llm)
    floor = FIRST_TOKEN + SLACK_LATENCY  # the model's first token, then one Slack call
    details = {"streamed_s": [round(x, 3) for x in streamed],
               "whole_s": [round(x, 3) for x in whole],
               "llm_request_to_first_word_s": [round(x, 3) for x in after_llm],
               "first_token_s": FIRST_TOKEN,
               "decode_tokens_per_s": DECODE_TPS, "append_calls_per_answer":
               round(appends / len(questions), 1)}
    how = (f"through the app: question in a recap thread -> first words in it; median of "
           f"{len(questions)} ~300-token answers")
    return [
        Row("P9", "first visible word of an answer, streamed / posted whole", round(s, 3), "s",
            "<= 0.5", s / w <= 0.5, round(s / w, 3), how, details),
        Row("P9", "  LLM request -> first word streamed / (first token + one Slack call)",
            round(m, 3), "s", "<= 1.5", m / floor <= 1.5, round(m / floor, 3),
            "the first words arrive in about the model's first-token time (from the moment "
            "the model is asked; the app's own reads before it are in the row above)", None),
    ]
