"""Facts about Slack's wire that the simulated workspace repeats: ids, scopes, file types, the
request signature, generated file bytes, and the JSON envelope of a Web API answer.

May import: the standard library and aiohttp; nothing from bot.*.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

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


def json_response(body: dict[str, Any], status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        text=json.dumps(body), status=status, content_type="application/json",
        charset="utf-8", headers={"x-oauth-scopes": SCOPES, **headers},
    )


def truthy(value: Any) -> bool:
    """Slack's booleans arrive as true, "true" or "1" depending on the encoding."""
    return value is True or str(value).lower() in ("true", "1")


def channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def user_object(user_id: str, name: str, real_name: str, team_id: str,
                is_bot: bool = False) -> dict[str, Any]:
    """A users.info `user`, as the fixtures show one."""
    profile = {"real_name": real_name, "display_name": name, "first_name": real_name.split()[0]}
    return {"id": user_id, "team_id": team_id, "name": name, "real_name": real_name,
            "deleted": False, "is_bot": is_bot, "tz": "Europe/London", "profile": profile}
