"""Fixtures every tier shares: the simulated services (`stage`) and the sample transcript file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sim.stage import Stage
from tests.e2e.cli import standup_txt
from tests.pg import PgDatabases, PgServer


@pytest.fixture
async def stage(tmp_path):
    """Simulated Slack, AssemblyAI and LLM on loopback; `await stage.app()` starts Recap."""
    async with Stage(workdir=str(tmp_path)) as stage:
        yield stage


@pytest.fixture
def standup(tmp_path) -> str:
    """The sample stand-up as a `[mm:ss] Speaker A: text` transcript file."""
    path = tmp_path / "standup.txt"
    path.write_text(standup_txt())
    return str(path)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgDatabases]:
    """One real PostgreSQL per test session (tests/pg.py); it fails loudly if it cannot start."""
    server = PgServer().start()
    try:
        yield PgDatabases(server)
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgDatabases) -> str:
    """A fresh, empty PostgreSQL database for one test, as a DATABASE_URL."""
    return pg_server.fresh()
