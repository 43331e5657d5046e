"""Streaming messages in the simulated workspace: chat.startStream, chat.appendStream and
chat.stopStream, as docs.slack.dev documents them (slack-ruby/slack-api-ref
`docs.slack.dev/methods/chat.*Stream.json`) and slack_sdk 3.48 sends them (JSON bodies; its
`chat_stream()` helper sends `chunks` of type markdown_text, not `markdown_text`).

The streamed message is a bot reply in the thread whose text grows with each call; `Stream`
(surfaces.py) keeps every call in order with its time, so tests see the appends and when the
first text arrived. Arguments and errors:
  startStream  channel, thread_ts, recipient_user_id + recipient_team_id (required in channels:
               missing_recipient_user_id / missing_recipient_team_id), markdown_text | chunks
  appendStream channel, ts, markdown_text | chunks (no_text without either)
  stopStream   channel, ts, markdown_text | chunks, blocks (shown under the text), metadata
  all          channel_not_found, message_not_found, message_not_owned_by_app,
               message_not_in_streaming_state (after stop, or `stream_timeout` idle seconds:
               about 5 minutes in the wild, API-NOTES §3b.3), invalid_chunks, msg_too_long
               (markdown_text over 12,000 characters), invalid_blocks.
`disable_streaming` (faults.py) plays a workspace without the feature.

May import: the standard library, bot.sim.slack.chat, .model, .surfaces and .wire.
"""

from __future__ import annotations

import json
from typing import Any

from bot.sim.slack.chat import Chat
from bot.sim.slack.model import ApiError, Message
from bot.sim.slack.surfaces import Stream, StreamPart

MAX_MARKDOWN = 12_000
CHUNK_TYPES = ("markdown_text", "task_update", "plan_update", "blocks")


class Streaming(Chat):
    """chat.*Stream, as the bot (mixed into SlackSim)."""

    def _start_stream(self, args: dict[str, Any]) -> dict[str, Any]:
        self._streaming_available()
        channel = str(args.get("channel") or "")
        if not channel:
            raise ApiError("channel_not_found")
        thread_ts = str(args.get("thread_ts") or "")
        if not thread_ts:
            raise ApiError("invalid_arguments",
                           response_metadata={"messages": ["[ERROR] missing required field: "
                                                           "thread_ts"]})
        user, team = args.get("recipient_user_id"), args.get("recipient_team_id")
        if channel[:1] in ("C", "G"):
            if not user:
                raise ApiError("missing_recipient_user_id")
            if not team:
                raise ApiError("missing_recipient_team_id")
        if user and str(user) not in self.users:
            raise ApiError("user_not_found")
        part = self._part("chat.startStream", args)
        msg = self._post(channel, part.text, [], thread_ts=thread_ts, via="chat.startStream")
        msg.streamed = True
        self._streams.append(Stream(channel, msg.ts, msg.thread_ts or thread_ts,
                                    user and str(user), team and str(team), [part]))
        return {"ok": True, "channel": channel, "ts": msg.ts}

    def _append_stream(self, args: dict[str, Any]) -> dict[str, Any]:
        stream = self._live_stream(args)
        part = self._part("chat.appendStream", args)
        if not part.text and not part.chunks:
            raise ApiError("no_text")
        self._grow(stream, part)
        return {"ok": True, "channel": stream.channel, "ts": stream.ts}

    def _stop_stream(self, args: dict[str, Any]) -> dict[str, Any]:
        stream = self._live_stream(args)
        part = self._part("chat.stopStream", args)
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                raise ApiError("invalid_blocks", errors=["blocks is not JSON"]) from None
        if blocks is not None and (problems := self._block_problems(blocks)):
            self._violation("chat.stopStream", "invalid_blocks", "; ".join(problems))
            raise ApiError("invalid_blocks", errors=problems,
                           response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})
        msg = self._grow(stream, part)
        msg.blocks = blocks or msg.blocks
        stream.stopped = True
        return {"ok": True, "channel": stream.channel, "ts": stream.ts,
                "message": self.message_json(msg)}

    def _streaming_available(self) -> None:
        if self.streaming_error:
            raise ApiError(self.streaming_error)

    def _live_stream(self, args: dict[str, Any]) -> Stream:
        """The stream `channel` + `ts` name, if it may still grow."""
        self._streaming_available()
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            raise ApiError("channel_not_found")
        msg = self.find(channel, ts)
        if msg is None or msg.deleted:
            raise ApiError("message_not_found")
        if msg.bot_id != self.bot_id:
            raise ApiError("message_not_owned_by_app")
        stream = next((s for s in self._streams if s.channel == channel and s.ts == ts), None)
        idle = stream is not None and self.clock() - stream.parts[-1].at > self.stream_timeout
        if stream is None or stream.stopped or idle:
            raise ApiError("message_not_in_streaming_state")
        return stream

    def _part(self, method: str, args: dict[str, Any]) -> StreamPart:
        """The text and chunks one call adds, checked as Slack checks them."""
        chunks = args.get("chunks") or []
        if isinstance(chunks, str):
            try:
                chunks = json.loads(chunks)
            except ValueError:
                raise ApiError("invalid_chunks") from None
        if not isinstance(chunks, list) or any(not _chunk_ok(c) for c in chunks):
            raise ApiError("invalid_chunks")
        text = str(args.get("markdown_text") or "")
        text += "".join(c["text"] for c in chunks if c["type"] == "markdown_text")
        if len(text) > MAX_MARKDOWN:
            raise ApiError("msg_too_long")
        return StreamPart(method, text, chunks, self.clock())

    def _grow(self, stream: Stream, part: StreamPart) -> Message:
        stream.parts.append(part)
        msg = self.find(stream.channel, stream.ts)
        assert msg is not None
        msg.text = stream.text
        return msg


def _chunk_ok(chunk: Any) -> bool:
    """A chunk of a documented type; markdown_text ones carry their `text`."""
    if not isinstance(chunk, dict) or chunk.get("type") not in CHUNK_TYPES:
        return False
    return chunk["type"] != "markdown_text" or isinstance(chunk.get("text"), str)
