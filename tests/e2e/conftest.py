"""End-to-end fixtures: the real app (`recap run`, a child process) among loopback simulators.

What people do and see in Slack lives in tests/e2e/people.py; `stage` is in tests/conftest.py.
"""

from __future__ import annotations

import pytest

from bot.sim.stage import AppProcess, Stage


@pytest.fixture
async def app(stage: Stage) -> AppProcess:
    """Recap running with the default settings against the stage's simulators."""
    return await stage.app()
