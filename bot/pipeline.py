"""The recording's journey: source -> transcript (cached) -> recap (cached) -> answers.

The steps live in bot.transcripts (source -> transcript) and bot.summarizer (transcript ->
recap); this module caches recaps, runs the judge and answers follow-ups. It knows nothing of
Slack or the terminal: callers pass a `progress` callback and decide how to show each step.
May import: bot.core, bot.deps, bot.errors, bot.judge, bot.transcripts, bot.summarizer.
"""

from __future__ import annotations

import hashlib
import json

from bot.core import prompts
from bot.core.chunking import Chunk
from bot.core.links import unlinked
from bot.core.recap import Recap
from bot.core.transcript import Transcript
from bot.deps import Deps
from bot.errors import Forgotten
from bot.judge import checked
from bot.progress import Progress, ProgressFn, quiet
from bot.summarizer import chunks_of, summarize
from bot.transcripts import get_transcript

__all__ = ["Progress", "ProgressFn", "answer", "get_recap", "get_transcript", "recap_key",
           "summarize"]


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
    is stored (bot.judge); a stored recap never judged is judged now.
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
    recap_id = await deps.store.save_recap(
        key, transcript_id=transcript.id, team_id=team_id, style=style, recap=recap
    )
    return recap_id, recap, found is not None


async def answer(
    deps: Deps, transcript_id: str, question: str, history: list[tuple[str, str]]
) -> str:
    """A follow-up grounded in one recording's transcript (and only that one)."""
    transcript = await deps.store.get_transcript(transcript_id)
    if transcript is None:
        raise Forgotten("This recording's transcript was deleted, so Recap can't answer about it.")
    chunks = await chunks_of(transcript, deps.config.chunk_tokens)
    text = chunks[0].text if len(chunks) == 1 else _relevant(chunks, question)
    completion = await deps.llm.complete(prompts.followup_messages(text, history, question))
    said = "\n".join([question, *(q for q, _ in history), *(u.text for u in transcript.utterances)])
    return unlinked(completion.text.strip(), said)  # links only the recording or the asker gave


def _relevant(chunks: list[Chunk], question: str) -> str:
    """For a transcript longer than one call: the chunk sharing most words with the question."""
    words = {w for w in question.lower().split() if len(w) > 3}
    best = max(chunks, key=lambda c: sum(w in c.text.lower() for w in words))
    return best.text
