"""`recap worker` (runs the jobs `recap run` enqueues on procrastinate) and `recap migrate`.

One process: the same Deps as `recap run` (store, transcriber, LLM, Slack Web API), a
procrastinate worker running JOBS_PER_WORKER jobs at once (a job mostly waits on AssemblyAI and
the LLM), its heartbeat every WORKER_HEARTBEAT s, and the stalled-job sweep (queue_runner.
retry_stalled) that puts back the jobs of a worker silent for 3 heartbeats (killed, frozen).
With PUBLIC_URL (webhook mode) one LISTEN connection (postgres_notify.Listener) wakes the job
whose transcript a web process was told about; it is listening before the first job is taken.
SIGTERM/SIGINT: stop taking jobs; running jobs are cancelled at their last stored step, as in
`recap run`, and stay resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.config import Config
from bot.deps import Deps, open_deps
from bot.edges.store import open_store
from bot.edges.store.postgres_notify import Listener
from bot.errors import ConfigError
from bot.slack_app.queue_runner import ensure_queue_schema, queue_app, retry_stalled

log = logging.getLogger(__name__)
JOBS_PER_WORKER = 20
STALLED_HEARTBEATS = 3
LISTEN_TIMEOUT_S = 10.0


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
    listening: asyncio.Task[None] | None = None
    try:
        if config.public_url:
            listening = await _listen(config.database_url, deps)
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
        if listening is not None:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
        await deps.aclose()
    return 0


async def _listen(database_url: str, deps: Deps) -> asyncio.Task[None]:
    """The LISTEN task, once it listens (a database that refuses it fails the start)."""
    listener = Listener(database_url, deps.completions)
    task = asyncio.create_task(listener.run())
    ready = asyncio.create_task(listener.ready.wait())
    await asyncio.wait([task, ready], timeout=LISTEN_TIMEOUT_S,
                       return_when=asyncio.FIRST_COMPLETED)
    if not listener.ready.is_set():
        for pending in (task, ready):
            pending.cancel()
        raise ConfigError("Cannot LISTEN for webhook calls on the database at DATABASE_URL.")
    return task


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
