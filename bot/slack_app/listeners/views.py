"""Modal submissions: the Speakers modal's names, checked before the ack (Slack shows the
errors under their fields and keeps the modal open), then stored and shown after it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.core import notices
from bot.core.people_blocks import SPEAKERS_VIEW, notice_view
from bot.slack_app import recap_people, recap_thread


def register(app: AsyncApp) -> None:
    app.view(SPEAKERS_VIEW)(handle_speakers_submitted)


async def handle_speakers_submitted(ack: AsyncAck, view: dict[str, Any],
                                    context: AsyncBoltContext) -> None:
    deps = context["deps"]
    job = await recap_people.submitted_job(deps, context.team_id or "", view)
    if job is None:  # forgotten since the modal opened, or not a modal of ours
        await ack(response_action="update", view=notice_view(notices.GONE))
        return
    renames, errors = await recap_people.speaker_answers(deps, job, view)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    if renames:
        await recap_thread.rename(deps, job, renames)
