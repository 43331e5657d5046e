"""P3 (a 3-hour recording: Recap vs the floor and vs the seed) and P7 (input tokens it costs).

Recap is measured through the real app (Slack event -> recap posted) at its default chunk
budget; the reference (only the necessary: completion noticed at once, an eighth of the
transcript per map call, all at once, one reduce) and the seed's sequential pipeline
(bench/baseline.py, CHUNK_TOKENS=6000, 8 parts one after another) run in the bench process
against fresh simulators with the same latencies. On every P3 stage a reply takes as long to
write as its length (DECODE_TPS), which is what makes few big parts slower than many small.
"""

from __future__ import annotations

import tempfile

from bench.baseline import POLL_EVERY_S, REFERENCE_POLL_S, run_baseline
from bench.harness import (
    CHANNEL,
    DECODE_TPS,
    SCALE,
    Row,
    bench_stage,
    drop,
    prepared,
    start_app,
    wait_recaps,
)
from bot.config import load
from bot.core.chunking import chunk_transcript
from bot.core.transcript import Transcript, Utterance
from bot.deps import open_deps
from bot.pipeline import summarize
from bot.sim.llm import LLMSim, estimate_tokens
from bot.sim.samples import meeting
from bot.sim.slack import patterned

HOURS = 3
BASELINE_CHUNK_TOKENS = 6000  # the seed's sequential pipeline: 3 hours (~41k tokens) in 8 parts
# AssemblyAI: "a 3h15min podcast in 133 seconds" (FAQ, RTF ~0.011); 3 h -> ~120 s in life.
PROCESSING_S = 120.0 / SCALE


def _transcript_tokens(utterances: list[tuple[str, int, int, str]]) -> int:
    """Tokens of the whole transcript as the LLM reads it, by the LLM simulator's own count."""
    turns = [Utterance(s, a, b, t) for s, a, b, t in utterances]
    return estimate_tokens(chunk_transcript(turns, 10**9)[0].text)


async def _recap_run(utterances: list, *, webhook: bool) -> dict:
    async with bench_stage(decode_tps=DECODE_TPS) as stage:
        app = await start_app(stage, webhook=webhook)
        warm = stage.slack.add_file("warmup.mp3")
        ts, _ = await drop(stage, app, warm)
        await wait_recaps(stage, [ts], timeout=30)

        file = stage.slack.add_file("all-hands.mp3", generator=patterned("mp3", seed=3),
                                    duration_ms=HOURS * 3600 * 1000)
        prepared(stage).prepare(stage.slack.file_sha256(file), utterances, PROCESSING_S)
        llm_calls, tokens_in = stage.llm.calls, stage.llm.input_tokens
        rate_limited, gets = stage.llm.rate_limited, stage.assemblyai.gets
        ts, sent = await drop(stage, app, file)
        done = (await wait_recaps(stage, [ts], timeout=180))[ts]
        job = stage.assemblyai._jobs[stage.assemblyai.transcript_ids[-1]]  # noqa: SLF001
        return {
            "wall": done - sent,
            "after_transcript": done - job.done_at,
            "llm_calls": stage.llm.calls - llm_calls,
            "input_tokens": stage.llm.input_tokens - tokens_in,
            "rate_limited": stage.llm.rate_limited - rate_limited,
            "assemblyai_gets": stage.assemblyai.gets - gets,
        }


async def _pipeline_run(utterances: list, *, reference: bool) -> dict:
    async with bench_stage(decode_tps=DECODE_TPS) as stage:
        file = stage.slack.add_file("all-hands.mp3", generator=patterned("mp3", seed=3),
                                    duration_ms=HOURS * 3600 * 1000)
        prepared(stage).prepare(stage.slack.file_sha256(file), utterances, PROCESSING_S)
        poll = REFERENCE_POLL_S if reference else POLL_EVERY_S / SCALE
        run = await run_baseline(stage, file, channel=CHANNEL,
                                 chunk_tokens=BASELINE_CHUNK_TOKENS, poll_s=poll,
                                 reference=reference)
        job = stage.assemblyai._jobs[stage.assemblyai.transcript_ids[-1]]  # noqa: SLF001
        return {"wall": run.finished - run.started, "after_transcript": run.finished - job.done_at,
                "llm_calls": run.llm_calls, "chunks": run.chunks}


