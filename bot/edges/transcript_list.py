"""Finding the transcript of a create whose answer was lost, in AssemblyAI's transcript list.

The create is not idempotent: after a time-out or a dropped connection AssemblyAI may have made
a transcript whose id never reached Recap. GET /v2/transcript lists the account's transcripts
newest first (limit at most 200, `prev_url` to older pages; TranscriptListItem carries id,
status, created, audio_url: AssemblyAI's OpenAPI spec, /v2/transcript get). An upload's URL is
unique, so its match is ours. bot.edges.transcriber looks here before it creates again, so a
recording is never transcribed twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import assemblyai as aai
import httpx

from bot.edges.transcript_replies import error_text

CLOCK_SKEW = timedelta(seconds=30)  # how far AssemblyAI's clock may be behind ours
LIST_PAGES = 5  # pages of 200 searched for a create whose answer was lost


def _created(item: dict[str, Any]) -> datetime:
    """A list item's `created` (ISO 8601, UTC when it names no zone); the epoch if unreadable."""
    try:
        when = datetime.fromisoformat(str(item.get("created") or ""))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


async def find_created_since(
    http: httpx.AsyncClient, audio_url: str, since: datetime
) -> str | None:
    """The newest transcript of `audio_url` created after `since`, if AssemblyAI has one."""
    url: str | None = "/v2/transcript?limit=200"
    for _ in range(LIST_PAGES):
        if url is None:
            return None
        response = await http.get(url)
        if response.status_code != 200:
            raise aai.types.AssemblyAIError(f"list: {error_text(response)}",
                                            response.status_code)
        page = response.json()
        items = page.get("transcripts") or []
        for item in items:
            if _created(item) < since:
                return None  # newest first: the rest are older still
            if item.get("audio_url") == audio_url and item.get("id"):
                return str(item["id"])
        if not items:
            return None
        url = (page.get("page_details") or {}).get("prev_url")
    return None
