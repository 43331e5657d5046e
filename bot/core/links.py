"""Links the LLM wrote that nobody supplied are taken out before anyone can click them.

Pure: standard library and bot.core. Escaping (render.escape_mrkdwn) already stops link markup
(`<url|label>`), but Slack still turns a bare https://... into a link. So a URL in LLM text counts
only when the transcript (or the person asking) has it; any other becomes LINK_REMOVED. A model
told by a recording to "post this link" therefore cannot put a new link in front of anyone.
"""

from __future__ import annotations

import copy
import re

from bot.core.markdown import recap_markdown
from bot.core.recap import Recap

LINK_REMOVED = "[link removed]"
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>|\"'`“”‘’]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}*_~"


def unlinked(text: str, allowed: str) -> str:
    """`text` with every URL that `allowed` (the transcript, the question) does not contain
    replaced by LINK_REMOVED."""

    def check(match: re.Match[str]) -> str:
        url = match.group(0)
        core = url.rstrip(_TRAILING)
        return url if core.casefold() in allowed.casefold() else LINK_REMOVED + url[len(core) :]

    return _URL.sub(check, text) if text else text


def recap_unlinked(recap: Recap, allowed: str) -> Recap:
    """A copy of `recap` whose LLM-written text holds only links `allowed` has."""
    out = copy.deepcopy(recap)
    out.tldr = unlinked(out.tldr, allowed)
    for topic in out.topics:
        topic.title = unlinked(topic.title, allowed)
        topic.summary = unlinked(topic.summary, allowed)
    for item in out.action_items:
        item.text = unlinked(item.text, allowed)
        item.owner = item.owner and unlinked(item.owner, allowed)
        item.due = item.due and unlinked(item.due, allowed)
    out.decisions = [unlinked(d, allowed) for d in out.decisions]
    out.text = recap_markdown(out)
    return out
