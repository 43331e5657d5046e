"""What in an event, a command or a CLI argument is a recording, and what is not.

Pure: imports the standard library (ipaddress, urllib.parse, re, math, dataclasses) and
bot.errors / bot.core only. Links are judged by their literal text and never fetched or
resolved here (DESIGN.md, Security details): check_public_url is the SSRF guard.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from bot.core.transcript_files import TRANSCRIPT_EXTENSIONS
from bot.errors import SourceRejected

MEDIA_EXTENSIONS = tuple(
    f".{ext}"
    for ext in "mp3 m4a wav ogg oga opus flac aac webm mp4 m4v mov mkv avi wmv flv mpg mpeg 3gp "
    "amr aiff aif ogv".split()
)
_MEDIA_FILETYPES = {ext[1:] for ext in MEDIA_EXTENSIONS} | {"mpga", "m4b", "3gpp", "qtz"}
_TRANSCRIPT_FILETYPES = {"vtt", "srt", "text"}
_SLACK_LINK_RE = re.compile(r"<(https?://[^<>|\s]+)(?:\|[^<>]*)?>", re.IGNORECASE)
_BARE_LINK_RE = re.compile(r"(?<![<|\w])https?://[^\s<>|]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}\"'"


@dataclass(frozen=True)
class Source:
    """A recording (or transcript file) to work on, and the key its transcript is cached by."""

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        """Unknown keys are ignored, so a job row written by a newer version still loads."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def slack_file_source(team_id: str, file: dict[str, Any], *, max_bytes: int) -> Source | None:
    """The Source for a shared Slack file, None when it is not audio, video or a transcript.

    Raises SourceRejected when the file is larger than `max_bytes`, before any download.
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


def find_links(text: str) -> list[str]:
    """http(s) links in Slack message text (<url>, <url|label>) or plain CLI text, in order.

    Mentions, channels and <!here> are not links. Slack escapes & as &amp; inside links.
    """
    return list(dict.fromkeys(link for _, _, link in _link_spans(text)))


def _link_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each link, in the order they appear."""
    spans = [(m.start(), m.end(), m.group(1)) for m in _SLACK_LINK_RE.finditer(text)]
    # Blank out <...> links (keeping offsets) so their text is not found a second time.
    blanked = _SLACK_LINK_RE.sub(lambda m: " " * len(m.group(0)), text)
    for m in _BARE_LINK_RE.finditer(blanked):
        url = m.group(0).rstrip(_TRAILING_PUNCTUATION)
        spans.append((m.start(), m.start() + len(url), url))
    return sorted((start, end, _unescape(url)) for start, end, url in spans if url)


def is_media_url(url: str) -> bool:
    """True when the link's path ends in an audio or video extension (query ignored)."""
    try:
        path = unquote(urlsplit(url.strip()).path).lower()
    except ValueError:
        return False
    return path.endswith(MEDIA_EXTENSIONS)


def url_source(team_id: str, url: str) -> Source:
    """The Source for a public media link: checked, normalized, keyed per workspace."""
    normalized = check_public_url(url)
    segments = [s for s in urlsplit(normalized).path.split("/") if s]
    name = unquote(segments[-1]) if segments else urlsplit(normalized).hostname or normalized
    return Source(kind="url", key=f"url:{team_id}:{normalized}", name=name, url=normalized)


def parse_permalink(url: str) -> tuple[str, str] | None:
    """(channel, ts) of a Slack message link: .../archives/C123/p1700000000123456."""
    found = re.match(
        r"^https://[a-z0-9-]+(?:\.[a-z0-9-]+)*\.slack\.com/archives/([A-Z0-9]+)/p(\d{10})(\d{6})"
        r"(?:[/?#]|$)",
        url.strip(),
        re.IGNORECASE,
    )
    if not found:
        return None
    return found.group(1).upper(), f"{found.group(2)}.{found.group(3)}"


