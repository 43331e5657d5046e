"""👍/👎 under recaps and answers: Slack's feedback buttons, a vote row per person per message
(a second click changes it), nothing posted in the channel, and plain buttons for a workspace
that refuses the context_actions block (one retry on the first message, none after)."""

from __future__ import annotations

import json
from typing import Any

from bot.core.notices import GONE
from bot.edges.store import Store
from bot.sim.slack import Message
from bot.sim.stage import AppProcess, Stage
from tests.e2e.people import (
    CHANNEL,
    PERSON,
    blocks_problems,
    bot_replies,
    recapped,
    recaps,
    rows,
    say,
    share,
    wait_reaction,
    wait_replies,
)


def feedback_values(message: Message) -> list[tuple[str, str, str]]:
    """(block type, action id, value) of each 👍/👎 the message carries."""
    found = []
    for block in message.blocks or []:
        for element in block.get("elements") or []:
            if element.get("type") == "feedback_buttons":
                found += [(block["type"], element["action_id"], element[side]["value"])
                          for side in ("positive_button", "negative_button")]
            elif str(element.get("action_id", "")).startswith("feedback"):
                found.append((block["type"], element["action_id"], element["value"]))
    return found


def job_id(stage: Stage, thread_ts: str) -> int:
    return int(next(r["id"] for r in rows(stage) if r["thread_ts"] == thread_ts))


async def answered(stage: Stage, app: AppProcess, thread_ts: str, question: str) -> Message:
    asked = await say(stage, app, question, thread_ts=thread_ts, user="U0BOB")
    (answer,) = await wait_replies(stage, thread_ts, 1, after=asked)
    return answer


async def vote(stage: Stage, app: AppProcess, message: Message, action_id: str, value: str,
               user: str = PERSON) -> None:
    """Click 👍/👎 and wait for Recap's private thanks (it comes after the vote is stored)."""
    thanked = len(stage.slack.ephemerals(CHANNEL))
    status, _ = await stage.slack.click(app.events_url, channel=CHANNEL, message_ts=message.ts,
                                        action_id=action_id, value=value, user=user)
    assert status == 200
    await stage.slack.wait_for(lambda: len(stage.slack.ephemerals(CHANNEL)) > thanked)


async def votes_on(stage: Stage, message: Message) -> dict[str, str]:
    store = await Store.open(f"{stage.workdir}/recap.db")
    try:
        return await store.message_votes("T0SIM", CHANNEL, message.ts)
    finally:
        await store.close()


def sent_with_context_actions(stage: Stage, method: str) -> list[Any]:
    calls = []
    for call in stage.slack.calls(method):
        blocks = call.args.get("blocks") or []
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        if any(b.get("type") == "context_actions" for b in blocks):
            calls.append(call)
    return calls


