"""Questions across a channel's recordings: `/recap ask` (an answer with sources) and
`/recap search` (the best moments, no LLM call). Only one workspace's, one channel's recordings
are ever searched; a forgotten recording is gone from the index with its transcript. The CLI's
`recap ask` asks its own cache the same way: no channel (team ""), or one transcript.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import prompts
from bot.core.links import unlinked
from bot.core.retrieval import Passage, fts_query, within_budget
from bot.deps import Deps
from bot.pipeline.streamed import TextSink, streamed

NOTHING = "Nothing in this channel's recordings answers that."


@dataclass(frozen=True)
class Moment:
    """A passage and the recording it came from (its name and recap thread)."""

    passage: Passage
    name: str
    thread_ts: str | None


async def moments(deps: Deps, team_id: str, channel: str | None, question: str,
                  limit: int = 40, *, transcript_id: str | None = None) -> list[Moment]:
    """The best passages of the channel's recordings (None: the workspace's, or only
    `transcript_id`'s) for the question, best first."""
    query = fts_query(question)
    if query is None:
        return []
    found = await deps.store.search_passages(team_id, query, channel=channel, limit=limit,
                                             transcript_id=transcript_id)
    jobs, names = {}, {}
    for tid in dict.fromkeys(p.transcript_id for p in found):
        jobs[tid] = job = await deps.store.recording_of(team_id, tid)
        names[tid] = str((job.source.get("name") if job else None)
                         or await deps.store.recording_name(tid) or "a recording")
    return [Moment(p, names[p.transcript_id], job.thread_ts if job else None)
            for p in found if (job := jobs.get(p.transcript_id)) is None or channel is None
            or job.channel == channel]


async def ask(deps: Deps, team_id: str, channel: str | None, question: str, *,
              transcript_id: str | None = None,
              on_text: TextSink | None = None) -> tuple[str, list[Moment]]:
    """An answer from the channel's recordings and the moments it read; NOTHING (and no LLM
    call) when no recording has anything on it. With `on_text` the answer streams there."""
    found = await moments(deps, team_id, channel, question, transcript_id=transcript_id)
    chosen = within_budget([m.passage for m in found], deps.config.chunk_tokens)
    used = [m for m in found if m.passage in chosen]
    if not used:
        return NOTHING, []
    used.sort(key=lambda m: (m.name, m.passage.start_ms))
    text = "\n…\n".join(f"Recording: {m.name}\n{m.passage.text}" for m in used)
    messages = prompts.ask_messages(text, question)
    said = "\n".join([question, *(m.passage.text for m in used)])
    completion = (await deps.llm.complete(messages) if on_text is None
                  else await streamed(deps, messages, on_text, said))
    return unlinked(completion.text.strip(), said), used
