"""Channel members by name, against the Slack simulator: people only (no bots, no deleted
accounts, not Recap), fetched once per PEOPLE_TTL, and no names rather than a failure when
Slack says no."""

from __future__ import annotations

import asyncio

import pytest

from bot.edges.slack_api import SlackAPI
from bot.edges.slack_people import Member, People
from bot.sim.slack import SlackSim


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        server.add_channel("C9", name="design")
        server.add_member("U1PRIYA", "Priya Shah", "priya", channels=["C9"])
        server.add_member("U2MARC", "Marcus Lee", channels=["C9"])
        server.add_member("U3GONE", "Old Account", channels=["C9"], deleted=True)
        server.add_member("U4BOT", "Build Bot", channels=["C9"], is_bot=True)
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def slack(sim):
    api = SlackAPI.connect(sim.bot_token, sim.api_url, 0.01)
    yield api
    await api.aclose()


async def test_members_are_the_channels_people_with_their_names(sim, slack):
    people = People(slack)
    assert await people.members("T0SIM", "C9") == [
        Member("U1PRIYA", "Priya Shah", "priya"), Member("U2MARC", "Marcus Lee", "")]
    assert [m.name for m in await people.members("T0SIM", "C9")] == ["Priya Shah", "Marcus Lee"]


async def test_a_busy_channel_costs_one_fetch_per_ttl(sim, slack):
    clock = Clock()
    people = People(slack, ttl=600, clock=clock)
    await asyncio.gather(*(people.members("T0SIM", "C9") for _ in range(5)))
    assert sim.count("conversations.members") == 1
    assert sim.count("users.info") == 5  # the bot itself and the four others, once each
    clock.now = 599
    await people.members("T0SIM", "C9")
    assert sim.count("conversations.members") == 1 and sim.count("users.info") == 5
    sim.add_member("U5DANA", "Dana Kim", channels=["C9"])
    clock.now = 601
    assert "Dana Kim" in [m.name for m in await people.members("T0SIM", "C9")]
    assert sim.count("conversations.members") == 2 and sim.count("users.info") == 11


async def test_no_names_when_slack_refuses(sim, slack):
    sim.error_next("conversations.members", "missing_scope")
    assert await People(slack).members("T0SIM", "C9") == []
    sim.error_next("users.info", "missing_scope")
    assert await People(slack).member("T0SIM", "U1PRIYA") is None


async def test_a_channel_cut_at_at_most_is_not_whole(sim, slack):
    people = People(slack, at_most=3)
    assert not people.is_whole("T0SIM", "C9")  # not listed yet
    assert len(await people.members("T0SIM", "C9")) <= 3
    assert not people.is_whole("T0SIM", "C9")  # five ids in C9: someone was left out
    whole = People(slack)
    await whole.members("T0SIM", "C9")
    assert whole.is_whole("T0SIM", "C9")
