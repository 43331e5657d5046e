"""The Slack simulator and a slack_sdk client on it, for the Slack sim's own tests (a test file
about another simulator defines its own `sim`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sim.slack import SlackSim


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        yield server


@pytest.fixture
def client(sim: SlackSim) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)


@asynccontextmanager
async def _serve(app: AsyncApp) -> AsyncIterator[str]:
    runner = web.AppRunner(app.web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


@pytest.fixture
def bolt() -> Callable[[AsyncApp], AbstractAsyncContextManager[str]]:
    """`async with bolt(app) as url`: a Bolt app's /slack/events on a loopback port."""
    return _serve
