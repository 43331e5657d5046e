"""The Slack simulator and a slack_sdk client on it, for the Slack sim's own tests (a test file
about another simulator defines its own `sim`)."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sim.slack import SlackSim


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        yield server


@pytest.fixture
def client(sim: SlackSim) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
