"""What every scenario shares: the bench clock, the simulators' latencies, the app, result rows.

The bench clock runs SCALE times faster than life, so a run takes minutes, not hours: every
injected delay and every time setting of the app is a real-world figure divided by SCALE
(an LLM call of ~10 s is 1 s here, a rate-limit minute is 6 s, the 3 s poll is 0.3 s).
CPU work is not scaled, so Recap's own overhead weighs SCALE times more here than in life.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import psutil
from aiohttp import web

from bot.sim.assemblyai import AssemblyAISim, UtteranceSpec
from bot.sim.assemblyai_json import Job, result_fields, status_of, transcript_body
from bot.sim.llm import LLMSim
from bot.sim.stage import AppProcess, Stage, free_port

SCALE = 10
SLACK_LATENCY = 0.02  # each Slack Web API call and file GET (~200 ms in life)
AAI_LATENCY = 0.03  # each AssemblyAI request (~300 ms)
LLM_LATENCY = 1.0  # each chat completion (~10 s for a recap of a few thousand tokens)
RATE_LIMIT = (30, 60.0 / SCALE)  # the LLM Gateway's 30 requests per minute, on the bench clock
POLL_INTERVAL = 3.0 / SCALE  # Recap's default poll interval (3 s), on the bench clock
STANDUP_PROCESSING = 1.5  # AssemblyAI on a 10-minute stand-up (~15 s)
DECODE_TPS = 80.0 * SCALE  # P3: a model writes ~80 output tokens/s (Claude Sonnet-class, life)
CHANNEL = "C0BENCH"


@dataclass
class Row:
    """One line of the table: what was measured, against which goal, and how."""

    id: str
    scenario: str
    value: float
    unit: str
    goal: str
    met: bool | None
    ratio: float | None = None
    how: str = ""
    details: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latency_profile() -> dict[str, Any]:
    """The injected delays, as results.json states them."""
    return {
        "scale": f"1 bench second = {SCALE} s of real time",
        "slack_api_s": SLACK_LATENCY,
        "assemblyai_request_s": AAI_LATENCY,
        "llm_call_s": LLM_LATENCY,
        "llm_rate_limit": f"{RATE_LIMIT[0]} requests per {RATE_LIMIT[1]:g} s (a scaled minute)",
        "poll_interval_s": POLL_INTERVAL,
        "standup_processing_s": STANDUP_PROCESSING,
        "p3_decode_tokens_per_s": DECODE_TPS,
    }


@dataclass(eq=False)
class GatewaySim(LLMSim):
    """The LLM simulator with its latency after the rate limiter, as at a real gateway.

    `LLMSim.delay()` sleeps before any handler runs, so the limiter would count a request
    when it is answered, not when it arrives; and the simulator's own event-loop lag (it
    shares the bench process with the other simulators) would then shift the count by a
    varying amount. A real gateway counts (or refuses) a request the moment it arrives.
    With `decode_tps` a reply also takes as long as a model needs to write it (P3): a long
    part's long reply is what makes a few big map calls slower than many small ones.
    """

    latency: float = 0.0
    decode_tps: float = 0.0  # > 0: the reply also takes its output tokens / this to write
    _writing_s: float = field(default=0.0, init=False, repr=False)  # its own CPU per reply

    async def _complete(self, request: web.Request,
                        headers: dict[str, str] | None = None) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        try:
            streamed = (await request.json()).get("stream") is True
        except (ValueError, AttributeError):
            streamed = False
        if streamed:  # its first token comes after the latency, as a model's does
            await asyncio.sleep(self.latency)
            return await super()._complete(request, headers)
        # A whole reply is written at the end of its latency, not on arrival (a burst's
        # replies written then would hold up the counting of the requests arriving behind
        # them), and within it: the simulator's own CPU for it (a few ms, an estimate kept
        # from the replies before) is time a real model spends inside its latency.
        await asyncio.sleep(max(0.0, self.latency - self._writing_s))
        writing = loop.time()
        response = await super()._complete(request, headers)
        spent = loop.time() - writing
        self._writing_s = (self._writing_s + spent) / 2 if self._writing_s else spent
        await asyncio.sleep(max(0.0, arrived + self.latency - loop.time()))
        if (self.decode_tps > 0 and isinstance(response, web.Response)
                and response.status == 200 and isinstance(response.body, bytes)):
            usage = json.loads(response.body).get("usage") or {}
            await asyncio.sleep(int(usage.get("completion_tokens") or 0) / self.decode_tps)
        return response


@dataclass(eq=False)
class PreparedAssemblyAISim(AssemblyAISim):
    """The AssemblyAI simulator serving completed transcripts already encoded, as the real
    service serves them from storage.

    A completed 10-minute transcript is ~90 KB of JSON (every word), a 1-hour one ~2 MB;
    building and encoding it on the GET would stall the bench process, which also runs the
    LLM and Slack simulators, and charge that stall to Recap's critical path. So a job's
    result is encoded while it is processing (just after its create), and `prepare()`
    encodes a script's before the clock starts (twenty long ones at once would stall the
    loop even then).
    """

    _encoded: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    _job_results: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def prepare(self, match: str, utterances: list[UtteranceSpec], processing_s: float) -> None:
        """script() plus the completed result's JSON, encoded now."""
        self.script(match, utterances, processing_seconds=processing_s)
        result = result_fields(utterances, diarized=True)
        self._encoded[id(self._scripts[match])] = json.dumps(result, separators=(",", ":"))

    def _new_job(self, params: dict[str, Any], identification: dict[str, Any] | None) -> Job:
        job = super()._new_job(params, identification)
        script = job.script
        if id(script) not in self._encoded and not (script.error or script.never_complete):
            asyncio.get_running_loop().call_soon(self._encode_result, job)
        return job

    def _encode_result(self, job: Job) -> None:
        body = transcript_body(job, job.done_at)  # as it will read once completed
        result = {k: body[k] for k in _RESULT_FIELDS}
        self._job_results[job.id] = json.dumps(result, separators=(",", ":"))

    async def _get(self, request: web.Request) -> web.Response:
        job = self._jobs.get(request.match_info["id"])
        encoded = None if job is None else (
            self._encoded.get(id(job.script)) or self._job_results.get(job.id))
        now = asyncio.get_running_loop().time()
        if (job is None or encoded is None or job.deleted or self._unauthorized(request)
                or status_of(job, now) != "completed"):
            return await super()._get(request)
        job.result = {}  # the simulator's body without the result fields, then the result
        head = {k: v for k, v in self._body(job).items() if k not in _RESULT_FIELDS}
        text = json.dumps(head, separators=(",", ":"))[:-1] + "," + encoded[1:]
        return web.Response(body=text.encode(), content_type="application/json")


