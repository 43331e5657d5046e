"""An answer that streams into its thread as the model writes it, ending as the whole answer.

Slack's streaming messages (docs.slack.dev chat.startStream / appendStream / stopStream) are
driven the way slack_sdk's chat_stream() helper drives them (slack_sdk/web/
async_chat_stream.py: an append every 256 characters), except that the first words go out at
once (the time to the first word is the point), a slow model's words go out every INTERVAL
seconds anyway, and an answer never waits for Slack: an appendStream the team's budget has no
room for keeps its text for the next one. The text is rendered piece by piece exactly as
the whole answer is (bot.core.streaming), so nothing the LLM writes can ping or link.

However it goes, the thread ends with one complete answer, never two and never a half:
  - the stream went well: chat.stopStream adds the rest and the blocks under the answer;
  - the shown text is not how the answer begins (the LLM's stream broke and was asked again
    whole, the answer was cut, Slack refused an append): stopStream, then chat.update makes
    the message the answer as a whole post has it;
  - no stream was started (STREAM_ANSWERS=off, a workspace without streaming, no Tier 2 call
    free): the answer is posted whole, as before streaming existed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.streaming import Pieces
from bot.deps import Deps
from bot.errors import SlackRefused

log = logging.getLogger(__name__)
Block = dict[str, Any]
MAX_CALL_TEXT = 12_000  # markdown_text per chat.*Stream call (docs.slack.dev chat.appendStream)
# A slow model's (a local one's) words still show every INTERVAL seconds below 256 characters:
# at most 30 appends a minute per answer; a spent Tier 4 budget only carries text to the next.
INTERVAL = 2.0


class AnswerStream:
    """Feed `text` (the LLM's deltas, already free of links nobody gave), then `finish`."""

    def __init__(self, deps: Deps, channel: str, thread_ts: str | None, *, team: str,
                 user: str | None, render: Callable[[str], str], limit: int) -> None:
        self.deps, self.channel, self.thread_ts = deps, channel, thread_ts
        self.team, self.user = team, user
        self.pieces = Pieces(render=render, limit=limit, interval=INTERVAL)
        self.ts: str | None = None
        self.sent: list[str] = []  # rendered text Slack has
        self.pending: list[str] = []  # rendered text waiting for an append
        dm = channel.startswith("D")
        self.off = not (deps.config.stream_answers and thread_ts and (user or dm))
        self.broken = False

    @property
    def sink(self) -> Callable[[str], Awaitable[None]] | None:
        """`text`, or None when this answer will not stream (the LLM is asked for it whole):
        STREAM_ANSWERS=off, no thread or recipient, a workspace or LLM known not to stream."""
        if self.off or self.team in self.deps.slack.streamless or not self.deps.llm.streams:
            return None
        return self.text

    async def text(self, delta: str) -> None:
        """One delta of the answer (bot.edges.llm_stream.TextSink)."""
        piece = self.pieces.add(delta, asyncio.get_running_loop().time())
        if piece and not self.off:
            self.pending.append(piece)
            await self._push()

    async def finish(self, markdown: str, under: list[Block] | None, text: str,
                     blocks: list[Block] | None) -> None:
        """The whole answer: `markdown` as streamed with `under` beneath it, or as posted
        whole, `text` with `blocks`."""
        rest = self.pieces.rest()
        if rest and not self.off:
            self.pending.append(rest)
            await self._push()
        if self.ts is None:
            await self.deps.slack.post(self.channel, text, thread_ts=self.thread_ts,
                                       blocks=blocks, team=self.team)
            return
        shown = "".join(self.sent)
        tail = markdown[len(shown):]
        if not self.broken and markdown.startswith(shown) and len(tail) <= MAX_CALL_TEXT:
            try:
                await self.deps.slack.stop_stream(self.channel, self.ts, text=tail,
                                                  blocks=under or None, team=self.team)
                return
            except SlackRefused as error:
                log.warning("chat.stopStream refused (%s): the answer is put in whole",
                            error.code)
        await self.replace(text, blocks)

    async def replace(self, text: str, blocks: list[Block] | None) -> None:
        """The streamed message becomes `text` with `blocks` (an error, or the answer whole)."""
        if self.ts is None:
            await self.deps.slack.post(self.channel, text, thread_ts=self.thread_ts,
                                       blocks=blocks, team=self.team)
            return
        try:
            await self.deps.slack.stop_stream(self.channel, self.ts, team=self.team)
        except SlackRefused as error:  # stopped already, or timed out: an update still works
            log.info("chat.stopStream before the update: %s", error.code)
        await self.deps.slack.update(self.channel, self.ts, text, blocks=blocks, team=self.team)

    async def _push(self) -> None:
        slack = self.deps.slack
        text = "".join(self.pending)
        try:
            if self.ts is None:
                self.ts = await slack.start_stream(self.channel, self.thread_ts or "", text,
                                                   user=self.user, team=self.team)
                if self.ts is None:
                    self.off = True
                    return
            elif len(text) > MAX_CALL_TEXT or not await slack.append_stream(
                    self.channel, self.ts, text, team=self.team):
                return
        except SlackRefused as error:
            log.warning("Streaming the answer stopped (%s): it is put in whole at the end",
                        error.code)
            self.off = self.broken = True
            return
        self.sent.append(text)
        self.pending.clear()


def streamed_parts(blocks: list[Block]) -> tuple[str, list[Block]]:
    """A whole answer's blocks as a stream shows them: the text of its leading markdown blocks,
    and the blocks under it (the footer, buttons)."""
    lead = 0
    while lead < len(blocks) and blocks[lead].get("type") == "markdown":
        lead += 1
    return "".join(str(b.get("text") or "") for b in blocks[:lead]), blocks[lead:]
