"""The simulated workspace's records: messages, ephemerals, recorded calls and downloads, hosted
files, pending faults, and the ApiError a Web API method answers with.

May import: the standard library and bot.sim.slack.wire; nothing else from bot.*.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.sim.slack.wire import CHUNK


@dataclass
class RecordedCall:
    """One HTTP request the app made: a Web API method, an upload, or a response_url POST;
    `team` is the workspace a Web API call was attributed to (its channel's, else its token's)."""

    method: str
    http_method: str
    args: dict[str, Any]
    token: str | None
    content_type: str
    status: int = 200
    response: dict[str, Any] | None = None
    at: float = field(default_factory=time.monotonic)
    team: str = ""

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
    streamed: bool = False  # made by chat.startStream: its text shows above its blocks

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
class Fault:
    """A misbehaviour queued for the next `times` requests of one method."""

    kind: str
    times: int
    status: int = 200
    retry_after: int = 1
    error: str = ""


@dataclass
class HostedFile:
    """A file the workspace serves: given bytes, or generated chunk by chunk."""

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
