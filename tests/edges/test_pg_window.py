"""The LLM rate limit shared through PostgreSQL: three workers (three LLM clients, each with its
own store and pool) starting at once against the Gateway simulator's per-account limit send no
request it refuses; three that each keep their own window (what one machine does) get 429s."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.edges.llm import LLM
from bot.edges.store.postgres import PgStore
from bot.edges.store.postgres_window import SharedWindow
from bot.sim.llm import LLMSim

MODEL = "claude-sonnet-4-6"
LIMIT, PERIOD = 4, 0.5
WORKERS, EACH = 3, 4  # 12 requests: three windows' worth


@pytest.fixture
async def sim():
    async with LLMSim() as server:
        server.rate_limit(LIMIT, PERIOD)
        yield server


def client(sim: LLMSim, window: SharedWindow | None = None) -> LLM:
    return LLM(base_url=f"{sim.base_url}/v1", api_key="sim-llm-key", model=MODEL, bearer=False,
               rpm=LIMIT, rate_period=PERIOD, backoff=0.001, window=window)


async def burst(clients: list[LLM]) -> None:
    try:
        await asyncio.gather(*(c.complete([{"role": "user", "content": f"q{i}"}])
                               for c in clients for i in range(EACH)))
    finally:
        for c in clients:
            await c.aclose()


async def test_three_workers_share_one_window(sim, pg_url):
    stores = [await PgStore.open(pg_url) for _ in range(WORKERS)]
    windows = [SharedWindow(s, f"gateway {MODEL}", LIMIT, PERIOD) for s in stores]
    started = time.monotonic()
    try:
        await burst([client(sim, w) for w in windows])
        makespan = time.monotonic() - started
        rows = await stores[0]._all("SELECT count(*) AS n FROM rate_window")
    finally:
        for s in stores:
            await s.close()
    assert sim.rate_limited == 0
    assert sim.calls == WORKERS * EACH
    assert makespan >= 2 * PERIOD  # 4 now, 4 a window later, 4 after that
    assert sum(w.waits for w in windows) > 0 and rows[0]["n"] <= LIMIT


async def test_three_workers_each_with_its_own_window_overrun_the_account(sim):
    await burst([client(sim) for _ in range(WORKERS)])
    assert sim.rate_limited > 0  # what the shared window prevents
    assert sim.calls == WORKERS * EACH
