"""What a person does in Slack, and what they (or an operator) see after: the e2e tests' helpers.

Acting: share a file, say something, @mention Recap, type /recap, click a button, or hand Slack's
envelope over as is (deliver). Seeing: the thread, Recap's replies, the recap and status
messages, reactions, buttons, the text a message shows. Checking as an operator: the job rows in
DATABASE_PATH, the Web API calls and blocks payloads the app sent. Waiting: for a reaction, for
replies, for the recap. Everything reads the simulators (or the database file) only.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

import aiohttp
from slack_sdk.models.blocks import Block

from bot.sim.slack import Message
from bot.sim.stage import AppProcess, Stage

CHANNEL = "C0MEETINGS"
PERSON = "U0ALICE"
FAST_RETRIES = {"RETRY_BACKOFF": "0.01"}  # retries in tests wait milliseconds, not seconds
ENDS = ("white_check_mark", "x")  # the reactions a job ends with: posted, failed
POSTED = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url",
          "chat.stopStream")


# What a person does.

def share_event(stage: Stage, file: str | dict[str, Any] = "standup.mp3", *,
                channel: str = CHANNEL, text: str = "", utterances: list[Any] | None = None,
                **file_args: Any) -> dict[str, Any]:
    """A person shares a file: the envelope Slack would deliver (not sent yet).

    `file` is a name (a new file, made with `file_args`) or a file object already added.
    With `utterances` the new file has bytes of its own, and AssemblyAI hears those words in it.
    """
    if isinstance(file, str):
        if utterances is not None:
            file_args.setdefault("content", f"ID3 {file}".encode())
        file = stage.slack.add_file(file, **file_args)
    if utterances is not None:
        stage.assemblyai.script(stage.slack.file_sha256(file), utterances)
    return stage.slack.user_message(channel, text, user=PERSON, files=[file])


async def deliver(stage: Stage, app: AppProcess, envelope: dict[str, Any],
                  retry_num: int | None = None) -> tuple[int, float]:
    """Slack delivers an envelope: (HTTP status, seconds to the ack); 0 when refused."""
    started = time.monotonic()
    try:
        status, _, seconds = await stage.slack.deliver(app.events_url, envelope,
                                                       retry_num=retry_num)
    except aiohttp.ClientError:
        return 0, time.monotonic() - started
    return status, seconds


async def share(stage: Stage, app: AppProcess, file: str | dict[str, Any] = "standup.mp3", *,
                channel: str = CHANNEL, text: str = "", utterances: list[Any] | None = None,
                **file_args: Any) -> str:
    """A person shares a file (see share_event), acknowledged at once; returns its ts."""
    envelope = share_event(stage, file, channel=channel, text=text, utterances=utterances,
                           **file_args)
    status, seconds = await deliver(stage, app, envelope)
    assert status == 200 and seconds < 2.0, (status, seconds)
    return str(envelope["event"]["ts"])


async def recapped(stage: Stage, app: AppProcess, file: str = "standup.mp3",
                   **share_args: Any) -> str:
    """A person shares a recording and Recap finishes its recap (✅); returns the thread's ts."""
    ts = await share(stage, app, file, **share_args)
    await wait_reaction(stage, ts, "white_check_mark")
    return ts


async def say(stage: Stage, app: AppProcess, text: str, *, channel: str = CHANNEL,
              thread_ts: str | None = None, user: str = PERSON) -> str:
    """A person posts a message (in a thread with `thread_ts`); returns its ts."""
    envelope = stage.slack.user_message(channel, text, user=user, thread_ts=thread_ts)
    assert (await deliver(stage, app, envelope))[0] == 200
    return str(envelope["event"]["ts"])


async def mention(stage: Stage, app: AppProcess, text: str, *, channel: str = CHANNEL,
                  thread_ts: str | None = None) -> str:
    """`@Recap <text>`: Slack sends app_mention and the message event; both are delivered."""
    envelope = stage.slack.app_mention(channel, text, thread_ts=thread_ts)
    ts = str(envelope["event"]["ts"])
    message = stage.slack.message_event(stage.slack.find(channel, ts))
    for delivery in (envelope, message):
        assert (await deliver(stage, app, delivery))[0] == 200
    return ts


async def ask(stage: Stage, app: AppProcess, thread_ts: str, question: str, *,
              user: str = "U0BOB", channel: str = CHANNEL) -> str:
    """A person (Bob unless told) replies in a thread; returns what Recap answered, as read."""
    asked = await say(stage, app, question, channel=channel, thread_ts=thread_ts, user=user)
    (answer,) = await wait_replies(stage, thread_ts, 1, channel=channel, after=asked)
    return text_of(answer)


async def command(stage: Stage, app: AppProcess, text: str, *, channel: str = CHANNEL,
                  user: str = PERSON) -> tuple[int, dict[str, Any], float]:
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


async def click(stage: Stage, app: AppProcess, message: Message, action_id: str,
                value: str | None = None) -> None:
    """Click a button; `value` for a button the person still sees but the message no longer has."""
    value = button(message, action_id)["value"] if value is None else value
    status, _ = await stage.slack.click(app.events_url, channel=message.channel,
                                        message_ts=message.ts, action_id=action_id, value=value)
    assert status == 200


