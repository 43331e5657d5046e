"""End-to-end fixtures: the real app (`recap run`, a child process) among loopback simulators."""

from __future__ import annotations

import pytest

from bot.sim.stage import AppProcess, Stage

CHANNEL = "C0MEETINGS"


@pytest.fixture
async def app(stage: Stage) -> AppProcess:
    return await stage.app()


async def drop_file(stage: Stage, app: AppProcess, name: str = "standup.mp3", **file_args):
    """A person uploads a recording to the channel; Slack delivers the event to the app."""
    file = stage.slack.add_file(name, **file_args)
    envelope = stage.slack.user_message(CHANNEL, "", user="U0ALICE", files=[file])
    status, _, _ = await stage.slack.deliver(app.events_url, envelope)
    assert status == 200
    return envelope["event"], file


async def wait_for_recap(stage: Stage, thread_ts: str, timeout: float = 15.0):
    """The thread once the recap (a message with the restyle buttons) is in it."""

    def recap_posted():
        thread = stage.slack.thread(CHANNEL, thread_ts)
        return thread if any(_has_action(m.blocks, "transcript") for m in thread) else None

    return await stage.slack.wait_for(recap_posted, timeout=timeout)


def _has_action(blocks, action_id: str) -> bool:
    return any(e.get("action_id") == action_id
               for b in blocks or [] if b.get("type") == "actions" for e in b["elements"])


def block_text(blocks) -> str:
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
