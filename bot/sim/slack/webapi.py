"""The simulated Web API: one route for every method, with Slack's envelopes, token checks and
errors, and the reading methods (conversations.*, files.info, auth.test).

Chat (chat.*, reactions.*), Streaming (chat.*Stream), Modals (views.*), Directory (users.*,
conversations.members) and FileHost (uploads) hold the other methods; `_handler` names every
method the sim knows, and anything else is `unknown_method`. Each call is attributed to a team
(the channel it names, else its token's) before Limits counts it against that team's tier.

May import: the standard library, aiohttp, bot.sim.slack.chat, .files, .limits, .modals,
.streaming, .model and .wire.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sim.slack.files import FileHost
from bot.sim.slack.limits import Limits
from bot.sim.slack.modals import Modals
from bot.sim.slack.model import ApiError, Message, RecordedCall
from bot.sim.slack.streaming import Streaming
from bot.sim.slack.wire import json_response, truthy


class WebApi(Limits, Streaming, Modals, FileHost):
    """Answers /api/{method} (mixed into SlackSim)."""

    def _handler(self, method: str,
                 team: str) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
        return {
            "auth.test": lambda args: self._auth_test(team),
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "files.info": self._files_info,
            "conversations.replies": self._replies,
            "conversations.history": self._history,
            "users.info": self._users_info,
            "users.list": lambda args: self._users_list(args, team),
            "conversations.members": self._conversations_members,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "chat.startStream": self._start_stream,
            "chat.appendStream": self._append_stream,
            "chat.stopStream": self._stop_stream,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
        }.get(method)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                args.update(body if isinstance(body, dict) else {})
            else:
                args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        call = RecordedCall(method, request.method, args, token or args.get("token"),
                            request.content_type)
        call.team, channel = self._team_for(method, args, call.token)
        self._calls.append(call)
        if (fault := await self._misbehave(method, request, call)) is not None:
            return fault
        if (retry_after := self._over_tier(method, call.team, channel)) is not None:
            call.status, call.response = 429, {"ok": False, "error": "ratelimited"}
            return json_response(call.response, 429, **{"Retry-After": str(retry_after)})
        try:
            handler = self._handler(method, call.team)
            if handler is None:
                raise ApiError("unknown_method")
            self._check_token(method, call.token)
            call.response = handler(args)
        except ApiError as e:
            call.response = e.body
        response = json_response(call.response)
        response.headers["x-oauth-scopes"] = self.scopes
        return response

    def _check_token(self, method: str, token: str | None) -> None:
        app, bots = method == "apps.connections.open", {self.bot_token, *self.bot_tokens}
        if not token:
            raise ApiError("not_authed")
        if (token == self.app_token and not app) or (token in bots and app):
            raise ApiError("not_allowed_token_type")
        if token != self.app_token and token not in bots:
            raise ApiError("invalid_auth")

    def _auth_test(self, team: str) -> dict[str, Any]:
        name = self.teams.get(team, {}).get("name", team)
        return {"ok": True, "url": f"{self.url}/", "team": name, "user": "recap",
                "team_id": team, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        f = self._files.get(str(args.get("file") or ""))
        if f is None:
            raise ApiError("file_not_found")
        obj = {**f.obj, "shares": shares} if (shares := self._shares(f.obj["id"])) else f.obj
        return {"ok": True, "file": obj, "comments": [], "response_metadata": {"next_cursor": ""}}

    def _shares(self, file_id: str) -> dict[str, Any]:
        """files.info's `shares`: where the file was posted, newest first (the fixture's shape:
        `ts` is the sharing message, `thread_ts` its thread when shared as a reply)."""
        shares: dict[str, Any] = {}
        for channel, messages in self._messages.items():
            for m in messages:
                if m.deleted or all(f.get("id") != file_id for f in m.files):
                    continue
                share = {"reply_users": [], "reply_users_count": 0, "reply_count": 0,
                         "ts": m.ts, "channel_name": self.channel_names.get(channel, channel),
                         "team_id": self.team_of(channel), "share_user_id": m.user or ""}
                if m.is_reply:
                    share["thread_ts"] = m.thread_ts
                kind = "public" if channel.startswith("C") else "private"
                shares.setdefault(kind, {}).setdefault(channel, []).insert(0, share)
        return shares

    def _page(self, items: list[Message], args: dict[str, Any], default: int) -> dict[str, Any]:
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or default) or default
        page, more = items[start : start + limit], start + limit < len(items)
        return {"ok": True, "messages": [self.message_json(m) for m in page], "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        thread = self.thread(str(args.get("channel") or ""), str(args.get("ts") or ""))
        if not thread:
            raise ApiError("thread_not_found")
        return self._page(thread, args, 1000)

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            raise ApiError("channel_not_found")
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 1e12)
        inclusive = truthy(args.get("inclusive"))
        def within(ts: float) -> bool:
            return oldest <= ts <= latest if inclusive else oldest < ts < latest

        top = [m for m in self.messages(channel)
               if (not m.is_reply or m.subtype == "thread_broadcast") and within(float(m.ts))]
        return self._page(top[::-1], args, 100)

    def _connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link?ticket={uuid.uuid4()}"}
