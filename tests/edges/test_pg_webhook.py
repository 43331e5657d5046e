"""The webhook route with DATABASE_URL, served for real on loopback: a call is passed on with
NOTIFY (a listener on another connection hears it) and answered 200; when PostgreSQL cannot take
it the answer is 503, so AssemblyAI calls again (it gives up only on a 4xx)."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.config import Config
from bot.deps import Deps
from bot.edges.llm import LLM
from bot.edges.store.postgres import PgStore
from bot.edges.store.postgres_notify import NOTIFIED, Listener
from bot.webhook import DEPS, HEADER, handle_webhook

SECRET = "the-webhook-secret"


async def serve(deps: Deps) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app[DEPS] = deps
    app.router.add_post("/assemblyai/webhook", handle_webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/assemblyai/webhook"


async def call(url: str, transcript_id: str) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            url, json={"transcript_id": transcript_id, "status": "completed"},
            headers={HEADER: SECRET}) as response:
        return response.status


async def test_a_webhook_call_is_passed_on_or_refused_for_a_retry(pg_url):
    store = await PgStore.open(pg_url)
    http = aiohttp.ClientSession()
    llm = LLM(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", bearer=True)
    deps = Deps(config=Config(database_url=pg_url, public_url="http://127.0.0.1"), store=store,
                llm=llm, http=http, webhook_secret=SECRET)
    waiting: dict[str, asyncio.Future[str]] = {"tx-1": asyncio.get_running_loop().create_future()}
    listener = Listener(pg_url, waiting)
    listening = asyncio.create_task(listener.run())
    runner, url = await serve(deps)
    try:
        await asyncio.wait_for(listener.ready.wait(), 10)
        assert await call(url, "tx-1") == 200
        assert await asyncio.wait_for(waiting["tx-1"], 10) == NOTIFIED

        await store.close()  # PostgreSQL out of reach for this web process
        assert await call(url, "tx-2") == 503
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await runner.cleanup()
        await deps.aclose()
