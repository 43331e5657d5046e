"""The webhook's path between processes: a NOTIFY from one PgStore wakes the waiting future of a
Listener on another connection, and only that one; a listener whose connection is cut listens
again, tells the jobs waiting meanwhile to look for themselves, and the next call still
arrives."""

from __future__ import annotations

import asyncio

import psycopg

from bot.edges.store import postgres_notify
from bot.edges.store.postgres import PgStore
from bot.edges.store.postgres_notify import CHANNEL, NOTIFIED, RELISTENED, Listener, publish


async def started(listener: Listener) -> asyncio.Task[None]:
    task = asyncio.create_task(listener.run())
    await asyncio.wait_for(listener.ready.wait(), 10)
    return task


async def test_a_notify_wakes_the_one_waiting_future(pg_url):
    loop = asyncio.get_running_loop()
    completions = {"tx-mine": loop.create_future(), "tx-other": loop.create_future()}
    listener = Listener(pg_url, completions)
    task = await started(listener)
    store = await PgStore.open(pg_url)
    try:
        await publish(store, "tx-mine")
        await publish(store, "tx-nobody-waits-for")
        assert await asyncio.wait_for(completions["tx-mine"], 10) == NOTIFIED
        await publish(store, "tx-mine")  # a duplicate webhook: nothing more to wake
        await asyncio.sleep(0.2)
        assert not completions["tx-other"].done() and listener.woken == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()


async def test_a_listener_cut_off_listens_again_and_wakes_who_may_have_missed_a_call(pg_url):
    loop = asyncio.get_running_loop()
    completions: dict[str, asyncio.Future[str]] = {"tx-waiting": loop.create_future()}
    listener = Listener(pg_url, completions)
    task = await started(listener)
    store = await PgStore.open(pg_url)
    try:
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as admin:
            cur = await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s",
                [f"LISTEN {CHANNEL}"])
            assert [row[0] for row in await cur.fetchall()] == [True]
        while listener.listens < 2:  # it notices the loss and listens again
            await asyncio.sleep(0.05)
        # A NOTIFY sent while it was cut off is gone: the job waiting then is told to look.
        assert await asyncio.wait_for(completions["tx-waiting"], 10) == RELISTENED
        completions["tx-later"] = loop.create_future()
        await publish(store, "tx-later")
        assert await asyncio.wait_for(completions["tx-later"], 10) == NOTIFIED
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()


async def test_a_quiet_listener_checks_its_connection_and_keeps_listening(pg_url, monkeypatch):
    monkeypatch.setattr(postgres_notify, "KEEPALIVE_S", 0.05)
    loop = asyncio.get_running_loop()
    completions: dict[str, asyncio.Future[str]] = {"tx-quiet": loop.create_future()}
    listener = Listener(pg_url, completions)
    task = await started(listener)
    store = await PgStore.open(pg_url)
    try:
        await asyncio.sleep(0.3)  # several quiet spells, each ended by a SELECT 1
        await publish(store, "tx-quiet")
        assert await asyncio.wait_for(completions["tx-quiet"], 10) == NOTIFIED
        assert listener.listens == 1  # the same connection throughout
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()
