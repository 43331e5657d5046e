"""The Slack simulator's rate limits: Slack's tiers per (team, method), chat.postMessage per
channel, 429 with Retry-After and the `ratelimited` body, off unless switched on."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sim.slack import SlackSim


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        yield server


@pytest.fixture
def client(sim: SlackSim) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url, retry_handlers=[])


async def _update(client: AsyncWebClient, channel: str, ts: str, n: int) -> SlackApiError | None:
    try:
        await client.chat_update(channel=channel, ts=ts, text=f"v{n}")
    except SlackApiError as error:
        return error
    return None


async def test_tiers_are_off_by_default(sim, client):
    ts = (await client.chat_postMessage(channel="C1", text="hi"))["ts"]
    errors = [await _update(client, "C1", ts, n) for n in range(60)]
    assert errors == [None] * 60 and sim.ratelimited_total == 0


async def test_tier_3_allows_50_a_minute_then_429_with_retry_after(sim, client):
    sim.enable_tiers(period=6.0)
    ts = (await client.chat_postMessage(channel="C1", text="hi"))["ts"]
    errors = [await _update(client, "C1", ts, n) for n in range(51)]
    assert errors[:50] == [None] * 50
    over = errors[50]
    assert over is not None and over.response.status_code == 429
    assert over.response["error"] == "ratelimited" and over.response["ok"] is False
    assert 1 <= int(over.response.headers["Retry-After"]) <= 6
    assert sim.early_retries == []
    await asyncio.sleep(0.15)  # past the time a call could have been on its way already
    assert await _update(client, "C1", ts, 99) is not None
    assert sim.early_retries == ["T0SIM chat.update"]  # this one came back too soon
    assert sim.calls("chat.update")[-1].status == 429
    assert sim.ratelimited[("T0SIM", "chat.update")] == 2
    assert len(sim.find("C1", ts).versions) == 50


async def test_another_team_and_another_method_have_their_own_budget(sim, client):
    sim.enable_tiers(period=6.0, limits={"chat.update": 3, "reactions.add": 3})
    sim.channel_teams["C2"] = "T0OTHER"
    a = (await client.chat_postMessage(channel="C1", text="a"))["ts"]
    b = (await client.chat_postMessage(channel="C2", text="b"))["ts"]
    assert [await _update(client, "C1", a, n) for n in range(3)] == [None] * 3
    assert await _update(client, "C1", a, 4) is not None
    assert [await _update(client, "C2", b, n) for n in range(3)] == [None] * 3
    await client.reactions_add(channel="C1", timestamp=a, name="eyes")
    assert dict(sim.ratelimited) == {("T0SIM", "chat.update"): 1}
    envelope = sim.user_message("C2", "hello")
    assert envelope["team_id"] == "T0OTHER"  # the channel's team; event.team is the author's
    assert envelope["event"]["team"] == "T0SIM"


async def test_post_message_is_per_channel_with_a_short_burst(sim, client):
    sim.enable_tiers(period=60.0, post_burst=3)
    for _ in range(3):
        await client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as over:
        await client.chat_postMessage(channel="C1", text="x")
    assert over.value.response.status_code == 429
    assert over.value.response.headers["Retry-After"] in ("1", "2", "3")
    await client.chat_postMessage(channel="C2", text="another channel is not held")
    assert sim.ratelimited[("T0SIM", "chat.postMessage")] == 1


async def test_the_window_slides(sim, client):
    sim.enable_tiers(period=0.6, limits={"chat.update": 2})
    ts = (await client.chat_postMessage(channel="C1", text="hi"))["ts"]
    assert [await _update(client, "C1", ts, n) for n in range(3)][2] is not None
    await asyncio.sleep(0.65)
    assert await _update(client, "C1", ts, 9) is None
