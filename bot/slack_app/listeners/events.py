"""Events: files shared, messages (links, replies in recap threads), @Recap mentions.

Messages from bots (Recap included: its own uploads come back as events) are dropped here.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack_app import handlers as talk
from bot.slack_app import recordings


def register(app: AsyncApp) -> None:
    app.event({"type": "message", "subtype": "file_share"})(handle_file_drop)
    app.event("file_shared")(handle_file_shared)
    app.event("app_mention")(handle_mention)
    app.event("message")(handle_message)


def _place(event: dict[str, Any], context: AsyncBoltContext) -> recordings.Place:
    ts = event["ts"]
    return recordings.Place(context.team_id or "", event["channel"], event.get("thread_ts") or ts,
                            ts, event.get("user"))


def _is_reply(event: dict[str, Any]) -> bool:
    return event.get("thread_ts", event["ts"]) != event["ts"]


def _from_a_bot(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    return bool(event.get("bot_id")) or event.get("user") == context.bot_user_id


async def handle_file_drop(event: dict[str, Any], context: AsyncBoltContext) -> None:
    if not _from_a_bot(event, context):
        await recordings.share_files(context["deps"], context["jobs"], event.get("files") or [],
                               _place(event, context))


async def handle_file_shared(event: dict[str, Any], context: AsyncBoltContext) -> None:
    if event.get("user_id") != context.bot_user_id:
        await recordings.file_shared(context["deps"], context["jobs"], context.team_id or "",
                               event["channel_id"], event["file_id"], context.bot_user_id)


async def handle_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
    text = event.get("text") or ""
    if event.get("subtype") not in (None, "thread_broadcast") or _from_a_bot(event, context):
        return  # edits, deletions, joins, bots
    if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
        return  # app_mention answers it
    await talk.message(context["deps"], context["jobs"], text, _place(event, context),
                       is_reply=_is_reply(event))


async def handle_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
    if _from_a_bot(event, context):
        return
    text = (event.get("text") or "").replace(f"<@{context.bot_user_id}>", "").strip()
    await talk.mention(context["deps"], context["jobs"], text, _place(event, context),
                       is_reply=_is_reply(event), has_files=bool(event.get("files")))
