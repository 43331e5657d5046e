"""Slack's rate-limit tiers in the simulator: off by default, then per (team, method) over a
scaled minute, chat.postMessage per channel, 429 with Retry-After, and the counts tests read."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sim.slack import SlackSim
from bot.sim.slack.limits import TIERS

HOME, AWAY = "C0HOME", "C0AWAY"


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        server.add_channel(AWAY, team="T0AWAY")
        yield server


@pytest.fixture
def client(sim: SlackSim) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)


async def edit(client: AsyncWebClient, channel: str, ts: str) -> int:
    try:
        await client.chat_update(channel=channel, ts=ts, text="edited")
    except SlackApiError as e:
        assert e.response["error"] == "ratelimited"
        return int(e.response.headers["Retry-After"])
    return 0


def test_the_documented_tiers():
    assert (TIERS["chat.update"], TIERS["reactions.add"], TIERS["conversations.replies"]) == (
        50, 50, 50)
    assert (TIERS["users.info"], TIERS["conversations.members"], TIERS["files.info"]) == (
        100, 100, 100)
    assert (TIERS["chat.startStream"], TIERS["chat.appendStream"], TIERS["users.list"]) == (
        20, 100, 20)
    assert "chat.postMessage" not in TIERS and "auth.test" not in TIERS


async def test_no_limits_until_tiers_are_enabled(sim, client):
    ts = (await client.chat_postMessage(channel=HOME, text="status"))["ts"]
    assert [await edit(client, HOME, ts) for _ in range(60)] == [0] * 60
    assert sim.ratelimited_total == 0


async def test_each_team_and_method_has_its_own_window(sim, client):
    home = (await client.chat_postMessage(channel=HOME, text="home"))["ts"]
    away = (await client.chat_postMessage(channel=AWAY, text="away"))["ts"]
    sim.enable_tiers(period=6.0, limits={"chat.update": 3})
    retry_afters = [await edit(client, HOME, home) for _ in range(5)]
    assert retry_afters[:3] == [0, 0, 0] and all(1 <= r <= 6 for r in retry_afters[3:])
    assert [await edit(client, AWAY, away) for _ in range(3)] == [0, 0, 0]
    await client.reactions_add(channel=HOME, name="eyes", timestamp=home)

    assert sim.ratelimited == {("T0SIM", "chat.update"): 2}
    refused = [c for c in sim.calls("chat.update") if c.status == 429]
    assert [(c.team, c.error) for c in refused] == [("T0SIM", "ratelimited")] * 2
    assert sim.find(HOME, home).edits == 3 and sim.find(AWAY, away).edits == 3


async def test_posting_is_one_a_second_per_channel_with_a_short_burst(sim, client):
    sim.enable_tiers(period=60.0, post_burst=2)
    for _ in range(2):
        await client.chat_postMessage(channel=HOME, text="ok")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel=HOME, text="one too many")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] in ("1", "2")
    await client.chat_postMessage(channel="C0OTHER", text="another channel is fine")
    assert sim.ratelimited == {("T0SIM", "chat.postMessage"): 1}
    assert len(sim.bot_messages(HOME)) == 2


async def test_slack_sdk_waits_out_the_retry_after(sim):
    client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url,
                            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])
    ts = (await client.chat_postMessage(channel=HOME, text="status"))["ts"]
    sim.enable_tiers(period=1.0, limits={"chat.update": 2})
    for text in ("one", "two", "three"):
        await client.chat_update(channel=HOME, ts=ts, text=text)
    assert [c.status for c in sim.calls("chat.update")] == [200, 200, 429, 200]
    assert sim.find(HOME, ts).text == "three" and sim.early_retries == []


async def test_a_retry_before_retry_after_is_recorded(sim, client):
    ts = (await client.chat_postMessage(channel=HOME, text="status"))["ts"]
    sim.enable_tiers(period=30.0, limits={"chat.update": 1})
    assert await edit(client, HOME, ts) == 0
    assert await edit(client, HOME, ts) >= 1
    await asyncio.sleep(0.2)
    assert await edit(client, HOME, ts) >= 1
    assert sim.early_retries == ["T0SIM chat.update"] and sim.ratelimited_total == 2
    sim.disable_tiers()
    assert await edit(client, HOME, ts) == 0


@pytest.mark.parametrize("settings", [{"period": 0.1}, {"limits": {"chat.update": 0}},
                                      {"post_burst": 0}])
def test_settings_have_bounds(sim, settings):
    with pytest.raises(ValueError):
        sim.enable_tiers(**settings)