async def test_recaps_and_answers_carry_feedback_and_a_click_is_one_changeable_row(stage, app):
    ts = await recapped(stage, app)
    (recap,) = recaps(stage, ts)
    job = job_id(stage, ts)
    assert feedback_values(recap) == [("context_actions", "feedback", f"up:recap:{job}"),
                                      ("context_actions", "feedback", f"down:recap:{job}")]
    answer = await answered(stage, app, ts, "what did Carmen promise?")
    assert feedback_values(answer) == [("context_actions", "feedback", f"up:answer:{job}"),
                                       ("context_actions", "feedback", f"down:answer:{job}")]
    posts, replies = stage.slack.count("chat.postMessage"), len(bot_replies(stage, ts))

    await vote(stage, app, recap, "feedback", "positive")
    assert await votes_on(stage, recap) == {PERSON: "up"}
    await vote(stage, app, recap, "feedback", "negative")  # a change of mind: still one row
    await vote(stage, app, recap, "feedback", "positive", user="U0BOB")
    await vote(stage, app, answer, "feedback", f"down:answer:{job}", user="U0BOB")
    assert await votes_on(stage, recap) == {PERSON: "down", "U0BOB": "up"}
    assert await votes_on(stage, answer) == {"U0BOB": "down"}

    assert stage.slack.count("chat.postMessage") == posts  # nothing in the channel
    assert len(bot_replies(stage, ts)) == replies
    thanks = stage.slack.ephemerals(CHANNEL)
    assert len(thanks) == 4 and {e.user for e in thanks} == {PERSON, "U0BOB"}
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_a_forged_or_foreign_value_stores_nothing(stage, app):
    ts = await recapped(stage, app)
    (recap,) = recaps(stage, ts)
    other = await share(stage, app, "other.mp3", channel="C0OTHER")
    await wait_reaction(stage, other, "white_check_mark", channel="C0OTHER")
    foreign = job_id(stage, other)
    for value in (f"up:recap:{foreign}", "up:recap:999999", "up:poem:1"):  # forged clicks
        status, _ = await stage.slack.click(app.events_url, channel=CHANNEL, message_ts=recap.ts,
                                            action_id="feedback:up", value=value,
                                            user="U0MALLORY")
        assert status == 200
    await vote(stage, app, recap, "feedback", "negative")  # the real one, after the forged
    assert await votes_on(stage, recap) == {PERSON: "down"}


async def test_a_workspace_without_context_actions_gets_plain_buttons_after_one_retry(stage,
                                                                                     app):
    stage.slack.refuse_blocks("context_actions")
    ts = await recapped(stage, app)
    (recap,) = recaps(stage, ts)
    job = job_id(stage, ts)
    assert feedback_values(recap) == [("actions", "feedback:up", f"up:recap:{job}"),
                                      ("actions", "feedback:down", f"down:recap:{job}")]
    refused = sent_with_context_actions(stage, "chat.postMessage")
    assert len(refused) == 1 and refused[0].response["error"] == "invalid_blocks"
    assert len(recaps(stage, ts)) == 1  # the refused post left nothing behind, the retry one

    answer = await answered(stage, app, ts, "what did Carmen promise?")
    assert feedback_values(answer) == [("actions", "feedback:up", f"up:answer:{job}"),
                                       ("actions", "feedback:down", f"down:answer:{job}")]
    assert len(sent_with_context_actions(stage, "chat.postMessage")) == 1  # no second try

    await vote(stage, app, answer, "feedback:down", f"down:answer:{job}")
    await vote(stage, app, recap, "feedback:up", f"up:recap:{job}")
    assert await votes_on(stage, answer) == {PERSON: "down"}
    assert await votes_on(stage, recap) == {PERSON: "up"}
    assert [v.split(":")[:2] for v in stage.slack.violations] == [
        ["chat.postMessage", " invalid_blocks"]]


async def test_forgetting_the_recording_deletes_its_votes_and_later_clicks_store_nothing(stage,
                                                                                        app):
    ts = await recapped(stage, app)
    (recap,) = recaps(stage, ts)
    answer = await answered(stage, app, ts, "what did Carmen promise?")
    await vote(stage, app, recap, "feedback", "positive")
    await vote(stage, app, answer, "feedback", "negative")
    assert await votes_on(stage, recap) == {PERSON: "up"}

    status, _ = await stage.slack.click(app.events_url, channel=CHANNEL, message_ts=recap.ts,
                                        action_id="forget", value=str(job_id(stage, ts)))
    assert status == 200
    await stage.slack.wait_for(lambda: stage.assemblyai.deletes == 1)
    await stage.slack.wait_for(lambda: not [r for r in rows(stage) if r["thread_ts"] == ts])
    assert await votes_on(stage, recap) == {} and await votes_on(stage, answer) == {}

    await vote(stage, app, recap, "feedback", "negative")  # answered: the recording is gone
    assert stage.slack.ephemerals(CHANNEL)[-1].text == GONE
    assert await votes_on(stage, recap) == {}
