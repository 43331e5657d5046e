"""The LLM Gateway's limit is per account: three `recap worker` processes started at once on one
PostgreSQL take their requests from one shared window and the Gateway refuses none (three that
each kept their own window would send all six at once: four refused)."""

from __future__ import annotations

import psycopg

from tests.e2e.people import recaps, share
from tests.e2e.workers import job_states, start_worker, stop


def running_workers(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
        return int(row[0]) if row else 0

RATE = {"LLM_RPM": "2", "LLM_RATE_PERIOD": "2"}
# The sim dates a request when its event loop reaches it, late on a loaded machine (parallel
# test workers): its window is half of Recap's, still a third of what three unshared windows
# would need (six requests at once against two a window).
SIM_PERIOD = 1.0


async def test_three_workers_stay_inside_one_rate_limit(stage, pg_url):
    stage.llm.rate_limit(2, SIM_PERIOD)
    web = await stage.app(DATABASE_URL=pg_url, **RATE)
    count = 6
    workers = [await start_worker(stage, pg_url, f"worker-{n}", **RATE) for n in range(3)]
    try:
        await stage.slack.wait_for(lambda: running_workers(pg_url) == 3, timeout=30)
        threads = [await share(stage, web, f"meeting-{i}.mp3") for i in range(count)]
        # Waiting on what Slack holds: a database poll here would stall the simulators' loop.
        await stage.slack.wait_for(
            lambda: all(len(recaps(stage, ts)) == 1 for ts in threads), timeout=30)
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"] * count)
        assert stage.llm.calls == count
        assert stage.llm.rate_limited == 0
    finally:
        for worker in workers:
            await stop(worker)
