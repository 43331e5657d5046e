"""The Slack edge under Slack's rate limits, against the Slack simulator with its tiers on:
calls pace themselves per (team, method), waiting edits coalesce to the newest text, reactions
are skipped rather than delayed, and a 429 that still comes holds that method for everyone."""

from __future__ import annotations

import asyncio

import pytest

from bot.edges.slack_api import SlackAPI
from bot.edges.slack_limits import Budget, Tiers
from bot.sim.slack import SlackSim
from tests.jitter import JITTER_S

PERIOD = 1.2


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        server.enable_tiers(period=PERIOD, limits={"chat.update": 5, "reactions.add": 4})
        yield server


def edge(sim: SlackSim, **tiers: int) -> SlackAPI:
    return SlackAPI.connect(sim.bot_token, sim.api_url, 0.01,
                            Tiers(period=PERIOD, margin=JITTER_S, **{"tier3": 5, **tiers}))


async def test_a_crowd_of_edits_paces_itself_and_meets_no_429(sim):
    slack = edge(sim)
    ts = await slack.post("C1", "status", team="T0SIM")
    await asyncio.gather(*(slack.update("C1", ts, f"v{n}", team="T0SIM") for n in range(12)))
    assert sim.count("chat.update") == 12 and sim.ratelimited_total == 0
    assert len(sim.find("C1", ts).versions) == 12
    await slack.aclose()


async def test_waiting_edits_coalesce_to_the_newest_text(sim):
    slack = edge(sim)
    ts = await slack.post("C1", "status", team="T0SIM")
    for n in range(5):  # the budget is spent
        await slack.update("C1", ts, f"v{n}", team="T0SIM")
    pending: list[str] = ["stage 1"]

    def latest() -> tuple[str, None] | None:
        return (pending.pop(), None) if pending else None

    edit = asyncio.create_task(slack.edit_latest("C1", ts, latest, team="T0SIM"))
    await asyncio.sleep(0)
    pending[:] = ["stage 3"]  # newer states arrive while the edit waits its turn
    assert await edit is True
    assert await slack.edit_latest("C1", ts, latest, team="T0SIM") is False  # nothing left
    assert sim.find("C1", ts).text == "stage 3" and sim.count("chat.update") == 6
    await slack.aclose()


async def test_reactions_are_skipped_when_the_budget_is_spent_and_the_hourglass_first(sim):
    slack = edge(sim, tier3=4)
    tss = [await slack.post("C1", f"m{n}", team="T0SIM") for n in range(6)]
    optional = [await slack.react("C1", ts, "hourglass_flowing_sand", team="T0SIM",
                                  optional=True) for ts in tss[:3]]
    assert optional == [True, True, False]  # half the budget is kept for the last reactions
    final = [await slack.react("C1", ts, "white_check_mark", team="T0SIM") for ts in tss[3:]]
    assert final == [True, True, False]
    assert sim.count("reactions.add") == 4 and sim.ratelimited_total == 0
    await slack.aclose()


async def test_two_workspaces_do_not_share_a_budget(sim):
    sim.channel_teams["C2"] = "T0OTHER"
    slack = edge(sim)
    a = await slack.post("C1", "a", team="T0SIM")
    b = await slack.post("C2", "b", team="T0OTHER")
    for n in range(5):
        await slack.update("C1", a, f"v{n}", team="T0SIM")
    spent = slack.limits.budget("T0SIM", "chat.update")
    other = slack.limits.budget("T0OTHER", "chat.update")
    assert spent is not None and spent.try_take() is None
    assert other is not None and other.try_take() is not None
    await slack.update("C2", b, "not held", team="T0OTHER")
    assert sim.find("C2", b).text == "not held" and sim.ratelimited_total == 0
    await slack.aclose()


async def test_a_429_holds_the_method_for_every_caller_until_its_retry_after(sim):
    slack = edge(sim, tier3=50)  # more than the sim allows: Slack answers 429
    ts = await slack.post("C1", "status", team="T0SIM")
    await asyncio.gather(*(slack.update("C1", ts, f"v{n}", team="T0SIM") for n in range(8)))
    assert sim.ratelimited_total >= 1 and slack.limits.ratelimited >= 1
    assert len(sim.find("C1", ts).versions) == 8  # every edit landed in the end
    assert sim.early_retries == []  # none came back before its Retry-After
    await slack.aclose()


async def test_a_jobs_last_word_goes_before_the_waiting_steps():
    budget = Budget(1, 0.3)
    await budget.take()  # spent
    order: list[str] = []

    async def take(name: str, urgent: bool) -> None:
        await budget.take(urgent=urgent)
        order.append(name)

    steps = [asyncio.create_task(take(f"step {n}", False)) for n in range(2)]
    await asyncio.sleep(0)
    done = asyncio.create_task(take("done", True))
    await asyncio.gather(*steps, done)
    assert order == ["done", "step 0", "step 1"]


async def three_workers_post(sim: SlackSim, shared: list | None) -> None:
    """Three processes' Slack edges posting 5 messages each in one channel at once."""
    edges = [SlackAPI.connect(sim.bot_token, sim.api_url, 0.01,
                              Tiers(period=PERIOD, margin=JITTER_S),
                              None if shared is None else shared[n]) for n in range(3)]
    try:
        await asyncio.gather(*(e.post("C1", f"recap {n}", team="T0SIM")
                               for e in edges for n in range(5)))
    finally:
        for e in edges:
            await e.aclose()


async def test_three_workers_on_one_database_share_the_channels_post_budget(sim, pg_url):
    from bot.edges.store.postgres import PgStore
    from bot.edges.store.postgres_window import SharedBudgets

    stores = [await PgStore.open(pg_url) for _ in range(3)]
    try:
        await three_workers_post(sim, [SharedBudgets(s) for s in stores])
    finally:
        for s in stores:
            await s.close()
    assert sim.count("chat.postMessage") == 15 and sim.ratelimited_total == 0


async def test_three_workers_each_counting_alone_overrun_the_channel(sim):
    await three_workers_post(sim, None)
    assert sim.ratelimited_total > 0  # what the shared budget prevents