async def run(quick: bool = False) -> list[Row]:
    utterances = meeting(HOURS * 60, speakers=5, seed=7)
    transcript_tokens = _transcript_tokens(utterances)
    reference = await _pipeline_run(utterances, reference=True)
    baseline = await _pipeline_run(utterances, reference=False)
    rows: list[Row] = []
    for webhook in [True] if quick else [True, False]:
        recap = await _recap_run(utterances, webhook=webhook)
        mode = "webhook" if webhook else "polling"
        ratio = recap["wall"] / reference["wall"]
        details = {"reference_s": round(reference["wall"], 2),
                   "baseline_s": round(baseline["wall"], 2),
                   "recap_vs_baseline": round(recap["wall"] / baseline["wall"], 3),
                   "assemblyai_processing_s": PROCESSING_S,
                   "recap_llm_calls": recap["llm_calls"],
                   "reference_llm_calls": reference["llm_calls"],
                   "baseline_llm_calls": baseline["llm_calls"],
                   "assemblyai_gets": recap["assemblyai_gets"], "llm_429s": recap["rate_limited"]}
        rows.append(Row(
            "P3", f"3-hour recording: Recap / reference (8 parts at once, {mode})",
            round(recap["wall"], 2), "s", "<= 1.15", ratio <= 1.15, round(ratio, 3),
            "through the app, default CHUNK_TOKENS; reference in-process (bench/baseline.py)",
            details,
        ))
        phase = recap["after_transcript"] / baseline["after_transcript"]
        rows.append(Row(
            "P3", f"  after AssemblyAI finished: Recap / seed's sequential pipeline ({mode})",
            round(recap["after_transcript"], 2), "s", "<= 0.33", phase <= 0.33, round(phase, 3),
            "the part where transcription is not the larger share: notice, fetch, map, reduce, "
            "post", {"baseline_s": round(baseline["after_transcript"], 2),
                     "reference_s": round(reference["after_transcript"], 2)},
        ))
        whole = recap["wall"] / baseline["wall"]
        rows.append(Row(
            "P3", f"  whole journey: Recap / seed's sequential pipeline ({mode}, diagnostic)",
            round(recap["wall"], 2), "s", "-", None, round(whole, 3),
            "both wait the same 12 s for AssemblyAI", {"baseline_s": round(baseline["wall"], 2)},
        ))
        if webhook:
            ratio = recap["input_tokens"] / transcript_tokens
            rows.append(Row(
                "P7", f"LLM input tokens / transcript tokens, 3-hour recap "
                f"({recap['llm_calls'] - 1} parts)", recap["input_tokens"], "tokens", "<= 1.15",
                ratio <= 1.15, round(ratio, 3),
                "the P3 run (default CHUNK_TOKENS), counted by the LLM simulator",
                {"transcript_tokens": transcript_tokens, "llm_calls": recap["llm_calls"]},
            ))
    tokens, calls = await _tokens_at_budget(utterances, BASELINE_CHUNK_TOKENS)
    ratio = tokens / transcript_tokens
    rows.append(Row(
        "P7", f"  the same at CHUNK_TOKENS={BASELINE_CHUNK_TOKENS} ({calls - 1} parts)", tokens,
        "tokens", "<= 1.15", ratio <= 1.15, round(ratio, 3),
        "in-process pipeline.summarize against the LLM simulator",
        {"transcript_tokens": transcript_tokens, "llm_calls": calls},
    ))
    return rows


async def _quiet(_: object) -> None:
    return None


async def _tokens_at_budget(utterances: list, chunk_tokens: int) -> tuple[int, int]:
    """(input tokens, calls) of the 3-hour recap at this chunk budget."""
    turns = tuple(Utterance(*u) for u in utterances)
    transcript = Transcript(id="bench-3h", utterances=turns, duration_ms=turns[-1].end_ms)
    llm = LLMSim()
    await llm.start()
    with tempfile.TemporaryDirectory() as folder:
        deps = await open_deps(load({"DATABASE_PATH": f"{folder}/recap.db",
                                     "LLM_BASE_URL": f"{llm.base_url}/v1",
                                     "LLM_API_KEY": llm.api_key,
                                     "CHUNK_TOKENS": str(chunk_tokens)}))
        try:
            await summarize(deps, transcript, "topics", "", _quiet)
        finally:
            await deps.aclose()
            await llm.stop()
    return llm.input_tokens, llm.calls