_RESULT_FIELDS = {"text", "words", "utterances", "audio_duration", "confidence"}


def prepared(stage: Stage) -> PreparedAssemblyAISim:
    """The stage's AssemblyAI simulator, as bench_stage() made it."""
    assert isinstance(stage.assemblyai, PreparedAssemblyAISim)
    return stage.assemblyai


@asynccontextmanager
async def bench_stage(*, rate_limit: bool = True, decode_tps: float = 0.0,
                      llm: GatewaySim | None = None) -> AsyncIterator[Stage]:
    """The three simulators with the bench's latencies; the work folder is removed after."""
    workdir = tempfile.mkdtemp(prefix="recap-bench-")
    try:
        llm = llm or GatewaySim(latency=LLM_LATENCY, decode_tps=decode_tps)
        async with Stage(workdir=workdir, llm=llm,
                         assemblyai=PreparedAssemblyAISim()) as stage:
            stage.slack.delay("*", SLACK_LATENCY)
            stage.assemblyai.delay("/v2/", AAI_LATENCY)
            stage.assemblyai.processing_seconds = STANDUP_PROCESSING
            if rate_limit:
                stage.llm.rate_limit(*RATE_LIMIT)
            try:
                yield stage
            except BaseException:
                for app in stage.apps:  # the work folder goes with the stage: show why now
                    print(f"--- app log (tail) ---\n{app.logs()[-4000:]}", file=sys.stderr)
                raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def start_app(stage: Stage, *, webhook: bool, **env: str) -> AppProcess:
    """`recap run` with the bench clock's settings; `webhook` sets PUBLIC_URL (no polling)."""
    port = free_port()
    settings = {
        "LLM_RPM": str(RATE_LIMIT[0]),
        "LLM_RATE_PERIOD": f"{RATE_LIMIT[1]:g}",
        # Slack's minute on the bench clock too: its per-channel pace (a post a second) and its
        # tiers are kept as they are in life, 10x faster, like every other figure here.
        "SLACK_RATE_PERIOD": f"{RATE_LIMIT[1]:g}",
        "POLL_INTERVAL": f"{POLL_INTERVAL:g}",
        **env,
    }
    if webhook:
        settings["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    return await stage.app(port=port, **settings)


async def drop(stage: Stage, app: AppProcess, file: dict[str, Any]) -> tuple[str, float]:
    """A person shares `file` in the channel; returns (message ts, when the event left)."""
    envelope = stage.slack.user_message(CHANNEL, "", user="U0ALICE", files=[file])
    sent = time.monotonic()
    status, body, _ = await stage.slack.deliver(app.events_url, envelope)
    if status != 200:
        raise RuntimeError(f"the app refused the event: HTTP {status} {body[:200]}")
    return envelope["event"]["ts"], sent


def _has_action(blocks: Any, action_id: str) -> bool:
    if not isinstance(blocks, list):
        return False
    return any(
        isinstance(e, dict) and e.get("action_id") == action_id
        for b in blocks
        if isinstance(b, dict) and b.get("type") == "actions"
        for e in b.get("elements") or []
    )


def recap_posts(stage: Stage, thread_ts: str) -> list[float]:
    """When each finished recap (the message with the buttons) in the thread was posted.

    The time is the request's arrival at the Slack simulator plus its injected latency:
    the moment the poster got its answer, so the message is in the channel.
    """
    return [
        call.at + SLACK_LATENCY
        for call in stage.slack.calls("chat.postMessage")
        if call.args.get("thread_ts") == thread_ts and _has_action(call.args.get("blocks"),
                                                                  "transcript")
    ]


async def wait_recaps(
    stage: Stage, thread_tss: list[str], timeout: float, count: int = 1
) -> dict[str, float]:
    """thread ts -> when its `count`-th recap was posted; raises if any is missing at the end."""

    def done() -> dict[str, float] | None:
        found = {ts: recap_posts(stage, ts) for ts in thread_tss}
        if all(len(v) >= count for v in found.values()):
            return {ts: sorted(v)[count - 1] for ts, v in found.items()}
        return None

    deadline = time.monotonic() + timeout
    while (result := done()) is None:
        if time.monotonic() > deadline:
            missing = [ts for ts in thread_tss if len(recap_posts(stage, ts)) < count]
            failed = [m.text for m in stage.slack.bot_messages(CHANNEL) if ":x:" in m.text]
            raise TimeoutError(f"{len(missing)} recap(s) not posted in {timeout:g} s; {failed[:3]}")
        await asyncio.sleep(0.01)
    await asyncio.sleep(2 * SLACK_LATENCY)  # the simulator stores it after its latency
    return result


class RssSampler:
    """Samples a process's resident set size every few ms on a thread (not the event loop)."""

    def __init__(self, pid: int, every_s: float = 0.005) -> None:
        self.process = psutil.Process(pid)
        self.every_s = every_s
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.rss())
            except psutil.Error:
                return
            self.samples += 1
            time.sleep(self.every_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def burst_bound(maps: int, reduces: int, transcribed: float) -> float:
    """The earliest a burst of map-reduce recaps can all be posted under the Gateway's limit
    (RATE_LIMIT: so many calls in any window), every transcript ready at `transcribed`.

    Two things no schedule beats: the calls' count (the last window that any call needs, then
    one call) and their order (a reduce follows its job's parts, so a job whose parts need the
    last window of parts takes one call more after it). The later of the two, then one post.
    """
    limit, period = RATE_LIMIT
    by_count = (maps + reduces - 1) // limit * period + LLM_LATENCY
    by_order = (maps - 1) // limit * period + 2 * LLM_LATENCY
    return transcribed + max(by_count, by_order) + SLACK_LATENCY


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): the value at or below which q % of samples lie."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def machine() -> dict[str, Any]:
    """Where the numbers came from."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo
                          if ln.startswith("model name")), "")
    except OSError:
        pass
    import platform

    return {
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],  # other work on the box
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
