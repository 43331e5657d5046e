"""The short things Recap says in Slack besides the recap itself: one place for the wording.

Pure: builds strings and blocks only. Everything echoed from a person is escaped.
"""

from __future__ import annotations

from bot.core.block_kit import Block, escape_mrkdwn
from bot.core.recap import Recap
from bot.core.render import forget_button, status_blocks
from bot.core.transcript import format_timestamp

NOTHING_TO_RECAP = (
    "There is no recording in this channel for Recap to work on yet. Share an audio or video "
    "file (or a link to one), or try `/recap help`."
)
NOT_READY = "The recap of this recording isn't ready yet; ask again once it's posted."
FORGOTTEN = (
    ":wastebasket: Recap deleted this recording's transcript and recaps, here and at AssemblyAI. "
    "Questions in this thread can no longer be answered."
)
UNEXPECTED = "Something went wrong on Recap's side; the error was logged for the operator."
NO_RECORDING_HERE = (
    "The message this thread belongs to holds no recording for Recap. Share an audio or video "
    "file (or a link to one), or try `/recap help`."
)
GONE = (
    "This recording's transcript and recaps were deleted (on request, or after the retention "
    "period), so Recap can't answer about it or recap it here any more. Share the file again "
    "for a new recap."
)


def link_request_text(user_id: str, url: str) -> str:
    """The thread parent for `/recap <link>`: the link as the user gave it, never a mention."""
    return f":studio_microphone: Recap of {escape_mrkdwn(url)}, asked for by a /recap command."


def command_taken(name: str) -> str:
    """A /recap aimed at an earlier recording: where the answer will be."""
    return f":hourglass_flowing_sand: On it: see the thread of {escape_mrkdwn(name)}."


def done_text(recap: Recap) -> str:
    """The status message's last state: what was made, at a glance."""
    parts = [f"{format_timestamp(recap.duration_ms)} of audio"] if recap.duration_ms > 0 else []
    if recap.topics:
        parts.append(f"{len(recap.topics)} topic{'s' if len(recap.topics) != 1 else ''}")
    if recap.action_items:
        n = len(recap.action_items)
        parts.append(f"{n} action item{'s' if n != 1 else ''}")
    source = "cached transcript" if recap.cached_transcript else "transcribed"
    return f":white_check_mark: Recap ready ({', '.join(parts)}; {source})."


LOOKING = "Looking through this channel's recordings…"


def forget_prompt_blocks(job_id: int) -> list[Block]:
    """One confirmation before forgetting: the Forget button carries Slack's confirm dialog."""
    blocks = status_blocks(
        "Forget this recording? Its transcript and recaps will be deleted "
        "for good, here and at AssemblyAI."
    )
    blocks.append({"type": "actions", "elements": [forget_button(job_id)]})
    return blocks
