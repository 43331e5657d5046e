"""Turns: LLM calls queue by turn (a job's id; 0 for a person waiting), then by arrival, so in
a burst an older job's last call goes before a newer job's first and a question before both.
Against the LLM simulator with a rate limit, as the Gateway enforces one."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from bot.edges.llm import LLM
from bot.edges.rate_window import RateWindow
from bot.edges.turns import TURN, Turns
from bot.sim.llm import LLMSim
from tests.jitter import JITTER_S

PATH = "/v1/chat/completions"


async def as_turn(turn: float, call):
    """Run `call` in a context of its own with TURN set, as a job's task does."""
    def start():
        TURN.set(turn)
        return asyncio.ensure_future(call())
    return await contextvars.copy_context().run(start)


def taker(turns: Turns, order: list[str]):
    """A call that holds a place for a moment and notes when it got in."""
    async def one(name: str) -> None:
        async with turns:
            order.append(name)
            await asyncio.sleep(0.01)
    return one


async def test_waiters_are_let_in_by_turn_then_by_arrival():
    turns, order = Turns(1), []
    one = taker(turns, order)
    holder = asyncio.create_task(as_turn(9, lambda: one("first, alone")))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(as_turn(t, lambda n=n: one(n)))
               for t, n in [(7, "job 7"), (3, "job 3 a"), (0, "answer"), (3, "job 3 b")]]
    await asyncio.gather(holder, *waiting)
    assert order == ["first, alone", "answer", "job 3 a", "job 3 b", "job 7"]


async def test_a_cancelled_waiter_gives_its_place_to_the_next():
    turns, order = Turns(1), []
    one = taker(turns, order)
    holder = asyncio.create_task(one("holder"))
    await asyncio.sleep(0)
    gone = asyncio.create_task(as_turn(1, lambda: one("cancelled")))
    later = asyncio.create_task(as_turn(2, lambda: one("later")))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(holder, later)
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert order == ["holder", "later"]
    async with turns:  # every place was given back
        pass


async def test_under_the_rate_limit_a_question_goes_before_a_queued_burst():
    async with LLMSim() as sim:
        sim.rate_limit(2, 0.3)
        llm = LLM(base_url=f"{sim.base_url}/v1", api_key="sim-llm-key", model="m",
                  bearer=False, backoff=0.001, window=RateWindow(2, 0.3, margin=JITTER_S))

        def ask(text: str):
            return lambda: llm.complete([{"role": "user", "content": text}])

        try:
            burst = [asyncio.create_task(as_turn(5, ask(f"map {n}"))) for n in range(4)]
            while sim.received < 2:  # two maps are out; two wait for the next window
                await asyncio.sleep(0.005)
            older = asyncio.create_task(as_turn(2, ask("an older job's reduce")))
            question = asyncio.create_task(as_turn(0, ask("a person's question")))
            await asyncio.gather(*burst, older, question)
        finally:
            await llm.aclose()
    arrived = [r.json["messages"][-1]["content"] for r in sim.requests if r.path == PATH]
    assert arrived[:2] == ["map 0", "map 1"] and sim.rate_limited == 0
    # The window holder (map 2) keeps its place; after it, by turn.
    assert arrived[2:] == ["map 2", "a person's question", "an older job's reduce", "map 3"]
