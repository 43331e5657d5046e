"""Feedback buttons in the Slack simulator: the context_actions block Slack accepts (and what
it refuses), a workspace without it, and a person's click reaching a Bolt app."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

CHANNEL = "C0GENERAL"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*TL;DR* we ship Friday"}}
BUTTONS = {"type": "feedback_buttons", "action_id": "recap_feedback",
           "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "up:7",
                               "accessibility_label": "This recap helped"},
           "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "down:7"}}
FEEDBACK = {"type": "context_actions", "block_id": "feedback", "elements": [BUTTONS]}


def broken(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    block: dict[str, Any] = copy.deepcopy(FEEDBACK)
    target: Any = block
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return block


async def test_feedback_buttons_are_accepted_where_slack_takes_them(sim, client):
    posted = await client.chat_postMessage(channel=CHANNEL, text="recap",
                                           blocks=[SECTION, FEEDBACK])
    await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="recap",
                             blocks=[SECTION, {**FEEDBACK, "block_id": "feedback2"}])
    assert sim.find(CHANNEL, posted["ts"]).blocks[1]["block_id"] == "feedback2"
    assert sim.violations == []


@pytest.mark.parametrize("block", [
    broken(("elements", 0, "positive_button", "text", "text"), "x" * 76),
    broken(("elements", 0, "negative_button"), None),
    broken(("elements", 0, "positive_button", "value"), None),
    broken(("elements", 0, "positive_button", "text"), {"type": "mrkdwn", "text": "up"}),
    broken(("elements",), [BUTTONS] * 6),
    {"type": "actions", "elements": [BUTTONS]},
])
async def test_malformed_feedback_blocks_are_invalid_blocks(sim, client, block):
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=CHANNEL, text="recap", blocks=[SECTION, block])
    assert refused.value.response["error"] == "invalid_blocks"
    assert sim.bot_messages() == [] and len(sim.violations) == 1


async def test_a_workspace_without_context_actions_refuses_it(sim, client):
    sim.refuse_blocks("context_actions")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=CHANNEL, text="recap", blocks=[SECTION, FEEDBACK])
    assert refused.value.response["error"] == "invalid_blocks"
    await client.chat_postMessage(channel=CHANNEL, text="recap", blocks=[SECTION])
    assert len(sim.bot_messages()) == 1
    sim.refuse_blocks()
    await client.chat_postMessage(channel=CHANNEL, text="recap", blocks=[SECTION, FEEDBACK])
    assert len(sim.bot_messages()) == 2


async def test_a_feedback_click_reaches_a_bolt_app(sim, client, bolt):
    app = AsyncApp(client=client, signing_secret=sim.signing_secret)
    heard: list[dict] = []

    @app.action("recap_feedback")
    async def on_feedback(ack, body, action, client):
        await ack()
        heard.append(action)
        await client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"],
                                        text=f"Thanks for the {action['value']}")

    posted = await client.chat_postMessage(channel=CHANNEL, text="recap",
                                           blocks=[SECTION, FEEDBACK])
    async with bolt(app) as url:
        status, _ = await sim.click(url, channel=CHANNEL, message_ts=posted["ts"],
                                    action_id="recap_feedback", value="down:7")
        assert status == 200
        await sim.wait_for(lambda: sim.ephemerals(CHANNEL))
        status, _ = await sim.click(url, channel=CHANNEL, message_ts=posted["ts"],
                                    action_id="recap_feedback", value="positive", user="U0BOB")
        await sim.wait_for(lambda: len(sim.ephemerals(CHANNEL)) == 2)
    assert [(a["type"], a["value"], a["block_id"]) for a in heard] == [
        ("feedback_buttons", "down:7", "feedback"), ("feedback_buttons", "up:7", "feedback")]
    assert heard[1]["text"] == {"type": "plain_text", "text": "👍"}
    assert [e.text for e in sim.ephemerals(CHANNEL)] == ["Thanks for the down:7",
                                                         "Thanks for the up:7"]
    with pytest.raises(LookupError):
        sim.click_payload(channel=CHANNEL, message_ts=posted["ts"], action_id="recap_feedback",
                          value="sideways")
