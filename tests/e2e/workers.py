"""Helpers for the PostgreSQL end-to-end tests: `recap worker` processes and the queue's rows."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import psycopg

from bot.sim.stage import Stage

HEARTBEAT = "0.5"


async def start_worker(stage: Stage, url: str, name: str,
                       **env_overrides: str) -> asyncio.subprocess.Process:
    """`recap worker` on `url` with a short heartbeat, its output in <workdir>/<name>.log."""
    env = stage.env(DATABASE_URL=url, WORKER_HEARTBEAT=HEARTBEAT, **env_overrides)
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
