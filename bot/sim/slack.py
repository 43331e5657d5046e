"""A loopback Slack workspace: the Web API, file hosting, Socket Mode and the people in it.

`SlackSim` plays both sides. As a server it answers what the app calls (Web API
methods with Slack's envelopes and errors, `files-pri` downloads, the external
upload target, `response_url`, the Socket Mode WebSocket). As a client it does
what a person does (posts, mentions, slash commands, button clicks) and delivers
the signed requests Slack would send. `recap demo` drives a simulated channel with
it, and the tests use it as their Slack. Wire details follow API-NOTES §3.

It is one module on purpose: the state (messages, threads, files) is shared by the
server side and the client side. It may import aiohttp, slack_sdk.models (block
validation) and the standard library; nothing from bot.*.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import json
import mimetypes
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import ClientSession, ClientTimeout, WSMsgType, web
from slack_sdk.models.blocks import Block

MIB = 1024 * 1024
CHUNK = MIB
BOT_USER_ID = "U0RECAP"
BOT_ID = "B0RECAP"
APP_ID = "A0RECAP"
MAX_BLOCKS = 50
MAX_TEXT = 40_000
SCOPES = "app_mentions:read,channels:history,groups:history,im:history,mpim:history,chat:write,chat:write.public,commands,files:read,files:write,reactions:write,users:read"  # noqa: E501
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
    "<body><h1>Sign in to Recap Sim</h1><form action=\"/signin\"></form></body></html>"
)
# Leading bytes per file type, so generated media passes a magic-byte sniff.
MAGIC = {
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "wav": b"RIFF\xff\xff\xff\x7fWAVEfmt ",
    "ogg": b"OggS\x00\x02",
    "webm": b"\x1a\x45\xdf\xa3",
    "mkv": b"\x1a\x45\xdf\xa3",
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
    "mov": b"\x00\x00\x00\x14ftypqt  ",
}
FILETYPES = {
    "mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "ogg": "audio/ogg",
    "webm": "video/webm", "mp4": "video/mp4", "mov": "video/quicktime",
    "mkv": "video/x-matroska", "txt": "text/plain", "vtt": "text/vtt", "srt": "text/plain",
    "md": "text/markdown", "json": "application/json", "png": "image/png",
    "pdf": "application/pdf",
}


@dataclass
class RecordedCall:
    """One HTTP request the app made: a Web API method, an upload, or a response_url POST."""

    method: str
    http_method: str
    args: dict[str, Any]
    token: str | None
    content_type: str
    status: int = 200
    response: dict[str, Any] | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")


@dataclass
class Message:
    """A message as the channel shows it now; `versions` keeps what chat.update replaced."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    edited_ts: str | None = None

    @property
    def edits(self) -> int:
        return len(self.versions)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Ephemeral:
    """A message only `user` sees, from chat.postEphemeral or a response_url POST."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    ts: str
    via: str


@dataclass
class Download:
    """One GET of a file URL; `has_auth` says whether an Authorization header came along."""

    file_id: str
    path: str
    has_auth: bool
    auth_ok: bool
    status: int = 200
    served: str = "file"
    bytes_sent: int = 0


@dataclass
class _Fault:
    kind: str
    times: int
    status: int = 200
    retry_after: int = 1
    error: str = ""


@dataclass
class _File:
    obj: dict[str, Any]
    content: bytes | None
    generator: Callable[[int], bytes] | None
    redirect_to: str | None
    sha256: str | None = None
    chunked: bool = False

    def chunks(self) -> Iterator[bytes]:
        size = self.obj["size"]
        if self.content is not None:
            for start in range(0, size, CHUNK):
                yield self.content[start : start + CHUNK]
            return
        assert self.generator is not None
        for index in range(-(-size // CHUNK)):
            yield self.generator(index)[: min(CHUNK, size - index * CHUNK)]


class ApiError(Exception):
    """A Web API method refused: becomes HTTP 200 {"ok": false, "error": ...}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}


