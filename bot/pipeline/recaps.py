"""Recaps, cached: the same transcript, style, instructions and model give the stored recap; a
new one is summarized (bot.pipeline.summaries), judged when asked, and stored. Answers to
follow-up questions are made here too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace

from bot.core import prompts
from bot.core.chunking import estimate_tokens, most_relevant
from bot.core.links import unlinked
from bot.core.recap import Recap
from bot.core.retrieval import context_text, fts_query, needs_everything, passages, within_budget
from bot.core.speakers import named_utterances
from bot.core.transcript import Transcript, format_timestamp
from bot.deps import Deps
from bot.errors import Forgotten
from bot.pipeline.judging import checked
from bot.pipeline.progress import Progress, ProgressFn, quiet
from bot.pipeline.streamed import TextSink, streamed
from bot.pipeline.summaries import chunks_of, summarize

FORGOTTEN_MEANWHILE = (
    "This recording was deleted (Forget) while its recap was being made, so Recap stopped "
    "and kept nothing of it."
)


def recap_key(team_id: str, transcript_id: str, style: str, instructions: str, model: str) -> str:
    """Same workspace, transcript, style, instructions, model and prompts: the same recap."""
    parts = [team_id, transcript_id, style, instructions.strip(), model, prompts.PROMPT_VERSION]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


async def get_recap(
    deps: Deps,
    transcript: Transcript,
    *,
    team_id: str = "",
    style: str = prompts.DEFAULT_STYLE,
    instructions: str = "",
    cached_transcript: bool = False,
    progress: ProgressFn = quiet,
    judge: bool | None = None,
) -> tuple[int, Recap, bool]:
    """(recap id, recap, from cache). A stored recap costs no LLM call at all.

    With `judge` (None: JUDGE=on) the recap is checked, and rewritten once if flagged, before it
    is stored (bot.pipeline.judging); a stored recap never judged is judged now.
    """
    model = deps.config.llm_model
    key = recap_key(team_id, transcript.id, style, instructions, model)
    check = deps.config.judge if judge is None else judge
    found = await deps.store.find_recap(key)
    if found is not None and not (check and found[1].judge is None):
        recap_id, recap = found
        recap.cached_transcript = cached_transcript
        return recap_id, recap, True
    if found is not None:
        recap = found[1]
    else:
        recap = await summarize(deps, transcript, style, instructions, progress)
    if check:

        async def again(extra: str) -> Recap:
            return await summarize(deps, transcript, style, extra, progress)

        async def say(detail: str) -> None:
            await progress(Progress("checking", detail))

        recap = await checked(deps, transcript, recap, regenerate=again, say=say)
    recap.cached_transcript = cached_transcript
    try:
        recap_id = await deps.store.save_recap(
            key, transcript_id=transcript.id, team_id=team_id, style=style, recap=recap
        )
    except LookupError:  # Forget ran while this recap was being made: it stays forgotten
        raise Forgotten(FORGOTTEN_MEANWHILE) from None
    return recap_id, recap, found is not None


async def answer(
    deps: Deps, transcript_id: str, question: str, history: list[tuple[str, str]],
    names: Mapping[str, str] | None = None, recap: Recap | None = None, team_id: str = "",
    on_text: TextSink | None = None,
) -> str:
    """A follow-up grounded in one recording's transcript (and only that one), speakers by
    the names people gave them. A transcript longer than one call is searched (the store's
    full-text index) for the passages the question needs, from anywhere in it, with the recap's
    topics as a map; a question that needs everything is answered from the recap's items.
    With `on_text` the answer streams: each cleaned piece goes there as it is written."""
    transcript = await deps.store.get_transcript(transcript_id)
    if transcript is None:
        raise Forgotten("This recording's transcript was deleted, so Recap can't answer about it.")
    if names:
        transcript = replace(transcript, utterances=named_utterances(transcript.utterances, names))
    chunks = await chunks_of(transcript, deps.config.chunk_tokens)
    if len(chunks) == 1:
        text = chunks[0].text
    elif recap is not None and needs_everything(question):
        text = recap.text  # every item, with its [mm:ss]: not a sample of the transcript
    else:
        text = await _passages_for(deps, team_id, transcript, question, recap) or most_relevant(
            chunks, question)
    messages = prompts.followup_messages(text, history, question)
    said = "\n".join([question, *(q for q, _ in history), *(u.text for u in transcript.utterances)])
    completion = (await deps.llm.complete(messages) if on_text is None
                  else await streamed(deps, messages, on_text, said))
    return unlinked(completion.text.strip(), said)  # links only the recording or the asker gave


async def forget_transcript(deps: Deps, transcript_id: str) -> None:
    """Delete a transcript at AssemblyAI, then here with its recaps, for good (Forget and
    retention both come here)."""
    if not transcript_id.startswith("local:") and deps.transcriber_ is not None:
        await deps.transcriber_.delete(transcript_id)
    await deps.store.forget_transcript(transcript_id)


async def _passages_for(deps: Deps, team_id: str, transcript: Transcript, question: str,
                        recap: Recap | None) -> str:
    """The best passages of this transcript for the question, within one call's budget."""
    query = fts_query(question)
    if query is None:
        return ""
    ranked = await deps.store.search_passages(team_id, query, transcript_id=transcript.id,
                                              limit=200)
    windows = {p.start_ms: p for p in passages(transcript.id, transcript.utterances)}
    named = [windows[p.start_ms] for p in ranked if p.start_ms in windows]  # names, if given
    topics = "\n".join(f"[{format_timestamp(t.start_ms)}] {t.title}"
                        for t in (recap.topics if recap else []))
    budget = deps.config.chunk_tokens - estimate_tokens(topics)
    chosen = within_budget(named, budget)
    return context_text(chosen, topics) if chosen else ""
