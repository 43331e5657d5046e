"""How the simulated workspace looks from outside: to the tests (the calls the app made, its
messages, ephemerals and files), to the demo (a channel as text), and to the app (a message as
the Web API and events show it). `wait_for` polls any of it.

May import: the standard library, bot.sim.slack.directory, .state, .model, .surfaces, .blocks.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sim.slack.blocks import blocks_text
from bot.sim.slack.directory import Directory
from bot.sim.slack.model import Ephemeral, Message, RecordedCall
from bot.sim.slack.surfaces import Modal, Stream


class Views(Directory):
    """Read-only views of the workspace (mixed into SlackSim)."""

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        return [c for c in self._calls if method is None or c.method == method]

    def count(self, method: str) -> int:
        return len(self.calls(method))

    def bot_messages(self, channel: str | None = None) -> list[Message]:
        chans = [channel] if channel else list(self._messages)
        return [m for c in chans for m in self.messages(c) if m.bot_id == self.bot_id]

    def calls_by_team(self, method: str | None = None) -> dict[str, int]:
        """How many calls (of `method`) each team was attributed."""
        counts: dict[str, int] = {}
        for c in self.calls(method):
            counts[c.team] = counts.get(c.team, 0) + 1
        return counts

    def modals(self, user: str | None = None, *, open_only: bool = False) -> list[Modal]:
        """Modals the app opened (and submissions pushed), oldest first."""
        return [m for m in self._modals.values()
                if (user is None or m.user == user) and (m.is_open or not open_only)]

    def modal(self, view_id: str) -> Modal:
        if view_id not in self._modals:
            raise KeyError(f"no view {view_id} in the sim")
        return self._modals[view_id]

    def streams(self, channel: str | None = None) -> list[Stream]:
        """Messages streamed with chat.startStream, oldest first."""
        return [s for s in self._streams if channel is None or s.channel == channel]

    def ephemerals(self, channel: str | None = None) -> list[Ephemeral]:
        return [e for e in self._ephemerals if channel is None or e.channel == channel]

    def uploaded_files(self) -> list[dict[str, Any]]:
        """File objects the app uploaded (files.completeUploadExternal), oldest first."""
        return [f.obj for f in self._files.values() if f.obj["user"] == self.bot_user_id]

    def file_bytes(self, file: dict[str, Any] | str) -> bytes:
        """A file's whole content (for small files; generated ones are built in memory)."""
        return b"".join(self._file(file).chunks())

    def file_sha256(self, file: dict[str, Any] | str) -> str:
        """The sha256 of a file's content, computed chunk by chunk once and cached."""
        f = self._file(file)
        if f.sha256 is None:
            digest = hashlib.sha256()
            for chunk in f.chunks():
                digest.update(chunk)
            f.sha256 = digest.hexdigest()
        return f.sha256

    def render(self, channel: str) -> str:
        """The channel as a person would read it; what `recap demo` prints."""
        lines = [f"#{self.channel_names.get(channel, channel)}"]
        for m in self.messages(channel):
            who = self._name(m.user or "?")
            body = m.text if not m.blocks else blocks_text(m.blocks) or m.text
            body = re.sub(r"<@(\w+)>", lambda g: "@" + self._name(g[1]), body)
            body += "".join(f" [file: {f['name']}]" for f in m.files)
            body += "".join(f" :{name}: {len(u)}" for name, u in m.reactions.items())
            body += " (edited)" if m.edits else ""
            prefix = "  └ " if m.is_reply else ""
            indent = "\n" + " " * (len(prefix) + len(who) + 2)
            lines.append(f"{prefix}{who}: {body.replace(chr(10), indent)}")
        return "\n".join(lines)

    def _name(self, user_id: str) -> str:
        return str(self.users.get(user_id, {}).get("name", user_id))

    def message_json(self, msg: Message) -> dict[str, Any]:
        """The message as the Web API and events show it."""
        team = self.team_of(msg.channel) if msg.bot_id or not msg.user else self.team_of_user(
            msg.user, msg.channel)
        d: dict[str, Any] = {"type": "message", "ts": msg.ts, "text": msg.text, "team": team}
        if msg.user:
            d["user"] = msg.user
        if msg.bot_id:
            d["bot_id"], d["app_id"] = msg.bot_id, self.app_id
            d["bot_profile"] = {"id": msg.bot_id, "app_id": self.app_id, "name": "Recap",
                                "team_id": team, "deleted": False}
        if msg.subtype:
            d["subtype"] = msg.subtype
        if msg.blocks:
            d["blocks"] = msg.blocks
        if msg.files:
            d["files"], d["upload"], d["display_as_bot"] = msg.files, False, False
        if msg.is_reply:
            root = self.find(msg.channel, msg.thread_ts or "")
            d["thread_ts"], d["parent_user_id"] = msg.thread_ts, root.user if root else None
        elif replies := self.thread(msg.channel, msg.ts)[1:]:
            users = list(dict.fromkeys(r.user for r in replies if r.user))
            d.update(thread_ts=msg.ts, reply_count=len(replies), reply_users=users,
                     reply_users_count=len(users), latest_reply=replies[-1].ts)
        if msg.edited_ts:
            d["edited"] = {"user": msg.user, "ts": msg.edited_ts}
        if msg.reactions:
            d["reactions"] = [{"name": n, "users": u, "count": len(u)}
                              for n, u in msg.reactions.items()]
        return d

    async def wait_for(self, predicate: Callable[[], Any | Awaitable[Any]],
                       timeout: float = 10.0, interval: float = 0.02) -> Any:
        """Poll until `predicate()` is truthy and return its value (events are acked
        before the app's listener finishes, so side effects arrive later)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(interval)