def escape(text: str) -> str:
    """Slack's three control characters, so echoed text shows but does not act."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- The SSRF guard -------------------------------------------------------------------------

_BLOCKED_NAMES = ("localhost",)
_BLOCKED_SUFFIXES = tuple(
    f".{tld}"
    for tld in "localhost local internal localdomain home.arpa lan intranet corp "
    "home private svc".split()
)
_NUMERIC_LABEL_RE = re.compile(r"\d+|0x[0-9a-f]*")
_NUMBER_RE = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9]\d*")
_HOST_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}

_NOT_WEB = "Recap only takes links that start with http:// or https://."
_MALFORMED = "That link is not a valid web address."
_USERINFO = "Recap does not take links with a user name or password in them."
_NOT_PUBLIC = "That link points to a private or local address; Recap only takes public links."
_NO_DOMAIN = (
    "That link's host is not a full domain name (like example.com); Recap only takes public links."
)


def check_public_url(url: str) -> str:
    """The normalized link, or SourceRejected when it is not a public http(s) address.

    Only the literal text is judged (no DNS). IP addresses are recognized in every spelling a
    browser or URL library accepts (decimal, hex, octal, short forms, IPv6 with IPv4 inside)
    and rewritten canonically, so whoever fetches the link sees the address checked here.
    """
    raw = url.strip()
    if not raw or len(raw) > 4096 or "\\" in raw or any(c.isspace() or c < " " for c in raw):
        raise SourceRejected(_MALFORMED)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as e:
        raise SourceRejected(_MALFORMED) from e
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise SourceRejected(_NOT_WEB)
    if "@" in parts.netloc:
        raise SourceRejected(_USERINFO)
    if not parts.hostname or port == 0:
        raise SourceRejected(_MALFORMED)
    host = _public_host(parts.hostname, bracketed=parts.netloc.startswith("["))
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path, query = _quote_non_ascii(parts.path or "/"), _quote_non_ascii(parts.query)
    return urlunsplit((scheme, host, path, query, ""))


def _quote_non_ascii(text: str) -> str:
    """Percent-encode what is not ASCII; existing escapes and reserved characters stay."""
    return _NON_ASCII_RE.sub(lambda m: quote(m.group(0), safe=""), text)


def _public_host(hostname: str, *, bracketed: bool) -> str:
    """The host as it goes into the normalized link; raises for anything not public."""
    if bracketed:
        try:
            ip6 = ipaddress.IPv6Address(hostname)
        except ValueError as e:
            raise SourceRejected(_MALFORMED) from e
        if ip6.scope_id is not None or _is_blocked(ip6):
            raise SourceRejected(_NOT_PUBLIC)
        return f"[{ip6.compressed}]"
    host = unquote(hostname)
    if not host.isascii():
        try:  # nameprep folds look-alikes: full-width letters and dots become ASCII
            host = host.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise SourceRejected(_MALFORMED) from e
    host = host.lower()
    host = host[:-1] if host.endswith(".") else host
    labels = host.split(".")
    if len(host) > 253 or not all(_HOST_LABEL_RE.fullmatch(label) for label in labels):
        raise SourceRejected(_MALFORMED)
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        ip4 = _parse_ipv4(labels)
        if _is_blocked(ip4):
            raise SourceRejected(_NOT_PUBLIC)
        return str(ip4)
    if host in _BLOCKED_NAMES or host.endswith(_BLOCKED_SUFFIXES):
        raise SourceRejected(_NOT_PUBLIC)
    if len(labels) < 2:
        raise SourceRejected(_NO_DOMAIN)
    return host


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """An IPv4 address the way browsers and inet_aton read it: 127.1, 0x7f.1, 017700000001."""
    if len(labels) > 4 or not all(_NUMBER_RE.fullmatch(label) for label in labels):
        raise SourceRejected(_MALFORMED)
    numbers = [_ipv4_number(label) for label in labels]
    last_limit = 256 ** (5 - len(numbers))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= last_limit:
        raise SourceRejected(_MALFORMED)
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _ipv4_number(label: str) -> int:
    if label.startswith("0x"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label)


def _is_blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Anything but a globally routable unicast address, including IPv4 inside IPv6."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64 or int(ip) >> 32 == 0:  # NAT64 and IPv4-compatible ::a.b.c.d
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or any(v4 is not None and _is_blocked(v4) for v4 in inner):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


# --- /recap command text --------------------------------------------------------------------

Verb = Literal["recap", "help", "forget", "transcript"]
VERBS: dict[str, Verb] = {"help": "help", "forget": "forget", "transcript": "transcript"}


@dataclass(frozen=True)
class RecapCommand:
    """What `/recap ...` (or `@Recap ...`) asked for."""

    verb: Verb
    style: str | None
    link: str | None
    instructions: str
    error: str | None = None


def parse_command(text: str, styles: Sequence[str]) -> RecapCommand:
    """`help`, `forget [link]`, `transcript [link]` or `[style] [link] [instructions...]`.

    A verb counts only on its own ("/recap forget the small talk" is instructions). A lone
    unknown word is most likely a mistyped style, so it gets a sentence, not a recap.
    """
    spans = _link_spans(text)
    link = spans[0][2] if spans else None
    rest = text[: spans[0][0]] + " " + text[spans[0][1] :] if spans else text
    words = rest.split()
    if not words:
        return RecapCommand("recap", None, link, "")
    first = words[0].lower()
    if len(words) == 1 and first in VERBS:
        return RecapCommand(VERBS[first], None, link, "")
    style = next((s for s in styles if s.lower() == first), None)
    if style is not None:
        return RecapCommand("recap", style, link, " ".join(words[1:]))
    if len(words) == 1:
        example = styles[0] if styles else "topics"
        error = (
            f"Unknown style “{escape(words[0])}”. Try one of: {', '.join(styles)} — or add your "
            f"own instructions, e.g. /recap {example} focus on the budget."
        )
        return RecapCommand("recap", None, link, "", error)
    return RecapCommand("recap", None, link, " ".join(words))
