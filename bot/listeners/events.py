"""Events: files dropped, links posted, replies in recap threads, @Recap mentions."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot import conversation as talk
from bot.core import notices, prompts, render
from bot.core.sources import find_links, is_media_url, parse_command


def register(app: AsyncApp) -> None:
    app.event({"type": "message", "subtype": "file_share"})(handle_file_drop)
    app.event("file_shared")(handle_file_shared)
    app.event("app_mention")(handle_mention)
    app.event("message")(handle_message)


def _where(event: dict[str, Any], context: AsyncBoltContext) -> dict[str, Any]:
    return {
        "team_id": context.team_id or "",
        "channel": event["channel"],
        "thread_ts": event.get("thread_ts") or event["ts"],
        "message_ts": event["ts"],
        "user_id": event.get("user"),
    }


async def handle_file_drop(event: dict[str, Any], context: AsyncBoltContext) -> None:
    await talk.start_files(
        context["deps"], context["jobs"], event.get("files") or [], **_where(event, context)
    )


async def handle_file_shared(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """Slack also sends file_shared for an upload; the job's key makes the two events one job."""
    info = await context.client.files_info(file=event["file_id"])
    file, channel = info["file"], event["channel_id"]
    shares = {
        **file.get("shares", {}).get("public", {}),
        **file.get("shares", {}).get("private", {}),
    }
    share = (shares.get(channel) or [{}])[0]
    if file.get("user") == context.bot_user_id or "ts" not in share:
        return  # our own uploads, or no message to thread under: message/file_share covers it
    await talk.start_files(
        context["deps"],
        context["jobs"],
        [file],
        team_id=context.team_id or "",
        channel=channel,
        thread_ts=share.get("thread_ts") or share["ts"],
        message_ts=share["ts"],
        user_id=file.get("user"),
    )


async def handle_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """A human reply in a recap thread is a question; a media link elsewhere is a recording."""
    text = event.get("text") or ""
    if event.get("subtype") not in (None, "thread_broadcast") or event.get("bot_id"):
        return
    if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
        return  # app_mention answers it
    deps, where = context["deps"], _where(event, context)
    if event.get("thread_ts", event["ts"]) != event["ts"]:
        job = await deps.store.find_job_by_thread(
            where["team_id"], event["channel"], event["thread_ts"]
        )
        if job is not None:
            if await deps.store.mark_seen(f"q:{where['team_id']}:{event['channel']}:{event['ts']}"):
                await talk.follow_up(deps, job, text)
            return
        if await deps.store.is_forgotten(where["team_id"], event["channel"], event["thread_ts"]):
            if await deps.store.mark_seen(f"q:{where['team_id']}:{event['channel']}:{event['ts']}"):
                await talk.say(deps, event["channel"], event["thread_ts"], notices.GONE)
            return
    for url in [u for u in find_links(text) if is_media_url(u)]:
        await talk.start_link(deps, context["jobs"], url, **where)


async def handle_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
    deps, jobs, where = context["deps"], context["jobs"], _where(event, context)
    text = event.get("text", "").replace(f"<@{context.bot_user_id}>", "").strip()
    command = parse_command(text, list(prompts.STYLES))
    job, gone = None, False
    if "thread_ts" in event:
        job = await deps.store.find_job_by_thread(
            where["team_id"], event["channel"], event["thread_ts"]
        )
        gone = job is None and await deps.store.is_forgotten(
            where["team_id"], event["channel"], event["thread_ts"]
        )
    if command.verb == "help" or command.error and job is None:
        await talk.say(
            deps,
            event["channel"],
            where["thread_ts"],
            command.error or render.help_text(prompts.STYLES),
        )
    elif command.link:
        await talk.start_link(
            deps,
            jobs,
            command.link,
            style=command.style or prompts.DEFAULT_STYLE,
            instructions=command.instructions,
            **where,
        )
    elif job is not None:
        await talk.act_on(deps, jobs, job, command, text, request_id=event["ts"])
    elif gone:  # its recording was deleted: no answer, and no quiet re-recap either
        await talk.say(deps, event["channel"], where["thread_ts"], notices.GONE)
    elif "thread_ts" in event:
        replies = await context.client.conversations_replies(
            channel=event["channel"], ts=event["thread_ts"], limit=1
        )
        parent = (replies.get("messages") or [{}])[0]
        await talk.start_files(
            deps, jobs, parent.get("files") or [], **{**where, "message_ts": event["thread_ts"]}
        )
    elif not event.get("files"):
        await talk.say(deps, event["channel"], where["thread_ts"], render.help_text(prompts.STYLES))
