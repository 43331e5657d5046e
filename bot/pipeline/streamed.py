"""A free-text answer streamed from the LLM, its text cleaned on the way as the whole is.

The LLM writes links, and only links the recording or the asker gave may stay (bot.core.links).
That check works on whole URLs, so the deltas are cut where words end (bot.core.streaming)
and each piece is checked before anyone sees it; the whole answer returned is checked again
by the caller, as it always was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.links import unlinked
from bot.core.streaming import Pieces
from bot.deps import Deps
from bot.edges.llm import Completion

TextSink = Callable[[str], Awaitable[None]]


async def streamed(deps: Deps, messages: list[dict], on_text: TextSink,
                   allowed: str) -> Completion:
    """The answer to `messages`, each word handed to `on_text` with unsupplied links removed."""
    pieces = Pieces(render=lambda text: unlinked(text, allowed), every=1)

    async def sink(delta: str) -> None:
        if piece := pieces.add(delta):
            await on_text(piece)

    completion = await deps.llm.complete_streamed(messages, sink)
    if rest := pieces.rest():
        await on_text(rest)
    return completion
