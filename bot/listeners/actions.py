"""Buttons on recaps and status messages: restyle, transcript, forget, retry."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import conversation as talk
from bot.core import notices
from bot.errors import RecapError
from bot.store import Job


def register(app: AsyncApp) -> None:
    app.action(re.compile(r"^restyle:"))(handle_restyle)
    app.action("transcript")(handle_transcript)
    app.action("forget")(handle_forget)
    app.action("retry")(handle_retry)


async def _job(body: dict[str, Any], context: AsyncBoltContext) -> Job | None:
    """The job a button names, only from the channel and workspace it was posted in."""
    action = body["actions"][0]
    job = await context["deps"].store.get_job(int(action.get("value") or 0))
    channel = (body.get("channel") or body.get("container") or {}).get("id") or body.get(
        "container", {}
    ).get("channel_id")
    if job is None:
        await _gone(body, context, channel or "")
    if job is None or job.team_id != (context.team_id or "") or job.channel != channel:
        return None
    return job


async def _gone(body: dict[str, Any], context: AsyncBoltContext, channel: str) -> None:
    """A button on a recording deleted since (forget, retention): tell the clicker, privately."""
    message = body.get("message") or {}
    thread = (body.get("container") or {}).get("thread_ts") or message.get("thread_ts")
    thread = thread or message.get("ts") or ""
    if context.respond and await context["deps"].store.is_forgotten(
        context.team_id or "", channel, thread
    ):
        await context.respond(notices.GONE)


async def handle_restyle(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    if job := await _job(body, context):
        action = body["actions"][0]
        await talk.restyle(
            context["jobs"],
            job,
            style=action["action_id"].split(":", 1)[1],
            instructions="",
            request_id=action.get("action_ts") or body["trigger_id"],
        )


async def handle_transcript(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    if job := await _job(body, context):
        try:
            await talk.send_transcript(context["deps"], job)
        except RecapError as error:
            await talk.say(context["deps"], job.channel, job.thread_ts, f":warning: {error}")


async def handle_forget(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    if job := await _job(body, context):
        await talk.forget(context["deps"], job)


async def handle_retry(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Re-run a failed job from its last good step: a stored transcript is not made again."""
    await ack()
    job = await _job(body, context)
    if job is not None:
        await context["jobs"].retry(job)
