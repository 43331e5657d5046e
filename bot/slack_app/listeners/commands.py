"""/recap: answered privately in the acknowledgement; any work runs after it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.slack_app import handlers as talk


def register(app: AsyncApp) -> None:
    app.command("/recap")(handle_recap_command)


async def handle_recap_command(ack: AsyncAck, command: dict[str, Any],
                               context: AsyncBoltContext) -> None:
    reply = await talk.command(
        context["deps"], context["jobs"], command.get("text") or "",
        team_id=context.team_id or "", channel=command["channel_id"],
        user_id=command["user_id"], request_id=command.get("trigger_id") or command["user_id"])
    await ack(reply.text or "")  # an empty ack shows nothing
    if reply.then is not None:
        await reply.then()
