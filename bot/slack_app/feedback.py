"""A 👍/👎 click on a recap or an answer: one vote row per person per message, nothing posted.

The click's value says which way and about what ("up:recap:7", bot.core.feedback); the message
it was on is the container's message_ts. The job it names must belong to the workspace and
channel the click came from (a forged value rates nothing), and a recording forgotten since
takes no votes. What is stored is ids only: who, which message, which job, transcript and style,
which way. The clicker hears a private thanks, as Slack's own feedback samples answer
(slack-samples/bolt-python-assistant-template listeners/actions/feedback.py); the channel sees
nothing.
"""

from __future__ import annotations

import time

from bot.core.feedback import THANKS, Vote, parse_vote
from bot.deps import Deps
from bot.slack_app.handlers import clicked


async def record_feedback(deps: Deps, *, value: str, team_id: str, channel: str,
                          message_ts: str, thread_ts: str, user_id: str) -> str | None:
    """Store the click's vote (replacing this person's earlier one on the message); what to
    tell the clicker privately (None: nothing, e.g. a forged value)."""
    rated = parse_vote(value)
    if rated is None or not (team_id and channel and message_ts and user_id):
        return None
    job = None
    if rated.job_id:
        job, why_not = await clicked(deps, job_id=rated.job_id, team_id=team_id,
                                     channel=channel, thread_ts=thread_ts)
        if job is None:
            return why_not
    if job is None:
        style = "channel"  # an answer from a channel's recordings, outside any recap's thread
    else:
        style = (job.style or "topics") if rated.kind == "recap" else "thread"
    await deps.store.record_vote(Vote(
        team_id=team_id, channel=channel, message_ts=message_ts, kind=rated.kind,
        job_id=job.id if job else None, transcript_id=job.transcript_id if job else None,
        style=style, user_id=user_id, direction=rated.direction, at=time.time()))
    return THANKS
