"""The Slack edge's streaming methods against the Slack simulator: the recipient goes with the
start, a workspace that cannot stream is asked once, and a spent budget never makes an answer
wait (no start, or an append left for later)."""

from __future__ import annotations

import pytest

from bot.edges.slack_api import SlackAPI
from bot.edges.slack_limits import Tiers
from bot.errors import SlackRefused
from bot.sim.slack import SlackSim

CHANNEL = "C0GENERAL"


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        yield server


@pytest.fixture
async def slack(sim):
    edge = SlackAPI.connect(sim.bot_token, sim.api_url, 0.01, Tiers(tier2=2, tier4=2))
    yield edge
    await edge.aclose()


async def test_a_stream_starts_grows_and_stops_with_blocks_under_it(sim, slack):
    parent = sim.user_message(CHANNEL, "who?")["event"]["ts"]
    footer = [{"type": "context", "elements": [{"type": "mrkdwn", "text": "AI-generated"}]}]

    ts = await slack.start_stream(CHANNEL, parent, "Carmen", user="U0ALICE", team="T0SIM")
    assert ts is not None
    assert await slack.append_stream(CHANNEL, ts, " sends it", team="T0SIM")
    await slack.stop_stream(CHANNEL, ts, text=".", blocks=footer, team="T0SIM")

    (stream,) = sim.streams(CHANNEL)
    assert (stream.recipient_user_id, stream.recipient_team_id) == ("U0ALICE", "T0SIM")
    assert stream.text == "Carmen sends it." and stream.stopped
    assert sim.find(CHANNEL, ts).blocks == footer


@pytest.mark.parametrize("error", ["unknown_method", "not_allowed", "not_allowed_token_type",
                                   "missing_scope"])
async def test_a_workspace_without_streaming_is_asked_once(sim, slack, error):
    parent = sim.user_message(CHANNEL, "who?")["event"]["ts"]
    sim.disable_streaming(error)
    for _ in range(3):
        assert await slack.start_stream(CHANNEL, parent, "x", user="U0ALICE",
                                        team="T0SIM") is None
    assert sim.count("chat.startStream") == 1 and slack.streamless == {"T0SIM"}
    sim.team_id = "T0OTHER"  # another workspace is asked for itself
    sim.disable_streaming(None)
    assert await slack.start_stream(CHANNEL, parent, "x", user="U0ALICE", team="T0OTHER")


async def test_other_refusals_are_errors_and_spent_budgets_never_wait(sim, slack):
    parent = sim.user_message(CHANNEL, "who?")["event"]["ts"]
    with pytest.raises(SlackRefused) as refused:
        await slack.start_stream(CHANNEL, parent, "x", user=None, team="T0SIM")
    assert refused.value.code == "missing_recipient_user_id" and not slack.streamless

    ts = await slack.start_stream(CHANNEL, parent, "a", user="U0ALICE", team="T0SIM")
    assert ts is not None  # the second of two Tier 2 calls this minute
    assert await slack.start_stream(CHANNEL, parent, "b", user="U0ALICE", team="T0SIM") is None
    assert [await slack.append_stream(CHANNEL, ts, f" {n}", team="T0SIM") for n in range(3)] == [
        True, True, False]  # the third waits for the next append or the stop, with its text
    assert sim.count("chat.startStream") == 2 and sim.count("chat.appendStream") == 2
