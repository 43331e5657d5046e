"""The people around one recap in Slack: owners shown as channel members (or mentioned, with
MENTION_OWNERS=on), the Speakers modal and its submission, and a person's own items.

Reached through the recap's buttons; names go the same way as `@Recap A is Priya` in the
thread (bot.slack_app.recap_thread.rename): stored, then the recap edited in place, with no
AssemblyAI request and no LLM call. Member names come from bot.edges.slack_people (cached).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import owners, people_blocks
from bot.core.recap import Recap
from bot.core.speakers import named_recap
from bot.deps import Deps
from bot.edges.store import Job
from bot.errors import SlackRefused

log = logging.getLogger(__name__)
NO_NAME = ("I could not look up your name in Slack, so I cannot tell which items are yours "
           "(is the users:read scope granted?).")
NO_RECAP = "This recording has no recap yet."


async def owner_marks(deps: Deps, job: Job, recap: Recap) -> dict[str, str]:
    """{owner text: mrkdwn} for the owners who are one member of the job's channel.

    Only a channel listed whole can prove a name unique: in a bigger one (over
    bot.edges.slack_people.AT_MOST members) owners stay as the LLM wrote them.
    """
    if not any(a.owner for a in recap.action_items):
        return {}
    members = await deps.people.members(job.team_id, job.channel)
    if not deps.people.is_whole(job.team_id, job.channel):
        return {}
    return owners.owner_marks((a.owner for a in recap.action_items), members,
                              mention=deps.config.mention_owners)


async def _labels(deps: Deps, job: Job, recap: Recap | None) -> list[str]:
    """The recording's speaker labels: from the recap's talk time, else from the transcript."""
    if recap is not None and recap.speakers:
        return [str(s["label"]) for s in recap.speakers]
    transcript = await deps.store.get_transcript(job.transcript_id or "")
    return transcript.speakers if transcript else []


async def open_speakers(deps: Deps, job: Job, trigger_id: str, user_id: str) -> None:
    """The Speakers button: a modal with one field per speaker, prefilled with their names."""
    recap = await deps.store.get_recap(job.recap_id) if job.recap_id else None
    labels = await _labels(deps, job, recap)
    if not job.transcript_id or not labels:
        await deps.slack.post_private(job.channel, user_id, NO_RECAP, team=job.team_id,
                                      thread_ts=job.thread_ts)
        return
    names = await deps.store.speaker_names(job.team_id, job.transcript_id)
    view = people_blocks.speakers_view(labels, names, metadata={
        "job": job.id, "channel": job.channel, "thread_ts": job.thread_ts,
        "transcript_id": job.transcript_id})
    try:
        await deps.slack.open_view(trigger_id, view, team=job.team_id)
    except SlackRefused as error:  # the trigger expired (3 s) or was used: say so, privately
        log.warning("speakers modal not opened: %s", error.code)
        await deps.slack.post_private(job.channel, user_id, f":warning: {error.message}",
                                      team=job.team_id, thread_ts=job.thread_ts)


async def submitted_job(deps: Deps, team_id: str, view: dict[str, Any]) -> Job | None:
    """The job a submitted speakers modal is about, only in the workspace, channel and
    recording the modal was opened for."""
    meta = people_blocks.read_metadata(view)
    job_id = meta.get("job")
    job = await deps.store.get_job(job_id) if isinstance(job_id, int) else None
    if (job is None or job.team_id != team_id or job.channel != meta.get("channel")
            or not job.transcript_id or job.transcript_id != meta.get("transcript_id")):
        return None
    return job


async def speaker_answers(deps: Deps, job: Job, view: dict[str, Any],
                          ) -> tuple[dict[str, str], dict[str, str]]:
    """({label: new name, or "" for a name taken away}, {block_id: error}) from the submitted
    modal; unchanged names (an empty field that had none included) left out."""
    recap = await deps.store.get_recap(job.recap_id) if job.recap_id else None
    names, errors = people_blocks.submitted_names(view, await _labels(deps, job, recap))
    before = await deps.store.speaker_names(job.team_id, job.transcript_id or "")
    return {k: v for k, v in names.items() if before.get(k, "") != v}, errors


async def send_my_items(deps: Deps, job: Job, user_id: str) -> None:
    """My items: privately, the clicker's action items and the decisions naming them."""
    person = await deps.people.member(job.team_id, user_id)
    recap = await deps.store.get_recap(job.recap_id) if job.recap_id else None
    if recap is None:
        text, blocks = NO_RECAP, None
    elif person is None:
        text, blocks = NO_NAME, None
    else:
        names = await deps.store.speaker_names(job.team_id, job.transcript_id or "")
        text, blocks = people_blocks.my_items(named_recap(recap, names), person)
    await deps.slack.post_private(job.channel, user_id, text, blocks=blocks, team=job.team_id,
                                  thread_ts=job.thread_ts)
