"""Facts about Slack's wire that the simulated workspace repeats: ids, scopes, file types, the
request signature, generated file bytes, and the JSON envelope of a Web API answer.

May import: the standard library and aiohttp; nothing from bot.*.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import unicodedata
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


def user_object(user_id: str, name: str, real_name: str, team_id: str, is_bot: bool = False,
                *, display_name: str | None = None, deleted: bool = False,
                email: str | None = None, tz: str = "Europe/London") -> dict[str, Any]:
    """A users.info `user` with the fields of docs.slack.dev's users.info example (profile names,
    their `_normalized` forms, `deleted`, `is_bot`); a bot's profile also carries `bot_id`."""
    first, _, last = real_name.partition(" ")
    display = name if display_name is None else display_name
    profile: dict[str, Any] = {
        "real_name": real_name, "display_name": display,
        "real_name_normalized": normalized(real_name),
        "display_name_normalized": normalized(display), "first_name": first, "last_name": last,
        "title": "", "status_text": "", "status_emoji": "", "team": team_id,
        "avatar_hash": hashlib.sha1(user_id.encode()).hexdigest()[:12],
        "image_48": f"https://avatars.sim.invalid/{user_id}_48.png"}
    if email is not None:
        profile["email"] = email
    if is_bot:
        profile.update(bot_id=BOT_ID if user_id == BOT_USER_ID else f"B{user_id[1:]}",
                       always_active=True)
    return {"id": user_id, "team_id": team_id, "name": name, "real_name": real_name,
            "deleted": deleted, "color": "9f69e7", "tz": tz, "tz_label": tz, "tz_offset": 0,
            "is_bot": is_bot, "is_app_user": False, "is_admin": False, "is_owner": False,
            "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False,
            "updated": 1_700_000_000, "profile": profile}


def normalized(name: str) -> str:
    """Slack's `*_normalized` profile names: the name with its non-Latin characters dropped
    (accents folded first, so "José" reads "Jose")."""
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if c.isascii())
