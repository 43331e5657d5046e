"""The simulated workspace's state: channels, messages, files, calls and sockets, in one object.

`Workspace` holds everything the server side and the client side share, with the few moves both
make (new ids and timestamps, storing a message, posting as the bot, finding a file or a thread).
The other modules of bot.sim.slack add behaviour to it as mixins; SlackSim combines them.
Several workspaces can share the sim: a channel belongs to a team (`team_of`), and so does
each member, so one bot token can serve an org-wide install as DESIGN "Security" expects.

May import: the standard library, aiohttp, bot.sim.slack.wire, .model and .surfaces.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import ClientSession, web

from bot.sim.slack.model import (
    Download,
    Ephemeral,
    Fault,
    HostedFile,
    Message,
    RecordedCall,
)
from bot.sim.slack.surfaces import Modal, Stream, Trigger
from bot.sim.slack.wire import APP_ID, BOT_ID, BOT_USER_ID, SCOPES, user_object


class Workspace:
    """The state of a Slack workspace on 127.0.0.1; see SlackSim for what it does."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-sim-bot-token",
        app_token: str = "xapp-sim-app-token",
        signing_secret: str = "sim-signing-secret",
        team_id: str = "T0SIM",
        start_ts: int = 1_700_000_000,
    ) -> None:
        self.bot_token, self.app_token, self.signing_secret = bot_token, app_token, signing_secret
        self.team_id, self.app_id = team_id, APP_ID
        self.bot_user_id, self.bot_id = BOT_USER_ID, BOT_ID
        self.port = 0
        self.violations: list[str] = []
        self.scopes = SCOPES  # the bot token's scopes, sent as x-oauth-scopes on Web API replies
        self.downloads: list[Download] = []
        self.socket_acks: list[dict[str, Any]] = []
        self.channel_names: dict[str, str] = {}
        self.channel_teams: dict[str, str] = {}  # a channel of another team (else team_id)
        self.channel_members: dict[str, list[str]] = {}  # registered channels' member ids
        self.teams = {team_id: {"id": team_id, "name": "Recap Sim", "domain": "recap-sim"}}
        self.bot_tokens = {bot_token: team_id}  # each bot token and the team it falls back to
        self.clock: Callable[[], float] = time.monotonic  # trigger and stream expiry read it
        self.trigger_ttl = 3.0  # seconds a trigger_id stays exchangeable (views.open docs)
        self.stream_timeout = 300.0  # idle seconds before a stream leaves the streaming state
        self.refused_blocks: set[str] = set()  # block types answered with invalid_blocks
        self.streaming_error: str | None = None  # set: chat.*Stream answer this error
        self.tiers: Any = None  # bot.sim.slack.limits.Tiers once enable_tiers is called
        self.ratelimited: Counter[tuple[str, str]] = Counter()  # 429s per (team, method)
        self.early_retries: list[str] = []  # calls back before their Retry-After
        self.users = {
            "U0ALICE": user_object("U0ALICE", "alice", "Alice Example", team_id),
            "U0BOB": user_object("U0BOB", "bob", "Bob Example", team_id),
            BOT_USER_ID: user_object(BOT_USER_ID, "recap", "Recap", team_id, is_bot=True),
        }
        self._start_us = start_ts * 1_000_000
        self._seq = 0
        self._ids: dict[str, int] = {}
        self._calls: list[RecordedCall] = []
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._files: dict[str, HostedFile] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._delays: dict[str, float] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._triggers: dict[str, Trigger] = {}
        self._modals: dict[str, Modal] = {}
        self._streams: list[Stream] = []
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL / AsyncWebClient(base_url=...) should be."""
        return f"{self.url}/api/"

    def _new_trigger(self, user: str, team: str) -> str:
        """A trigger_id in Slack's "132456.7890123.abcdef" form, exchangeable once by views.open
        within `trigger_ttl` seconds."""
        trigger_id = f"{self._seq}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}"
        self._triggers[trigger_id] = Trigger(user, team, self.clock())
        return trigger_id

    def _next_ts(self) -> str:
        self._seq += 1
        us = self._start_us + self._seq * 100
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        self._ids[prefix] = self._ids.get(prefix, 0) + 1
        return f"{prefix}0SIM{self._ids[prefix]:06d}"

    def _store(self, msg: Message) -> Message:
        self._messages.setdefault(msg.channel, []).append(msg)
        return msg

    def _file(self, file: dict[str, Any] | str) -> HostedFile:
        file_id = file if isinstance(file, str) else file["id"]
        if file_id not in self._files:
            raise KeyError(f"no file {file_id} in the sim")
        return self._files[file_id]

    def _violation(self, method: str, error: str, detail: str = "") -> None:
        self.violations.append(f"{method}: {error}" + (f": {detail}" if detail else ""))

    def _post(self, channel: str, text: str, blocks: list[dict[str, Any]], *,
              thread_ts: str | None, via: str, files: list[dict[str, Any]] | None = None,
              subtype: str | None = None) -> Message:
        """A message from the bot; a thread_ts that names a reply goes to its parent."""
        if thread_ts:
            parent = self.find(channel, thread_ts)
            if parent is None:
                self._violation(via, "thread_not_found", f"thread_ts {thread_ts} in {channel}")
            elif parent.is_reply:
                self._violation(via, "reply_ts_as_thread_ts", f"{thread_ts} is a reply")
                thread_ts = parent.thread_ts
        return self._store(Message(channel, self._next_ts(), text, blocks, self.bot_user_id,
                                   self.bot_id, thread_ts, subtype, files or []))

    def _response_url_for(self, channel: str, user: str, message_ts: str | None = None) -> str:
        """A response_url for a command or a click; chat.py answers the POSTs to it."""
        rid = uuid.uuid4().hex
        self._responses[rid] = {"channel": channel, "user": user, "message_ts": message_ts,
                                "uses": 0}
        return f"{self.url}/response/{rid}"

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        """Every message in `channel` (parents and replies) in ts order."""
        return [m for m in self._messages.get(channel, []) if include_deleted or not m.deleted]

    def find(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self._messages.get(channel, []) if m.ts == ts), None)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The parent (resolved from any ts in the thread), then its replies in order."""
        root = self.find(channel, ts)
        if root is None:
            return []
        if root.is_reply:
            root = self.find(channel, root.thread_ts or "") or root
        replies = [m for m in self.messages(channel) if m.thread_ts == root.ts and m is not root]
        return [root, *replies]
