"""Several workspaces in one Slack simulator: what each channel's team sees in events,
commands and clicks, and which team each Web API call is counted against."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sim.slack import SlackSim

HOME, AWAY = "C0HOME", "C0AWAY"


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        server.add_team("T0AWAY", name="Away Inc", domain="away-inc")
        server.add_channel(AWAY, name="away-standup", team="T0AWAY")
        server.add_member("U0AMY", "Amy Away", "amy", channels=[AWAY])
        yield server


@pytest.fixture
def client(sim: SlackSim) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)


async def test_events_commands_and_clicks_carry_their_channels_team(sim):
    home = sim.user_message(HOME, "home recording")
    away = sim.app_mention(AWAY, "recap please", user="U0AMY")
    assert home["team_id"] == home["authorizations"][0]["team_id"] == "T0SIM"
    assert away["team_id"] == away["authorizations"][0]["team_id"] == "T0AWAY"
    assert away["event"]["team"] == "T0AWAY"

    command = sim.command_payload("/recap", "", channel=AWAY, user="U0AMY")
    assert (command["team_id"], command["team_domain"]) == ("T0AWAY", "away-inc")
    assert command["channel_name"] == "away-standup"

    sim.bot_message(AWAY, "a recap")
    posted = sim.bot_messages(AWAY)[0]
    click = sim.click_payload(channel=AWAY, message_ts=posted.ts, action_id="x", value="1",
                              user="U0AMY")
    assert click["team"] == {"id": "T0AWAY", "domain": "away-inc"}
    assert click["user"]["team_id"] == sim.users["U0AMY"]["team_id"] == "T0AWAY"
    assert sim.message_json(posted)["bot_profile"]["team_id"] == "T0AWAY"


async def test_web_api_calls_count_against_the_channels_team(sim, client):
    parent = sim.app_mention(AWAY, "go", user="U0AMY")["event"]
    await client.chat_postMessage(channel=AWAY, thread_ts=parent["ts"], text="On it")
    await client.chat_postMessage(channel=HOME, text="hello home")
    await client.reactions_add(channel=AWAY, name="eyes", timestamp=parent["ts"])
    await client.users_info(user="U0AMY")  # names no channel: the token's team
    assert sim.calls_by_team("chat.postMessage") == {"T0AWAY": 1, "T0SIM": 1}
    assert [c.team for c in sim.calls("reactions.add")] == ["T0AWAY"]
    assert [c.team for c in sim.calls("users.info")] == ["T0SIM"]


async def test_a_team_with_its_own_bot_token(sim):
    sim.add_team("T0THIRD", name="Third Ltd", bot_token="xoxb-third")
    third = AsyncWebClient(token="xoxb-third", base_url=sim.api_url)
    auth = await third.auth_test()
    assert (auth["team_id"], auth["team"]) == ("T0THIRD", "Third Ltd")
    await third.users_info(user="U0ALICE")
    assert sim.calls("users.info")[-1].team == "T0THIRD"
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await third.apps_connections_open(app_token="xoxb-third")
