"""A recording too long for one call: every part is summarized, then one merge writes the
tldr and topics, while action items and decisions are gathered from the parts as they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.config import load
from bot.core.transcript import Transcript, Utterance
from bot.deps import open_deps
from bot.pipeline import summarize
from bot.sim.llm import LLMSim
from bot.sim.samples import meeting


async def _quiet(_: object) -> None:
    return None


async def recap_of(tmp_path: Path, llm: LLMSim, style: str):
    config = load({"DATABASE_PATH": str(tmp_path / "recap.db"), "CHUNK_TOKENS": "3000",
                   "LLM_BASE_URL": f"{llm.base_url}/v1", "LLM_API_KEY": llm.api_key})
    deps = await open_deps(config)
    turns = tuple(Utterance(*u) for u in meeting(60, seed=3))
    transcript = Transcript(id="t-long", utterances=turns, duration_ms=turns[-1].end_ms)
    try:
        return transcript, await summarize(deps, transcript, style, "", _quiet)
    finally:
        await deps.aclose()


def merges(llm: LLMSim) -> list[list[dict]]:
    found = []
    for call in llm.completions:
        text = call.request["messages"][-1]["content"]
        if body := re.search(r"^<partials>\n(.*)\n</partials>$", text, re.M | re.S):
            found.append(json.loads(body[1]))
    return found


async def test_every_parts_action_items_and_decisions_reach_the_recap_once(tmp_path):
    async with LLMSim() as llm:
        transcript, recap = await recap_of(tmp_path, llm, "topics")
    parts = [json.loads(c.content) for c in llm.completions if c.request is not None][:-1]
    assert recap.chunks == len(parts) >= 4
    asked = {a["text"].lower() for p in parts for a in p["action_items"]}
    assert {a.text.lower() for a in recap.action_items} == asked
    assert len(recap.action_items) == len(asked)  # each once
    assert len(recap.decisions) == len({d["text"] for p in parts for d in p["decisions"]})
    spoken = " ".join(u.text for u in transcript.utterances)
    assert all(a.quote and a.quote in spoken for a in recap.action_items)  # quotes as spoken
    (merge,) = merges(llm)  # one merge, reading only what it rewrites
    assert all(set(p) == {"tldr", "topics"} for p in merge) and len(merge) == len(parts)
    assert recap.tldr and recap.topics


async def test_a_style_of_only_action_items_and_decisions_needs_no_merge(tmp_path):
    async with LLMSim() as llm:
        _, recap = await recap_of(tmp_path, llm, "actions")
    assert merges(llm) == [] and llm.calls == recap.chunks
    assert recap.action_items and recap.decisions and not recap.topics
