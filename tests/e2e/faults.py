"""Helpers for the fault-injection tests: what a thread shows, and what the job rows say."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import aiohttp

from bot.sim.slack import Message
from bot.sim.stage import AppProcess, Stage
from tests.e2e.conftest import CHANNEL, block_text

FAST = {"RETRY_BACKOFF": "0.01"}  # retries in tests wait milliseconds, not seconds


def rows(stage: Stage) -> list[dict[str, Any]]:
    """The jobs table, read straight from DATABASE_PATH as an operator would."""
    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")]


def row(stage: Stage) -> dict[str, Any]:
    (only,) = rows(stage)
    return only


def text(message: Message) -> str:
    """Everything a person reads in a message."""
    return f"{message.text}\n{block_text(message.blocks)}"


def replies(stage: Stage, thread_ts: str) -> list[Message]:
    """Recap's replies in a thread, in order."""
    return [m for m in stage.slack.thread(CHANNEL, thread_ts)[1:] if m.bot_id]


def has_action(message: Message, action_id: str) -> bool:
    return any(
        e.get("action_id") == action_id
        for b in message.blocks or []
        if b.get("type") == "actions"
        for e in b.get("elements") or []
    )


def recaps(stage: Stage, thread_ts: str) -> list[Message]:
    """The recap messages (the last one carries the buttons)."""
    return [m for m in replies(stage, thread_ts) if m.text.startswith("Recap of")]


def statuses(stage: Stage, thread_ts: str) -> list[Message]:
    """Status messages: replies that are neither recap nor answer."""
    return [m for m in replies(stage, thread_ts) if not m.text.startswith("Recap of")]


def reactions(stage: Stage, ts: str) -> set[str]:
    message = stage.slack.find(CHANNEL, ts)
    return set(message.reactions) if message else set()


async def wait_reaction(stage: Stage, ts: str, name: str, timeout: float = 15.0) -> None:
    """The job's end: ✅ (white_check_mark) when posted, ❌ (x) when failed, and its row final."""
    await stage.slack.wait_for(lambda: name in reactions(stage, ts), timeout=timeout)
    await until(lambda: all(r["state"] in ("posted", "failed") for r in rows(stage)
                            if r["thread_ts"] == ts), timeout=timeout)


def new_drop(stage: Stage, name: str = "standup.mp3", **file_args: Any) -> dict[str, Any]:
    """A person shares a recording; returns the envelope Slack would deliver (not sent yet)."""
    file = stage.slack.add_file(name, **file_args)
    return stage.slack.user_message(CHANNEL, "", user="U0ALICE", files=[file])


async def deliver(
    stage: Stage, app: AppProcess, envelope: dict[str, Any], retry_num: int | None = None
) -> tuple[int, float]:
    """(HTTP status, seconds to the acknowledgement); status 0 when the connection is refused."""
    started = time.monotonic()
    try:
        status, _, seconds = await stage.slack.deliver(
            app.events_url, envelope, retry_num=retry_num
        )
    except aiohttp.ClientError:
        return 0, time.monotonic() - started
    return status, seconds


async def drop(stage: Stage, app: AppProcess, name: str = "standup.mp3", **file_args: Any) -> str:
    """Share a recording and check the fast acknowledgement; returns the thread's ts."""
    envelope = new_drop(stage, name, **file_args)
    status, seconds = await deliver(stage, app, envelope)
    assert status == 200 and seconds < 2.0, (status, seconds)
    return str(envelope["event"]["ts"])


async def until(predicate: Any, timeout: float = 10.0) -> Any:
    """Poll a condition on the simulators' or the database's state."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)
    return value


def button_value(message: Message, action_id: str) -> str:
    return str(
        next(
            e["value"]
            for b in message.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
            if e.get("action_id") == action_id
        )
    )


async def click(
    stage: Stage, app: AppProcess, message: Message, action_id: str, value: str | None = None
) -> None:
    """Click a button; `value` for a button the person still sees but the message no longer has."""
    value = button_value(message, action_id) if value is None else value
    status, _ = await stage.slack.click(
        app.events_url, channel=CHANNEL, message_ts=message.ts, action_id=action_id, value=value
    )
    assert status == 200