def signature(secret: str, timestamp: str | int, body: bytes) -> str:
    """Slack's v0 request signature (API-NOTES §3.2)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def patterned(filetype: str, seed: int = 0) -> Callable[[int], bytes]:
    """Deterministic 1 MiB chunks: a random pattern stamped with the chunk index.

    Chunk 0 starts with the file type's magic bytes. The stamp makes a relay that
    repeats, drops or reorders chunks change the sha256.
    """
    base = random.Random(seed).randbytes(CHUNK)
    magic = MAGIC.get(filetype, b"")

    def chunk(index: int) -> bytes:
        head = magic if index == 0 else index.to_bytes(8, "big")
        return head + base[len(head) :]

    return chunk


def check_blocks(blocks: Any) -> list[str]:
    """What Slack would reject in a `blocks` array (API-NOTES §3.6); empty when fine."""
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    problems = [f"{len(blocks)} blocks, over {MAX_BLOCKS}"] if len(blocks) > MAX_BLOCKS else []
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"block {i} is not an object")
            continue
        where = f"block {i} ({block.get('type')})"
        found = [f"{where}: {p}" for p in _limit_problems(block)]
        if not found:
            found = [f"{where}: {p}" for p in _parse_problems(block)]
        if (bid := block.get("block_id")) is not None:
            if bid in block_ids:
                found.append(f"{where}: duplicate block_id {bid!r}")
            block_ids.add(bid)
        problems += found
    return problems


def _limit_problems(block: dict[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if kind == "section":
        text = block.get("text")
        if text is not None and not isinstance(text, dict):
            yield "text must be a text object"
        elif isinstance(text, dict):
            yield from _length(str(text.get("text") or ""), "text", 3000)
        fields = block.get("fields") or []
        if len(fields) > 10:
            yield f"{len(fields)} fields, over 10"
        for f in fields:
            text = str(f.get("text") or "") if isinstance(f, dict) else ""
            yield from _length(text, "field", 2000)
    elif kind == "header":
        yield from _length(str((block.get("text") or {}).get("text") or ""), "text", 150)
    elif kind == "markdown":
        yield from _length(str(block.get("text") or ""), "text", 12_000)
    elif kind in ("context", "actions"):
        limit = 10 if kind == "context" else 25
        if len(block.get("elements") or []) > limit:
            yield f"{len(block['elements'])} elements, over {limit}"


def _length(text: str, what: str, limit: int) -> Iterator[str]:
    if not text:
        yield f"{what} is empty"
    elif len(text) > limit:
        yield f"{what} is {len(text)} chars, over {limit}"


def _parse_problems(block: dict[str, Any]) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return ["unknown block type"]
        parsed.validate_json()
    except Exception as e:  # slack_sdk raises several kinds for malformed input
        return [f"does not parse: {e}"]
    return []


def _json_response(body: dict[str, Any], status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        text=json.dumps(body), status=status, content_type="application/json",
        charset="utf-8", headers={"x-oauth-scopes": SCOPES, **headers},
    )


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def _user(user_id: str, name: str, real_name: str, team_id: str, is_bot: bool = False) -> dict:
    profile = {"real_name": real_name, "display_name": name, "first_name": real_name.split()[0]}
    return {"id": user_id, "team_id": team_id, "name": name, "real_name": real_name,
            "deleted": False, "is_bot": is_bot, "tz": "Europe/London", "profile": profile}


def _blocks_text(blocks: list[dict[str, Any]]) -> str:
    """The readable text of blocks, for the demo's channel view."""
    parts: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        elif isinstance(text, str):
            parts.append(text)
        for element in block.get("elements") or []:
            if block.get("type") == "context" and isinstance(element, dict):
                parts.append(str(element.get("text", "")))
    return "\n".join(p for p in parts if p)


