"""What the Slack app's end-to-end tests share: people's actions, and what they can see after.

Every check reads the simulators only (SlackSim's channels, its request log, the AssemblyAI and
LLM request logs), as a person in the channel or an operator watching the wire would.
"""

from __future__ import annotations

import json
import time
from typing import Any

from slack_sdk.models.blocks import Block

from bot.sim.slack import Message
from bot.sim.stage import AppProcess, Stage
from tests.e2e.conftest import CHANNEL, block_text

POSTED = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


def seen(message: Message) -> str:
    """Everything a person reads in a message: its blocks, or its text when it has none."""
    return block_text(message.blocks) if message.blocks else message.text


def bot_replies(stage: Stage, thread_ts: str, channel: str = CHANNEL,
                after: str = "0") -> list[Message]:
    """Recap's replies in a thread (after the message at `after`), oldest first."""
    return [m for m in stage.slack.thread(channel, thread_ts)[1:]
            if m.bot_id and float(m.ts) > float(after)]


def recap_messages(stage: Stage, thread_ts: str, channel: str = CHANNEL) -> list[Message]:
    return [m for m in bot_replies(stage, thread_ts, channel) if m.text.startswith("Recap of")]


def actions(message: Message) -> list[str]:
    return [e.get("action_id", "") for b in message.blocks if b.get("type") == "actions"
            for e in b.get("elements") or []]


async def wait_reaction(stage: Stage, ts: str, name: str, channel: str = CHANNEL,
                        timeout: float = 15.0) -> None:
    def reacted() -> bool:
        message = stage.slack.find(channel, ts)
        return bool(message and name in message.reactions)

    await stage.slack.wait_for(reacted, timeout=timeout)


async def wait_replies(stage: Stage, thread_ts: str, count: int, channel: str = CHANNEL,
                       after: str = "0", timeout: float = 10.0) -> list[Message]:
    """The first `count` replies from Recap after `after`, once they are there."""
    def there() -> list[Message] | None:
        found = bot_replies(stage, thread_ts, channel, after)
        return found[:count] if len(found) >= count else None

    return await stage.slack.wait_for(there, timeout=timeout)


def blocks_problems(stage: Stage) -> list[str]:
    """Every blocks payload the app sent, parsed with slack_sdk's models: what fails to parse,
    validate or round-trip. The simulator checks Slack's limits as it answers (`violations`)."""
    problems = []
    for call in stage.slack.calls():
        if call.method not in POSTED or call.args.get("blocks") is None:
            continue
        blocks = call.args["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        for block in blocks:
            try:
                parsed = Block.parse(block)
                assert parsed is not None, f"unknown block type {block.get('type')}"
                parsed.validate_json()
                assert parsed.to_dict()["type"] == block["type"]
            except Exception as error:  # slack_sdk raises several kinds
                problems.append(f"{call.method}: {block.get('type')}: {error}")
    return problems


def web_calls(stage: Stage) -> list[str]:
    """Web API methods the app called, auth.test (bolt's start-up check) left out."""
    return [c.method for c in stage.slack.calls() if c.method != "auth.test"]


async def timed_command(stage: Stage, app: AppProcess, text: str, channel: str = CHANNEL,
                        user: str = "U0ALICE") -> tuple[int, dict[str, Any], float]:
    """Type `/recap <text>`: (HTTP status, the ack's message, seconds until the ack arrived).

    Slack shows an ack's body privately: plain text, or JSON {"text", "response_type"}; both
    come back here as a dict ({} for an empty ack)."""
    started = time.monotonic()
    status, body = await stage.slack.command(app.events_url, "/recap", text, channel=channel,
                                             user=user)
    seconds = time.monotonic() - started
    try:
        message = json.loads(body) if body else {}
    except ValueError:
        message = {"text": body}
    return status, message if isinstance(message, dict) else {"text": body}, seconds


async def share(stage: Stage, app: AppProcess, name: str = "standup.mp3", *,
                channel: str = CHANNEL, text: str = "", **file_args: Any) -> str:
    """A person shares a file; Slack delivers the event. Returns the message's ts."""
    file = stage.slack.add_file(name, **file_args)
    envelope = stage.slack.user_message(channel, text, user="U0ALICE", files=[file])
    status, _, _ = await stage.slack.deliver(app.events_url, envelope)
    assert status == 200
    return str(envelope["event"]["ts"])


async def say(stage: Stage, app: AppProcess, text: str, *, channel: str = CHANNEL,
              thread_ts: str | None = None, user: str = "U0ALICE") -> str:
    """A person posts a message (in a thread with `thread_ts`). Returns its ts."""
    envelope = stage.slack.user_message(channel, text, user=user, thread_ts=thread_ts)
    status, _, _ = await stage.slack.deliver(app.events_url, envelope)
    assert status == 200
    return str(envelope["event"]["ts"])


async def mention(stage: Stage, app: AppProcess, text: str, *, channel: str = CHANNEL,
                  thread_ts: str | None = None) -> str:
    """`@Recap <text>`: Slack sends app_mention and the message event; both are delivered."""
    envelope = stage.slack.app_mention(channel, text, thread_ts=thread_ts)
    ts = str(envelope["event"]["ts"])
    message = stage.slack.message_event(stage.slack.find(channel, ts))
    for delivery in (envelope, message):
        status, _, _ = await stage.slack.deliver(app.events_url, delivery)
        assert status == 200
    return ts
