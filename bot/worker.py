"""`recap worker` (runs the jobs `recap run` enqueues on procrastinate) and `recap migrate`.

One process: the same Deps as `recap run` (store, transcriber, LLM, Slack Web API), a
procrastinate worker running JOBS_PER_WORKER jobs at once (a job mostly waits on AssemblyAI and
the LLM), its heartbeat every WORKER_HEARTBEAT s, and the stalled-job sweep (queue_runner.
retry_stalled) that puts back the jobs of a worker silent for 3 heartbeats (killed, frozen).
SIGTERM/SIGINT: stop taking jobs; running jobs are cancelled at their last stored step, as in
`recap run`, and stay resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.config import Config
from bot.deps import open_deps
from bot.edges.store import open_store
from bot.slack_app.queue_runner import ensure_queue_schema, queue_app, retry_stalled

log = logging.getLogger(__name__)
JOBS_PER_WORKER = 20
STALLED_HEARTBEATS = 3


async def work(config: Config, stop: asyncio.Event | None = None) -> int:
    """Run jobs until SIGTERM/SIGINT (or `stop`); returns the exit code."""
    assert config.database_url, "recap worker needs DATABASE_URL"
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    deps = await open_deps(config, slack=True)
    app = queue_app(config.database_url)
    heartbeat = config.worker_heartbeat
    try:
        async with app.open_async():
            await ensure_queue_schema(app, config.database_url)
            worker = asyncio.create_task(app.run_worker_async(
                concurrency=JOBS_PER_WORKER, install_signal_handlers=False,
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=heartbeat * STALLED_HEARTBEATS,
                fetch_job_polling_interval=max(heartbeat, 1.0),
                additional_context={"deps": deps}))
            sweep = asyncio.create_task(
                retry_stalled(app, heartbeat * STALLED_HEARTBEATS, stop))
            log.info("Recap worker is running (%d jobs at once)", JOBS_PER_WORKER)
            await stop.wait()
            log.info("worker shutting down: running jobs stay resumable")
            for task in (worker, sweep):
                task.cancel()
            await asyncio.gather(worker, sweep, return_exceptions=True)
    finally:
        await deps.aclose()
    return 0


async def migrate(config: Config) -> str:
    """`recap migrate`: Recap's schema (SQLite or PostgreSQL) and, with DATABASE_URL,
    procrastinate's; returns where. A newer schema than this Recap's is a ConfigError."""
    store = await open_store(config.database_path, config.database_url)
    await store.close()
    if not config.database_url:
        return config.database_path
    async with queue_app(config.database_url).open_async() as queue:
        await ensure_queue_schema(queue, config.database_url)
    return "PostgreSQL (DATABASE_URL)"
