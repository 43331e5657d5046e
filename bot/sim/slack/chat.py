"""The simulated workspace's messaging methods: chat.* and reactions.*, with Slack's checks on
text and blocks, and the response_url a command or a click answers through.

May import: the standard library, aiohttp, bot.sim.slack.views, .model, .blocks and .wire.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sim.slack.blocks import check_blocks
from bot.sim.slack.model import ApiError, Ephemeral, Message, RecordedCall
from bot.sim.slack.views import Views
from bot.sim.slack.wire import MAX_TEXT, json_response, truthy


class Chat(Views):
    """Posting, editing, deleting and reacting, as the bot (mixed into SlackSim)."""

    def _checked_content(self, method: str, args: dict[str, Any]) -> tuple[str | None, list | None]:
        """Slack's checks on text and blocks; the refusal is also kept in `violations`."""
        text, blocks = args.get("text"), args.get("blocks")
        try:
            if isinstance(blocks, str):
                try:
                    blocks = json.loads(blocks)
                except ValueError:
                    raise ApiError("invalid_blocks", errors=["blocks is not JSON"]) from None
            if text is not None and len(str(text)) > MAX_TEXT:
                raise ApiError("msg_too_long")
            if blocks is not None and (problems := self._block_problems(blocks)):
                messages = [f"[ERROR] {p}" for p in problems]
                raise ApiError("invalid_blocks", errors=problems,
                               response_metadata={"messages": messages})
            if not text and not blocks and not args.get("attachments"):
                raise ApiError("no_text")
        except ApiError as e:
            self._violation(method, e.body["error"], "; ".join(e.body.get("errors", [])))
            raise
        return (None if text is None else str(text)), blocks

    def _block_problems(self, blocks: Any) -> list[str]:
        return check_blocks(blocks, refused=self.refused_blocks)

    def _message(self, args: dict[str, Any], ts_key: str = "ts") -> Message:
        channel, ts = args.get("channel"), args.get(ts_key)
        if not channel:
            raise ApiError("channel_not_found")
        msg = self.find(str(channel), str(ts or ""))
        if msg is None or msg.deleted:
            raise ApiError("message_not_found")
        return msg

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            raise ApiError("channel_not_found")
        text, blocks = self._checked_content("chat.postMessage", args)
        thread_ts = args.get("thread_ts") or None
        broadcast = thread_ts and truthy(args.get("reply_broadcast"))
        msg = self._post(channel, text or "", blocks or [], thread_ts=thread_ts,
                         via="chat.postMessage", subtype="thread_broadcast" if broadcast else None)
        return {"ok": True, "channel": channel, "ts": msg.ts, "message": self.message_json(msg)}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._message(args)
        if msg.bot_id != self.bot_id:
            raise ApiError("cant_update_message")
        text, blocks = self._checked_content("chat.update", args)
        msg.versions.append({"text": msg.text, "blocks": msg.blocks, "ts": msg.edited_ts or msg.ts})
        msg.text = msg.text if text is None else text
        msg.blocks = msg.blocks if blocks is None else blocks
        msg.edited_ts = self._next_ts()
        return {"ok": True, "channel": msg.channel, "ts": msg.ts, "text": msg.text,
                "message": self.message_json(msg)}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = str(args.get("channel") or ""), str(args.get("user") or "")
        if not channel:
            raise ApiError("channel_not_found")
        if not user:
            raise ApiError("user_not_in_channel")
        text, blocks = self._checked_content("chat.postEphemeral", args)
        ts = self._next_ts()
        self._ephemerals.append(Ephemeral(channel, user, text or "", blocks or [],
                                          args.get("thread_ts"), ts, "chat.postEphemeral"))
        return {"ok": True, "message_ts": ts}

    def _delete(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._message(args)
        if msg.bot_id != self.bot_id:
            raise ApiError("cant_delete_message")
        msg.deleted = True
        return {"ok": True, "channel": msg.channel, "ts": msg.ts}

    def _permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._message(args, "message_ts")
        link = f"{self.url}/archives/{msg.channel}/p{msg.ts.replace('.', '')}"
        if msg.is_reply:
            link += f"?thread_ts={msg.thread_ts}&cid={msg.channel}"
        return {"ok": True, "channel": msg.channel, "permalink": link}

    def _reaction(self, args: dict[str, Any]) -> tuple[Message, str]:
        msg = self._message(args, "timestamp")
        name = str(args.get("name") or "")
        if not name or " " in name:
            raise ApiError("invalid_name")
        return msg, name

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        msg, name = self._reaction(args)
        users = msg.reactions.setdefault(name, [])
        if self.bot_user_id in users:
            raise ApiError("already_reacted")
        users.append(self.bot_user_id)
        return {"ok": True}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        msg, name = self._reaction(args)
        if self.bot_user_id not in msg.reactions.get(name, []):
            raise ApiError("no_reaction")
        msg.reactions[name].remove(self.bot_user_id)
        if not msg.reactions[name]:
            del msg.reactions[name]
        return {"ok": True}

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        ctx = self._responses.get(request.match_info["rid"])
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            body = {}
        call = RecordedCall("response_url", "POST", body, None, request.content_type)
        self._calls.append(call)
        if ctx is None or ctx["uses"] >= 5:
            call.status = 404
            self._violation("response_url", "used_url", "unknown, or more than 5 POSTs")
            return web.Response(status=404, text="used_url", content_type="text/plain")
        ctx["uses"] += 1
        if body.get("blocks") is not None and (problems := self._block_problems(body["blocks"])):
            call.status = 400
            self._violation("response_url", "invalid_blocks", "; ".join(problems))
            return web.Response(status=400, text="invalid_blocks", content_type="text/plain")
        text, blocks = str(body.get("text") or ""), body.get("blocks") or []
        original = self.find(ctx["channel"], ctx.get("message_ts") or "")
        if original is not None and truthy(body.get("delete_original")):
            original.deleted = True
        elif original is not None and truthy(body.get("replace_original")):
            original.versions.append({"text": original.text, "blocks": original.blocks,
                                      "ts": original.edited_ts or original.ts})
            original.text, original.blocks, original.edited_ts = text, blocks, self._next_ts()
        elif body.get("response_type") == "in_channel":
            self._post(ctx["channel"], text, blocks, thread_ts=body.get("thread_ts"),
                       via="response_url")
        else:
            self._ephemerals.append(Ephemeral(ctx["channel"], ctx["user"], text, blocks,
                                              body.get("thread_ts"), self._next_ts(),
                                              "response_url"))
        call.response = {"ok": True}
        return json_response(call.response)
