"""The LLM judge: grades a recap against its transcript, and has a flagged recap rewritten once.

The judge asks the seed tutorial's three questions (anything not in the source? key points
accurate? anything critical missing?) as one structured call named "judge" (JUDGE_SCHEMA). A
transcript that does not fit one call beside the recap is judged in parts, all at once (the
LLM edge's rate and concurrency limits still apply), and the verdicts are merged by the rule in
bot.core.judge: a statement counts as invented only when no part supports it.

Not bot.pipeline.recaps: the
pipeline calls `checked` before it stores a recap (JUDGE=on, `summarize --judge`) and hands it
a way to summarize again, so this module never needs to know how recaps are made.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import prompts
from bot.core.chunking import Chunk, chunk_transcript, estimate_tokens
from bot.core.judge import merge_verdicts, parse_verdict, retry_instructions
from bot.core.parse import merge_usage
from bot.core.recap import Recap, add_usage, new_usage
from bot.core.transcript import Transcript
from bot.deps import Deps
from bot.errors import TranscriptionFailed

log = logging.getLogger(__name__)

PROMPT_OVERHEAD = 600  # the judge's instructions and fences, in tokens (generous)
Say = Callable[[str], Awaitable[None]]
Regenerate = Callable[[str], Awaitable[Recap]]


def judge_parts(deps: Deps, transcript: Transcript, recap: Recap) -> list[Chunk]:
    """The transcript in parts that fit one call beside the recap (CHUNK_TOKENS in all)."""
    budget = deps.config.chunk_tokens - estimate_tokens(recap.text) - PROMPT_OVERHEAD
    return chunk_transcript(transcript.utterances, max(budget, deps.config.chunk_tokens // 4))


async def judge(deps: Deps, transcript: Transcript, recap: Recap) -> dict[str, Any]:
    """The verdict on `recap`: {"hallucinations", "accurate", "missing"} plus how it was made
    ("chunks", "model", "usage" of the judge's own calls)."""
    chunks = judge_parts(deps, transcript, recap)
    if not chunks:
        raise TranscriptionFailed("The recording has no speech to check the recap against.")
    total = len(chunks)
    usage = new_usage()

    async def one(chunk: Chunk) -> dict[str, Any]:
        numbered = {"part": chunk.index + 1, "total": total} if total > 1 else {}
        messages = prompts.judge_messages(chunk.text, recap.text, **numbered)
        data, completion = await deps.llm.complete_json(
            messages, schema=prompts.JUDGE_SCHEMA, name="judge"
        )
        add_usage(usage, completion.input_tokens, completion.output_tokens)
        return parse_verdict(data)

    verdicts = list(await asyncio.gather(*(one(c) for c in chunks)))
    verdict = merge_verdicts(verdicts, recap.text)
    verdict.update(chunks=total, model=deps.config.llm_model, usage=usage)
    return verdict


async def checked(
    deps: Deps, transcript: Transcript, recap: Recap, *, regenerate: Regenerate, say: Say
) -> Recap:
    """`recap` with its verdict in `judge`, rewritten once if the judge found invented statements.

    The rewrite gets the findings as extra instructions. If the judge still flags the rewrite,
    it is kept anyway, verdict attached: the Slack footer and the CLI list the doubtful items.
    """
    await say("Checking the recap against the transcript")
    verdict = await judge(deps, transcript, recap)
    if verdict["hallucinations"]:
        found = verdict["hallucinations"]
        log.info("The judge found %d unsupported statement(s); summarizing once more.", len(found))
        await say("Rewriting the recap without what the transcript does not support")
        second = await regenerate(retry_instructions(recap.instructions, found))
        second.instructions = recap.instructions
        second.usage = merge_usage(recap.usage, second.usage)
        await say("Checking the rewritten recap")
        verdict = {**await judge(deps, transcript, second), "regenerated": True,
                   "first_draft": found}
        if verdict["hallucinations"]:
            log.warning("The rewritten recap is still flagged; posting it with a warning.")
        recap = second
    recap.judge = verdict
    return recap
