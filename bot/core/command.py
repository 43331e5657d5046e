"""What people type: /recap (or @Recap) arguments, links in message text, message permalinks.

Pure: imports the standard library (re, dataclasses) only. Echoed text goes through `escape`,
so a word or a file name shows in Slack but cannot ping or link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

_SLACK_LINK_RE = re.compile(r"<(https?://[^<>|\s]+)(?:\|[^<>]*)?>", re.IGNORECASE)
_BARE_LINK_RE = re.compile(r"(?<![<|\w])https?://[^\s<>|]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}\"'"
# A word that is a URL of another scheme (file:///etc/passwd, ftp://host/x.mp3, s3://b/k).
_OTHER_SCHEME_RE = re.compile(r"^<?[a-z][a-z0-9+.-]{0,30}://", re.IGNORECASE)
ONLY_HTTP = "Recap takes only http(s) links to recordings, not “{word}”."

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
    other = next((w for w in words if _OTHER_SCHEME_RE.match(w)), None)
    if other is not None:
        error = ONLY_HTTP.format(word=escape(other.strip("<>")))
        return RecapCommand("recap", None, link, "", error)
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


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