# What a person sees.

def block_text(blocks: list[dict[str, Any]] | None) -> str:
    """Everything a person reads in a message's blocks, as one string."""
    parts = []
    for block in blocks or []:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        elif isinstance(block.get("text"), str):  # a markdown block
            parts.append(block["text"])
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                parts.append(element["text"])
        for field in block.get("fields") or []:
            parts.append(field["text"])
    return "\n".join(parts)


def text_of(message: Message) -> str:
    """What a person reads in a message: its blocks, or its text when it has none; a streamed
    message shows its text with its blocks under it."""
    if message.streamed:
        return "\n".join(t for t in (message.text, block_text(message.blocks)) if t)
    return block_text(message.blocks) if message.blocks else message.text


def bot_replies(stage: Stage, thread_ts: str, *, channel: str = CHANNEL,
                after: str = "0") -> list[Message]:
    """Recap's replies in a thread (after the message at `after`), oldest first."""
    return [m for m in stage.slack.thread(channel, thread_ts)[1:]
            if m.bot_id and float(m.ts) > float(after)]


def recaps(stage: Stage, thread_ts: str, *, channel: str = CHANNEL) -> list[Message]:
    """The recap messages in a thread (the last one carries the buttons)."""
    return [m for m in bot_replies(stage, thread_ts, channel=channel)
            if m.text.startswith("Recap of")]


def statuses(stage: Stage, thread_ts: str, *, channel: str = CHANNEL) -> list[Message]:
    """Recap's other replies in a thread: the job's status message, then any answers."""
    return [m for m in bot_replies(stage, thread_ts, channel=channel)
            if not m.text.startswith("Recap of")]


def reactions(stage: Stage, ts: str, *, channel: str = CHANNEL) -> set[str]:
    """The reactions on a message (Recap's ⏳, ✅ or ❌ on a shared recording)."""
    message = stage.slack.find(channel, ts)
    return set(message.reactions) if message else set()


def actions(message: Message) -> list[str]:
    """The action ids of a message's buttons, in order."""
    return [e.get("action_id", "") for b in message.blocks or [] if b.get("type") == "actions"
            for e in b.get("elements") or []]


def button(message: Message, action_id: str) -> dict[str, Any]:
    """The message's button with this action id (its `value`, its `confirm` dialog)."""
    return next(e for b in message.blocks if b.get("type") == "actions"
                for e in b["elements"] if e.get("action_id") == action_id)


def with_button(stage: Stage, thread_ts: str, action_id: str, *,
                channel: str = CHANNEL) -> Message:
    """The latest message in a thread that has this button."""
    return next(m for m in reversed(stage.slack.thread(channel, thread_ts))
                if action_id in actions(m))


# What an operator sees.

def rows(stage: Stage) -> list[dict[str, Any]]:
    """The jobs table, read straight from DATABASE_PATH as an operator would."""
    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")]


def row(stage: Stage) -> dict[str, Any]:
    """The one job's row."""
    (only,) = rows(stage)
    return only


def web_calls(stage: Stage) -> list[str]:
    """Web API methods the app called, auth.test (bolt's start-up check) left out."""
    return [c.method for c in stage.slack.calls() if c.method != "auth.test"]


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


# Waiting for what a person will see.

async def wait_reaction(stage: Stage, ts: str, name: str, *, channel: str = CHANNEL,
                        timeout: float = 15.0) -> None:
    """Until the message has the reaction; at a job's end (✅ or ❌) also until its row is final."""
    await stage.slack.wait_for(lambda: name in reactions(stage, ts, channel=channel),
                               timeout=timeout)
    if name in ENDS:
        await stage.slack.wait_for(lambda: all(r["state"] in ("posted", "failed")
                                               for r in rows(stage) if r["thread_ts"] == ts),
                                   timeout=timeout)


async def wait_replies(stage: Stage, thread_ts: str, count: int, *, channel: str = CHANNEL,
                       after: str = "0", timeout: float = 10.0) -> list[Message]:
    """The first `count` replies from Recap after `after`, once they are there (a streamed
    one once it is finished: stopped, or replaced by chat.update)."""
    def there() -> list[Message] | None:
        found = bot_replies(stage, thread_ts, channel=channel, after=after)[:count]
        live = {s.ts for s in stage.slack.streams(channel) if not s.stopped}
        if len(found) < count or any(m.ts in live and not m.edits for m in found):
            return None
        return found

    return await stage.slack.wait_for(there, timeout=timeout)


async def wait_for_recap(stage: Stage, thread_ts: str, timeout: float = 15.0) -> list[Message]:
    """The thread once the recap (a message with the buttons) is in it."""

    def recap_posted() -> list[Message] | None:
        thread = stage.slack.thread(CHANNEL, thread_ts)
        return thread if any("transcript" in actions(m) for m in thread) else None

    return await stage.slack.wait_for(recap_posted, timeout=timeout)
