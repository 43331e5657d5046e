"""/recap: help, a link to recap, or the channel's latest recording again in another style."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot import conversation as talk
from bot.core import notices, prompts, render
from bot.core.sources import parse_command, parse_permalink, url_source
from bot.errors import SourceRejected


def register(app: AsyncApp) -> None:
    app.command("/recap")(handle_recap_command)


async def handle_recap_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    parsed = parse_command(command.get("text") or "", list(prompts.STYLES))
    if parsed.verb == "help" or parsed.error:
        await ack(parsed.error or render.help_text(prompts.STYLES))
        return
    deps, team, channel = context["deps"], context.team_id or "", command["channel_id"]
    place = parse_permalink(parsed.link) if parsed.link else None
    if parsed.link and place is None:
        try:  # a refused link is answered privately, before anything is posted or sent
            url_source(team, parsed.link)
        except SourceRejected as error:
            await ack(f":warning: {error}")
            return
    await ack()
    if parsed.link and place is None:
        parent = await context.client.chat_postMessage(
            channel=channel,
            text=notices.link_request_text(command["user_id"], parsed.link),
            unfurl_links=False,
            unfurl_media=False,
        )
        await talk.start_link(
            deps,
            context["jobs"],
            parsed.link,
            team_id=team,
            channel=channel,
            thread_ts=parent["ts"],
            message_ts=None,
            user_id=command["user_id"],
            style=parsed.style or prompts.DEFAULT_STYLE,
            instructions=parsed.instructions,
        )
        return
    job = (
        await deps.store.find_job_by_thread(team, place[0], place[1])
        if place
        else await deps.store.latest_job_in_channel(team, channel)
    )
    if job is None or job.channel != channel:
        await respond(notices.NOTHING_TO_RECAP)
        return
    await talk.act_on(
        deps,
        context["jobs"],
        job,
        parsed,
        parsed.instructions,
        request_id=command.get("trigger_id") or command["user_id"],
    )
