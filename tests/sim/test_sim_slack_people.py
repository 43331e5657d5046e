"""The people in the Slack simulator, read the way the app reads them: users.info profiles,
conversations.members pages and users.list, through slack_sdk's AsyncWebClient."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

CHANNEL = "C0STANDUP"


async def test_users_info_returns_the_members_real_profile(sim, client):
    sim.add_member("U0JOSE", "José Álvarez", "jose.a", channels=[CHANNEL],
                   email="jose@example.com")
    sim.add_member("U0GONE", "Gone Person", deleted=True)
    sim.add_member("U0HELPER", "Helper Bot", "helper", is_bot=True)

    user = (await client.users_info(user="U0JOSE"))["user"]
    profile = user["profile"]
    assert (user["id"], user["team_id"], user["real_name"]) == ("U0JOSE", "T0SIM", "José Álvarez")
    assert (profile["real_name"], profile["display_name"]) == ("José Álvarez", "jose.a")
    assert profile["real_name_normalized"] == "Jose Alvarez"
    assert (profile["first_name"], profile["last_name"], profile["email"]) == (
        "José", "Álvarez", "jose@example.com")
    assert user["deleted"] is False and user["is_bot"] is False

    gone = (await client.users_info(user="U0GONE"))["user"]
    assert gone["deleted"] is True and gone["profile"]["display_name"] == ""
    helper = (await client.users_info(user="U0HELPER"))["user"]
    assert helper["is_bot"] is True and helper["profile"]["bot_id"]
    with pytest.raises(SlackApiError) as missing:
        await client.users_info(user="U0NOBODY")
    assert missing.value.response["error"] == "user_not_found"


async def test_conversations_members_pages_with_a_cursor(sim, client):
    people = [f"U0P{i:03d}" for i in range(7)]
    for uid in people:
        sim.add_member(uid, f"Person {uid}", channels=[CHANNEL])

    seen, cursor, pages = [], "", 0
    while True:
        page = await client.conversations_members(channel=CHANNEL, limit=3, cursor=cursor)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ["U0RECAP", *people] and pages == 3
    assert sim.calls("conversations.members")[0].http_method == "GET"

    for args, error in [({"channel": "C0NOWHERE"}, "channel_not_found"),
                        ({"channel": CHANNEL, "cursor": "bm90LWEtY3Vyc29y"}, "invalid_cursor"),
                        ({"channel": CHANNEL, "limit": 0}, "invalid_limit")]:
        with pytest.raises(SlackApiError) as failed:
            await client.conversations_members(**args)
        assert failed.value.response["error"] == error


async def test_a_channel_nobody_registered_holds_the_first_people(sim, client):
    sim.user_message("C0GENERAL", "hello")
    members = (await client.conversations_members(channel="C0GENERAL"))["members"]
    assert members == ["U0ALICE", "U0BOB", "U0RECAP"]
    sim.add_channel("C0QUIET", name="quiet", members=["U0BOB"])
    assert (await client.conversations_members(channel="C0QUIET"))["members"] == ["U0BOB"]
    sim.add_channel("C0EMPTY", members=[])
    sim.add_member("U0DAN", "Dan Example", channels=["C0EMPTY"])
    assert (await client.conversations_members(channel="C0EMPTY"))["members"] == ["U0DAN"]


async def test_users_list_pages_through_the_tokens_team(sim, client):
    sim.add_member("U0CAROL", "Carol Example", "carol")
    sim.add_team("T0OTHER", name="Other Co")
    sim.add_member("U0OTHER", "Olga Other", team="T0OTHER")

    first = await client.users_list(limit=2)
    rest = await client.users_list(cursor=first["response_metadata"]["next_cursor"])
    ids = [u["id"] for u in first["members"] + rest["members"]]
    assert ids == ["U0ALICE", "U0BOB", "U0RECAP", "U0CAROL"]
    assert rest["response_metadata"]["next_cursor"] == ""
    other = await client.users_list(team_id="T0OTHER")
    assert [u["real_name"] for u in other["members"]] == ["Olga Other"]
