"""What in an event, a command or a CLI argument is a recording, and what is not.

Pure: imports the standard library (math, urllib.parse, dataclasses) and bot.errors / bot.core
only. The SSRF guard lives in bot.core.public_url and the parsing of what people type in
bot.core.command; both are re-exported here, so `from bot.core.sources import ...` keeps working.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from bot.core.command import (
    escape,
)
from bot.core.public_url import check_public_url
from bot.core.transcript_files import TRANSCRIPT_EXTENSIONS
from bot.errors import SourceRejected

MEDIA_EXTENSIONS = tuple(
    f".{ext}"
    for ext in "mp3 m4a wav ogg oga opus flac aac webm mp4 m4v mov mkv avi wmv flv mpg mpeg 3gp "
    "amr aiff aif ogv".split()
)
_MEDIA_FILETYPES = {ext[1:] for ext in MEDIA_EXTENSIONS} | {"mpga", "m4b", "3gpp", "qtz"}
_TRANSCRIPT_FILETYPES = {"vtt", "srt", "text"}
# Links Recap can tell are not a recording without fetching them: documents and pages by their
# extension, and sites whose links open a player page, never the media file AssemblyAI needs.
_PAGE_EXTENSIONS = tuple(
    f".{ext}"
    for ext in "html htm xhtml php asp aspx jsp pdf doc docx odt rtf xls xlsx csv ppt pptx key md "
    "txt vtt srt json xml png jpg jpeg gif svg webp heic zip gz tar rar 7z".split()
)
_PAGE_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "loom.com", "docs.google.com", "slack.com")
UNSUPPORTED_LINK = (
    "Unsupported link: that is a web page or a document, not an audio or video file. Share the "
    "recording itself, or a direct link to the file."
)


@dataclass(frozen=True)
class Source:
    """A recording (or transcript file) to work on, and the key its transcript is cached by.

    kind "text" is a transcript given as text (the CLI's stdin): `text` holds it, whole.
    """

    kind: Literal["slack_file", "url", "path", "text"]
    key: str
    name: str
    url: str | None = None
    path: str | None = None
    file_id: str | None = None
    size: int | None = None
    mimetype: str | None = None
    is_transcript: bool = False
    duration_ms: int | None = None
    text: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        """Unknown keys are ignored, so a job row written by a newer version still loads."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# AssemblyAI's own limit for one file; longer ones would fail after a long upload.
MAX_DURATION_MS = 10 * 3_600_000


def slack_file_source(team_id: str, file: dict[str, Any], *, max_bytes: int) -> Source | None:
    """The Source for a shared Slack file, None when it is not audio, video or a transcript.

    Raises SourceRejected when the file is larger than `max_bytes` or longer than 10 hours,
    before any download.
    """
    file_id = str(file.get("id") or "")
    if not file_id or file.get("mode") == "tombstone":
        return None
    name = str(file.get("name") or file.get("title") or file_id)
    is_media, is_transcript = _is_media_file(file, name), _is_transcript_file(file, name)
    if not (is_media or is_transcript):
        return None
    size = file.get("size")
    if isinstance(size, int) and size > max_bytes:
        raise SourceRejected(
            f"{escape(name)} is {_human_size(size)}, over the {max_bytes / 1048576:g} MB limit."
        )
    duration = file.get("duration_ms")
    if isinstance(duration, int) and duration > MAX_DURATION_MS:
        raise SourceRejected(
            f"{escape(name)} is {duration / 3_600_000:.1f} hours long, over the 10-hour limit "
            "AssemblyAI transcribes."
        )
    return Source(
        kind="slack_file",
        key=f"slack:{team_id}:{file_id}",
        name=name,
        url=file.get("url_private_download") or file.get("url_private") or None,
        file_id=file_id,
        size=size if isinstance(size, int) else None,
        mimetype=file.get("mimetype") or None,
        is_transcript=is_transcript and not is_media,
        duration_ms=duration if isinstance(duration, int) else None,
    )


def is_media_url(url: str) -> bool:
    """True when the link's path ends in an audio or video extension (query ignored)."""
    try:
        path = unquote(urlsplit(url.strip()).path).lower()
    except ValueError:
        return False
    return path.endswith(MEDIA_EXTENSIONS)


def is_page_url(url: str) -> bool:
    """True when a link is surely not to a media file: a document, an image, a player page."""
    try:
        parts = urlsplit(url.strip())
        path, host = unquote(parts.path).lower(), (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    return path.endswith(_PAGE_EXTENSIONS) or any(
        host == site or host.endswith(f".{site}") for site in _PAGE_HOSTS
    )


def url_source(team_id: str, url: str) -> Source:
    """The Source for a public media link: checked, normalized, keyed per workspace.

    Any public link may be media (AssemblyAI decides), except one that is surely a page or a
    document: that is an unsupported link, refused before a job exists.
    """
    normalized = check_public_url(url)
    if is_page_url(normalized):
        raise SourceRejected(UNSUPPORTED_LINK)
    segments = [s for s in urlsplit(normalized).path.split("/") if s]
    name = unquote(segments[-1]) if segments else urlsplit(normalized).hostname or normalized
    return Source(kind="url", key=f"url:{team_id}:{normalized}", name=name, url=normalized)


def _is_media_file(file: dict[str, Any], name: str) -> bool:
    mimetype = str(file.get("mimetype") or "").lower()
    return (
        file.get("media_display_type") in ("audio", "video")
        or mimetype.startswith(("audio/", "video/"))
        or str(file.get("filetype") or "").lower() in _MEDIA_FILETYPES
        or file.get("subtype") in ("slack_audio", "slack_video")
        or name.lower().endswith(MEDIA_EXTENSIONS)
    )


def _is_transcript_file(file: dict[str, Any], name: str) -> bool:
    return name.lower().endswith(TRANSCRIPT_EXTENSIONS) or (
        str(file.get("filetype") or "").lower() in _TRANSCRIPT_FILETYPES
    )


def _human_size(size: int) -> str:
    """1.5 GB, 300 MB, 12.5 KB: rounded up, so a size over the limit never reads as under it."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{math.ceil(size * 10 / scale) / 10:g} {unit}"
    return f"{size} bytes"
