"""Past one machine: `recap run` web processes enqueue, `recap worker` processes run the jobs,
all on one PostgreSQL; a worker killed with kill -9 mid-job leaves its job to another."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import psycopg

from bot.sim.stage import Stage
from tests.e2e.people import CHANNEL, recaps, share

HEARTBEAT = "0.5"


async def start_worker(stage: Stage, url: str, name: str) -> asyncio.subprocess.Process:
    env = stage.env(DATABASE_URL=url, WORKER_HEARTBEAT=HEARTBEAT)
    log = open(os.path.join(stage.workdir, f"{name}.log"), "wb")  # noqa: SIM115
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker", env=env, cwd=stage.workdir,
        stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)


def queue_states(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {r[0]: r[1] for r in conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1").fetchall()}


def job_states(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT state FROM jobs ORDER BY id").fetchall()]


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_a_worker_runs_what_the_web_process_enqueued(stage, pg_url):
    web = await stage.app(DATABASE_URL=pg_url)
    worker = await start_worker(stage, pg_url, "worker-1")
    try:
        ts = await share(stage, web)
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"], timeout=30)
        assert len(recaps(stage, ts)) == 1
        assert stage.assemblyai.creates == 1
        assert queue_states(pg_url) == {"succeeded": 1}
        assert stage.slack.violations == []
    finally:
        await stop(worker)
