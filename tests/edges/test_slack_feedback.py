"""The Slack edge's 👍/👎 fallback, against the Slack simulator: a workspace that refuses the
context_actions block gets plain buttons after one refused call, and every later message of that
team goes plain at once; other refusals are not retried; nothing is ever posted twice."""

from __future__ import annotations

import pytest

from bot.core.feedback import feedback_block, plain_feedback_block
from bot.edges.slack_api import SlackAPI
from bot.errors import SlackRefused
from bot.sim.slack import SlackSim

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "the recap"}}


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        yield server


@pytest.fixture
async def slack(sim: SlackSim):
    edge = SlackAPI.connect(sim.bot_token, sim.api_url, 0.01)
    yield edge
    await edge.aclose()


def block_types(sim: SlackSim, method: str) -> list[list[str]]:
    return [[b["type"] for b in call.args["blocks"]] for call in sim.calls(method)]


async def test_accepted_feedback_goes_as_it_is(sim, slack):
    ts = await slack.post("C1", "recap", blocks=[SECTION, feedback_block("recap", 1)],
                          team="T0SIM")
    assert sim.find("C1", ts).blocks[-1] == feedback_block("recap", 1)
    assert sim.count("chat.postMessage") == 1 and slack.plain_feedback_teams == set()


async def test_a_refusal_is_retried_once_with_plain_buttons_and_remembered_per_team(sim, slack):
    sim.refuse_blocks("context_actions")
    ts = await slack.post("C1", "recap", blocks=[SECTION, feedback_block("recap", 1)],
                          team="T0SIM")
    assert sim.find("C1", ts).blocks == [SECTION, plain_feedback_block("recap", 1)]
    assert len(sim.bot_messages()) == 1
    assert block_types(sim, "chat.postMessage") == [["section", "context_actions"],
                                                     ["section", "actions"]]

    await slack.post("C1", "answer", blocks=[SECTION, feedback_block("answer", 1)],
                     team="T0SIM")
    await slack.update("C1", ts, "recap, edited", blocks=[SECTION, feedback_block("recap", 1)],
                       team="T0SIM")
    assert block_types(sim, "chat.postMessage")[2:] == [["section", "actions"]]
    assert block_types(sim, "chat.update") == [["section", "actions"]]  # no refused try first
    assert sim.find("C1", ts).text == "recap, edited"

    sim.refuse_blocks()  # another workspace that has the block: it still gets the real one
    await slack.post("C1", "recap", blocks=[SECTION, feedback_block("recap", 2)], team="T2")
    assert block_types(sim, "chat.postMessage")[-1] == ["section", "context_actions"]
    assert slack.plain_feedback_teams == {"T0SIM"}


async def test_an_update_learns_the_refusal_too(sim, slack):
    ts = await slack.post("C1", "recap", blocks=[SECTION], team="T0SIM")
    sim.refuse_blocks("context_actions")
    await slack.update("C1", ts, "recap", blocks=[SECTION, feedback_block("recap", 1)],
                       team="T0SIM")
    assert sim.find("C1", ts).blocks == [SECTION, plain_feedback_block("recap", 1)]
    assert slack.plain_feedback_teams == {"T0SIM"}


async def test_other_refusals_are_not_retried_and_teach_nothing(sim, slack):
    sim.error_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackRefused) as refused:
        await slack.post("C1", "recap", blocks=[SECTION, feedback_block("recap", 1)],
                         team="T0SIM")
    assert refused.value.code == "not_in_channel" and sim.count("chat.postMessage") == 1

    too_many = [SECTION] * 50 + [feedback_block("recap", 1)]  # invalid with plain buttons too
    with pytest.raises(SlackRefused) as refused:
        await slack.post("C1", "recap", blocks=too_many, team="T0SIM")
    assert refused.value.code == "invalid_blocks" and sim.count("chat.postMessage") == 3
    assert sim.bot_messages() == [] and slack.plain_feedback_teams == set()