class SlackSim:
    """A Slack workspace on 127.0.0.1: `async with SlackSim() as sim`, then `sim.api_url`."""

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
        self.users = {
            "U0ALICE": _user("U0ALICE", "alice", "Alice Example", team_id),
            "U0BOB": _user("U0BOB", "bob", "Bob Example", team_id),
            BOT_USER_ID: _user(BOT_USER_ID, "recap", "Recap", team_id, is_bot=True),
        }
        self._start_us = start_ts * 1_000_000
        self._seq = 0
        self._ids: dict[str, int] = {}
        self._calls: list[RecordedCall] = []
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._files: dict[str, _File] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
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
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
        }

    # ---- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL / AsyncWebClient(base_url=...) should be."""
        return f"{self.url}/api/"

    async def start(self) -> SlackSim:
        app = web.Application(client_max_size=256 * MIB)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/files-pri/{key}/download/{name}", self._download)
        app.router.add_get("/files-pri/{key}/{name}", self._download)
        app.router.add_post("/upload/v1/{upload_id}", self._upload)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = ClientSession(timeout=ClientTimeout(total=30))
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        for future in self._acks.values():
            future.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> SlackSim:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- fault injection ---------------------------------------------------------------

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1,
                  times: int = 1) -> None:
        """The next `times` calls of `method` get HTTP `status` (429 carries Retry-After).

        `method` is a Web API method, "download" for file URLs, "upload" for the upload
        target, or "*" for any of them.
        """
        self._faults.setdefault(method, []).append(_Fault("status", times, status, retry_after))

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        """The next calls of `method` answer HTTP 200 {"ok": false, "error": error}."""
        self._faults.setdefault(method, []).append(_Fault("error", times, error=error))

    def drop_next(self, method: str, times: int = 1) -> None:
        """The next calls of `method` lose their connection without an answer."""
        self._faults.setdefault(method, []).append(_Fault("drop", times))

    def delay(self, method: str, seconds: float) -> None:
        """Every call of `method` waits `seconds` before it is answered (0 clears it)."""
        self._delays[method] = seconds

    async def _misbehave(self, method: str, request: web.Request,
                         call: RecordedCall | None = None) -> web.StreamResponse | None:
        """Apply a pending delay or fault to this request; None means answer normally."""
        if seconds := self._delays.get(method) or self._delays.get("*"):
            await asyncio.sleep(seconds)
        queue = self._faults.get(method) or self._faults.get("*")
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        status, error = 200, fault.error
        headers: dict[str, str] = {}
        if fault.kind == "drop":
            status = 0
        elif fault.kind == "status":
            status = fault.status
            error = {429: "ratelimited", 503: "service_unavailable"}.get(status, "fatal_error")
            if status == 429:
                headers["Retry-After"] = str(fault.retry_after)
        body = None if fault.kind == "drop" else {"ok": False, "error": error}
        if call is not None:
            call.status, call.response = status, body
        if body is None:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return _json_response(body, status, **headers)

    # ---- what the app saw and did ------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        return [c for c in self._calls if method is None or c.method == method]

    def count(self, method: str) -> int:
        return len(self.calls(method))

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

    def bot_messages(self, channel: str | None = None) -> list[Message]:
        chans = [channel] if channel else list(self._messages)
        return [m for c in chans for m in self.messages(c) if m.bot_id == self.bot_id]

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
            body = m.text if not m.blocks else _blocks_text(m.blocks) or m.text
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
        d: dict[str, Any] = {"type": "message", "ts": msg.ts, "text": msg.text,
                             "team": self.team_id}
        if msg.user:
            d["user"] = msg.user
        if msg.bot_id:
            d["bot_id"], d["app_id"] = msg.bot_id, self.app_id
            d["bot_profile"] = {"id": msg.bot_id, "app_id": self.app_id, "name": "Recap",
                                "team_id": self.team_id, "deleted": False}
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

    # ---- state helpers -----------------------------------------------------------------

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

    def _file(self, file: dict[str, Any] | str) -> _File:
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
            if blocks is not None and (problems := check_blocks(blocks)):
                messages = [f"[ERROR] {p}" for p in problems]
                raise ApiError("invalid_blocks", errors=problems,
                               response_metadata={"messages": messages})
            if not text and not blocks and not args.get("attachments"):
                raise ApiError("no_text")
        except ApiError as e:
            self._violation(method, e.body["error"], "; ".join(e.body.get("errors", [])))
            raise
        return (None if text is None else str(text)), blocks

    def _message(self, args: dict[str, Any], ts_key: str = "ts") -> Message:
        channel, ts = args.get("channel"), args.get(ts_key)
        if not channel:
            raise ApiError("channel_not_found")
        msg = self.find(str(channel), str(ts or ""))
        if msg is None or msg.deleted:
            raise ApiError("message_not_found")
        return msg

    # ---- server: Web API ---------------------------------------------------------------

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
        self._calls.append(call)
        if (fault := await self._misbehave(method, request, call)) is not None:
            return fault
        try:
            handler = self._methods.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            self._check_token(method, call.token)
            call.response = handler(args)
        except ApiError as e:
            call.response = e.body
        response = _json_response(call.response)
        response.headers["x-oauth-scopes"] = self.scopes
        return response

    def _check_token(self, method: str, token: str | None) -> None:
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            raise ApiError("not_authed")
        if token in (self.app_token, self.bot_token) and token != wanted:
            raise ApiError("not_allowed_token_type")
        if token != wanted:
            raise ApiError("invalid_auth")

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"{self.url}/", "team": "Recap Sim", "user": "recap",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            raise ApiError("channel_not_found")
        text, blocks = self._checked_content("chat.postMessage", args)
        thread_ts = args.get("thread_ts") or None
        broadcast = thread_ts and _truthy(args.get("reply_broadcast"))
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
                         "team_id": self.team_id, "share_user_id": m.user or ""}
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
        inclusive = _truthy(args.get("inclusive"))
        def within(ts: float) -> bool:
            return oldest <= ts <= latest if inclusive else oldest < ts < latest

        top = [m for m in self.messages(channel)
               if (not m.is_reply or m.subtype == "thread_broadcast") and within(float(m.ts))]
        return self._page(top[::-1], args, 100)

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"ok": True, "user": user}

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), str(args.get("length") or "")
        if not filename or not length.isdigit():
            raise ApiError("invalid_arguments")
        upload_id, file_id = uuid.uuid4().hex, self._new_id("F")
        self._uploads[upload_id] = {"file_id": file_id, "filename": filename,
                                    "length": int(length), "data": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/v1/{upload_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        items = args.get("files")
        items = json.loads(items) if isinstance(items, str) else items
        if not isinstance(items, list) or not items:
            raise ApiError("invalid_arguments")
        done = {u["file_id"]: u for u in self._uploads.values() if u["data"] is not None}
        objs = []
        for item in items:
            upload = done.get(item.get("id"))
            if upload is None:
                raise ApiError("file_not_found")
            objs.append(self.add_file(upload["filename"], upload["data"], user=self.bot_user_id,
                                      title=item.get("title"), file_id=upload["file_id"]))
        channels = args.get("channel_id") or args.get("channels") or ""
        if channel := str(channels).split(",")[0]:
            self._post(channel, str(args.get("initial_comment") or ""), [],
                       thread_ts=args.get("thread_ts"), via="files.completeUploadExternal",
                       files=objs)
            for obj in objs:
                obj["channels"].append(channel)
        return {"ok": True, "files": [{"id": o["id"], "title": o["title"]} for o in objs]}

    def _connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link?ticket={uuid.uuid4()}"}

    # ---- server: files, uploads, response_url ------------------------------------------

    def add_file(
        self,
        name: str,
        content: bytes | None = None,
        *,
        size: int | None = None,
        generator: Callable[[int], bytes] | None = None,
        mimetype: str | None = None,
        filetype: str | None = None,
        user: str = "U0ALICE",
        redirect_to: str | None = None,
        duration_ms: int | None = None,
        title: str | None = None,
        file_id: str | None = None,
        chunked: bool = False,
    ) -> dict[str, Any]:
        """Host a file and return its Slack file object (shaped like the fixtures).

        Without `content` the bytes are generated on the fly, `size` long (default
        256 KiB), by `generator(index) -> 1 MiB chunk` or `patterned(filetype)`: a
        1 GiB file never sits in memory. `redirect_to` makes authorised downloads
        answer 302 to that URL. `chunked` serves the bytes without a Content-Length.
        """
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
        filetype = filetype or ext
        mimetype = (mimetype or FILETYPES.get(filetype) or mimetypes.guess_type(name)[0]
                    or "application/octet-stream")
        size = len(content) if content is not None else (256 * 1024 if size is None else size)
        if content is None and generator is None:
            generator = patterned(filetype)
        file_id = file_id or self._new_id("F")
        safe = quote(name.replace(" ", "_"))
        base = f"{self.url}/files-pri/{self.team_id}-{file_id}"
        kind = mimetype.split("/")[0]
        now = int(time.time())
        obj: dict[str, Any] = {
            "id": file_id, "created": now, "timestamp": now, "name": name, "title": title or name,
            "mimetype": mimetype, "filetype": filetype, "pretty_type": filetype.upper(),
            "user": user, "user_team": self.team_id, "editable": False, "size": size,
            "mode": "hosted", "is_external": False, "external_type": "", "is_public": True,
            "public_url_shared": False, "display_as_bot": False, "username": "",
            "url_private": f"{base}/{safe}", "url_private_download": f"{base}/download/{safe}",
            "media_display_type": kind if kind in ("audio", "video") else "unknown",
            "permalink": f"{self.url}/files/{user}/{file_id}/{safe}",
            "permalink_public": f"{self.url}/files-pub/{self.team_id}-{file_id}-sim",
            "has_rich_preview": False, "file_access": "visible", "comments_count": 0,
            "channels": [], "groups": [], "ims": [],
        }
        if kind in ("audio", "video"):
            obj["duration_ms"] = duration_ms if duration_ms is not None else max(1, size // 16)
            obj["transcription"] = {"status": "none"}
            if kind == "audio":
                obj["aac"] = obj["url_private"]
                obj["audio_wave_samples"] = [(i * 37) % 101 for i in range(100)]
            else:
                obj.update(mp4=obj["url_private"], thumb_video_w=1280, thumb_video_h=720)
        self._files[file_id] = _File(obj, content, generator, redirect_to, chunked=chunked)
        return obj

    async def _download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["key"].split("-", 1)[-1]
        header = request.headers.get("Authorization")
        record = Download(file_id, request.path, header is not None,
                          header == f"Bearer {self.bot_token}")
        self.downloads.append(record)
        if (fault := await self._misbehave("download", request)) is not None:
            record.status, record.served = fault.status, "fault"
            return fault
        f = self._files.get(file_id)
        if f is None:
            record.status, record.served = 404, "missing"
            return web.Response(status=404, text="<html>Not found</html>", content_type="text/html")
        if not record.auth_ok:
            record.served = "login"
            return web.Response(text=LOGIN_PAGE, content_type="text/html", charset="utf-8")
        if f.redirect_to:
            record.status, record.served = 302, "redirect"
            return web.Response(status=302, headers={"Location": f.redirect_to})
        response = web.StreamResponse(headers={
            "Content-Type": f.obj["mimetype"],
            "Content-Disposition": f'attachment; filename="{f.obj["name"]}"'})
        if f.chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = f.obj["size"]
        await response.prepare(request)
        try:
            for chunk in f.chunks():
                await response.write(chunk)
                record.bytes_sent += len(chunk)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            record.served = "interrupted"
        return response

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        upload = self._uploads.get(request.match_info["upload_id"])
        call = RecordedCall("upload", "POST", {}, None, request.content_type)
        self._calls.append(call)
        if (fault := await self._misbehave("upload", request, call)) is not None:
            return fault
        if upload is None:
            call.status = 404
            return web.Response(status=404, text="not found", content_type="text/plain")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()), b"")
            data = part.file.read() if hasattr(part, "file") else str(part).encode()
        else:
            data = await request.read()
        upload["data"] = data
        call.args = {"file_id": upload["file_id"], "bytes": len(data)}
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

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
        if body.get("blocks") is not None and (problems := check_blocks(body["blocks"])):
            call.status = 400
            self._violation("response_url", "invalid_blocks", "; ".join(problems))
            return web.Response(status=400, text="invalid_blocks", content_type="text/plain")
        text, blocks = str(body.get("text") or ""), body.get("blocks") or []
        original = self.find(ctx["channel"], ctx.get("message_ts") or "")
        if original is not None and _truthy(body.get("delete_original")):
            original.deleted = True
        elif original is not None and _truthy(body.get("replace_original")):
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
        return _json_response(call.response)

    def _response_url_for(self, channel: str, user: str, message_ts: str | None = None) -> str:
        rid = uuid.uuid4().hex
        self._responses[rid] = {"channel": channel, "user": user, "message_ts": message_ts,
                                "uses": 0}
        return f"{self.url}/response/{rid}"

    # ---- server: Socket Mode -----------------------------------------------------------

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)  # answers the SDK's "sdk-ping-pong" pings
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self._sockets),
                            "debug_info": {"host": "sim-slack",
                                           "approximate_connection_time": 3600},
                            "connection_info": {"app_id": self.app_id}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(msg.data)
                self.socket_acks.append(ack)
                future = self._acks.pop(ack.get("envelope_id"), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            self._sockets.remove(ws)
        return ws

    async def socket_send(self, payload_type: str, payload: dict[str, Any], *,
                          timeout: float = 5.0, retry_attempt: int = 0,
                          retry_reason: str | None = None) -> dict[str, Any]:
        """Send one envelope ("events_api", "slash_commands", "interactive"); return the ack."""
        await self.wait_for(lambda: [ws for ws in self._sockets if not ws.closed], timeout)
        envelope: dict[str, Any] = {"envelope_id": str(uuid.uuid4()), "payload": payload,
                                    "type": payload_type,
                                    "accepts_response_payload": payload_type != "events_api"}
        if payload_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope["envelope_id"]] = future
        try:
            await [ws for ws in self._sockets if not ws.closed][-1].send_json(envelope)
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no ack for the {payload_type} envelope in {timeout}s") from None
        finally:
            self._acks.pop(envelope["envelope_id"], None)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connected client to reconnect, as Slack does every few hours."""
        for ws in [ws for ws in self._sockets if not ws.closed]:
            await ws.send_json({"type": "disconnect", "reason": reason,
                                "debug_info": {"host": "sim-slack"}})

    # ---- client: what people in the workspace do -----------------------------------------

    def sign(self, body: bytes, timestamp: int | str | None = None) -> dict[str, str]:
        """The X-Slack-* headers for `body`, signed now (or at `timestamp`)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {"X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(self.signing_secret, ts, body)}

    def event_envelope(self, event: dict[str, Any]) -> dict[str, Any]:
        """Wrap an inner event the way the Events API delivers it."""
        event_id = self._new_id("Ev")
        return {"token": "sim-verification-token", "team_id": self.team_id,
                "api_app_id": self.app_id, "event": event, "type": "event_callback",
                "event_id": event_id, "event_time": int(time.time()),
                "authorizations": [{"enterprise_id": None, "team_id": self.team_id,
                                    "user_id": self.bot_user_id, "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False, "event_context": f"4-sim-{event_id}"}

    def message_event(self, msg: Message) -> dict[str, Any]:
        """The `message` event Slack sends for a stored message."""
        event = self.message_json(msg)
        event.update(channel=msg.channel, event_ts=msg.ts, channel_type=_channel_type(msg.channel))
        if msg.bot_id is None:
            event["client_msg_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, msg.channel + msg.ts))
        return self.event_envelope(event)

    def user_message(self, channel: str, text: str, *, user: str = "U0ALICE",
                     files: list[dict[str, Any] | str] | None = None,
                     thread_ts: str | None = None) -> dict[str, Any]:
        """Post as a person (with files: subtype file_share); returns the event envelope."""
        objs = [self._file(f).obj for f in files or []]
        for obj in objs:
            obj["channels"].append(channel)
        msg = self._store(Message(channel, self._next_ts(), text, [], user, None, thread_ts,
                                  "file_share" if objs else None, objs))
        return self.message_event(msg)

    def app_mention(self, channel: str, text: str, *, user: str = "U0ALICE",
                    thread_ts: str | None = None, files: list[dict[str, Any] | str] | None = None,
                    files_in_event: bool = False) -> dict[str, Any]:
        """Mention the bot; stores the message and returns the app_mention envelope.

        Whether Slack puts `files` on app_mention is unverified (API-NOTES §4.8), so
        they are left out unless `files_in_event`; `message_event(sim.find(...))`
        gives the parallel message event.
        """
        mention = f"<@{self.bot_user_id}>"
        text = text if mention in text else f"{mention} {text}"
        envelope = self.user_message(channel, text, user=user, files=files, thread_ts=thread_ts)
        msg_event = envelope["event"]
        event = {k: msg_event[k] for k in ("client_msg_id", "text", "user", "ts", "team",
                                           "channel", "event_ts", "thread_ts") if k in msg_event}
        event["type"] = "app_mention"
        if files_in_event and "files" in msg_event:
            event["files"] = msg_event["files"]
        envelope["event"] = event
        return envelope

    def file_shared_event(self, file: dict[str, Any] | str, channel: str, *,
                          user: str = "U0ALICE") -> dict[str, Any]:
        file_id = self._file(file).obj["id"]
        return self.event_envelope({"type": "file_shared", "channel_id": channel,
                                    "file_id": file_id, "user_id": user, "file": {"id": file_id},
                                    "event_ts": self._next_ts()})

    def bot_message(self, channel: str, text: str | None = None, *, ts: str | None = None,
                    thread_ts: str | None = None) -> dict[str, Any]:
        """The echo of the bot's own post (the message at `ts`, a new one with `text`,
        or its latest in `channel`), to check that the app ignores itself."""
        if text is not None:
            msg = self._post(channel, text, [], thread_ts=thread_ts, via="bot_message")
        else:
            found = [m for m in self.bot_messages(channel) if ts is None or m.ts == ts]
            if not found:
                raise LookupError(f"no bot message in {channel}")
            msg = found[-1]
        return self.message_event(msg)

    def command_payload(self, command: str, text: str, *, channel: str,
                        user: str = "U0ALICE") -> dict[str, str]:
        """A slash command's fields (form-encoded over HTTP, JSON in Socket Mode)."""
        return {"token": "sim-verification-token", "team_id": self.team_id,
                "team_domain": "recap-sim", "channel_id": channel,
                "channel_name": self.channel_names.get(channel, channel.lower()),
                "user_id": user, "user_name": self.users.get(user, {}).get("name", user),
                "command": command, "text": text, "api_app_id": self.app_id,
                "is_enterprise_install": "false",
                "response_url": self._response_url_for(channel, user),
                "trigger_id": f"{self._seq}.{uuid.uuid4().int % 10**12}.sim"}

    def click_payload(self, *, channel: str, message_ts: str, action_id: str, value: str,
                      user: str = "U0ALICE") -> dict[str, Any]:
        """A block_actions payload for a button in a stored message."""
        msg = self.find(channel, message_ts)
        if msg is None:
            raise LookupError(f"no message {message_ts} in {channel}")
        block_id, label = "sim_block", action_id
        for block in msg.blocks:
            for element in block.get("elements") or []:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    block_id = block.get("block_id", block_id)
                    label = (element.get("text") or {}).get("text", action_id)
        container = {"type": "message", "message_ts": msg.ts, "channel_id": channel,
                     "is_ephemeral": False}
        if msg.is_reply:
            container["thread_ts"] = msg.thread_ts
        name = self.users.get(user, {}).get("name", user)
        return {"type": "block_actions", "api_app_id": self.app_id,
                "token": "sim-verification-token", "container": container,
                "trigger_id": f"{self._seq}.{uuid.uuid4().int % 10**12}.sim",
                "team": {"id": self.team_id, "domain": "recap-sim"}, "enterprise": None,
                "is_enterprise_install": False,
                "user": {"id": user, "username": name, "name": name, "team_id": self.team_id},
                "channel": {"id": channel,
                            "name": self.channel_names.get(channel, channel.lower())},
                "message": self.message_json(msg), "state": {"values": {}},
                "response_url": self._response_url_for(channel, user, msg.ts),
                "actions": [{"action_id": action_id, "block_id": block_id,
                             "text": {"type": "plain_text", "text": label}, "value": value,
                             "type": "button", "action_ts": f"{time.time():.6f}"}]}

    async def deliver(self, app_url: str, envelope: dict[str, Any], *,
                      retry_num: int | None = None, retry_reason: str = "http_timeout",
                      bad_signature: bool = False,
                      timestamp: int | None = None) -> tuple[int, str, float]:
        """POST an Events API body to the app as Slack does; returns (status, body, seconds)."""
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json", **self.sign(body, timestamp)}
        if bad_signature:
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return await self._send(app_url, body, headers)

    async def command(self, app_url: str, command: str, text: str, *, channel: str,
                      user: str = "U0ALICE") -> tuple[int, str]:
        """Run a slash command against the app over HTTP; returns (status, ack body)."""
        body = urlencode(self.command_payload(command, text, channel=channel, user=user)).encode()
        status, text_body, _ = await self._send(app_url, body, self._form_headers(body))
        return status, text_body

    async def click(self, app_url: str, *, channel: str, message_ts: str, action_id: str,
                    value: str, user: str = "U0ALICE") -> tuple[int, str]:
        """Click a button in a stored message; returns (status, ack body)."""
        payload = self.click_payload(channel=channel, message_ts=message_ts,
                                     action_id=action_id, value=value, user=user)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        status, text_body, _ = await self._send(app_url, body, self._form_headers(body))
        return status, text_body

    def _form_headers(self, body: bytes) -> dict[str, str]:
        return {"Content-Type": "application/x-www-form-urlencoded", **self.sign(body)}

    async def _send(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, float]:
        assert self._session is not None, "start the sim first"
        started = time.monotonic()
        async with self._session.post(url, data=body, headers=headers) as response:
            text = await response.text()
        return response.status, text, time.monotonic() - started

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
