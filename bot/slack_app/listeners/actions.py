"""Buttons on recaps and status messages: restyle, transcript, speakers, my items, forget, retry."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.edges.store import Job
from bot.slack_app import handlers as talk
from bot.slack_app import recap_people, recap_thread


def register(app: AsyncApp) -> None:
    app.action(re.compile(r"^restyle:"))(handle_restyle)
    app.action("transcript")(handle_transcript)
    app.action("forget")(handle_forget)
    app.action("retry")(handle_retry)
    app.action("speakers")(handle_speakers)
    app.action("my_items")(handle_my_items)


async def _job(body: dict[str, Any], context: AsyncBoltContext,
               respond: AsyncRespond) -> Job | None:
    """The job a button names (its value), as seen from where the button was clicked."""
    value = str(body["actions"][0].get("value") or "")
    container, message = body.get("container") or {}, body.get("message") or {}
    job, why_not = await talk.clicked(
        context["deps"], job_id=int(value) if value.isdigit() else 0,
        team_id=context.team_id or "",
        channel=container.get("channel_id") or (body.get("channel") or {}).get("id") or "",
        thread_ts=container.get("thread_ts") or message.get("thread_ts") or message.get("ts")
        or "")
    if why_not:
        await respond(why_not)
    return job


async def handle_restyle(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                         respond: AsyncRespond) -> None:
    await ack()
    if job := await _job(body, context, respond):
        action = body["actions"][0]
        await recap_thread.restyle(context["jobs"], job, style=action["action_id"].split(":", 1)[1],
                              instructions="",
                              request_id=action.get("action_ts") or body["trigger_id"])


async def handle_transcript(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                            respond: AsyncRespond) -> None:
    await ack()
    if job := await _job(body, context, respond):
        await recap_thread.send_transcript(context["deps"], job)


async def handle_forget(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                        respond: AsyncRespond) -> None:
    await ack()
    if job := await _job(body, context, respond):
        await recap_thread.forget(context["deps"], job)


async def handle_retry(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                       respond: AsyncRespond) -> None:
    """Re-run a failed job from its last good step: a stored transcript is not made again."""
    await ack()
    if job := await _job(body, context, respond):
        await context["jobs"].retry(job)


async def handle_speakers(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                          respond: AsyncRespond) -> None:
    """A modal to name the speakers; its trigger_id is good for 3 s, so it opens first."""
    await ack()
    if job := await _job(body, context, respond):
        await recap_people.open_speakers(context["deps"], job, str(body.get("trigger_id")),
                                         str(body["user"]["id"]))


async def handle_my_items(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                          respond: AsyncRespond) -> None:
    await ack()
    if job := await _job(body, context, respond):
        await recap_people.send_my_items(context["deps"], job, str(body["user"]["id"]))
