"""`recap run`: the Slack app in HTTP or Socket Mode, the AssemblyAI webhook, clean shutdown.

May import: aiohttp, slack_bolt's adapters, bot.app, bot.deps, bot.jobs, bot.webhook.
SIGTERM: stop accepting, let steps reach a stored state, exit 0 within 10 s.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from aiohttp import web

from bot.app import create_app
from bot.config import Config
from bot.deps import Deps, open_deps
from bot.jobs import Jobs
from bot.webhook import handle_webhook

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 3600.0


async def serve(
    config: Config, *, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None
) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); returns the exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (the demo, tests)
            pass
    deps = await open_deps(config, slack=True)
    jobs = Jobs(deps)
    app = create_app(deps, jobs)
    runner: web.AppRunner | None = None
    socket = None
    try:
        if not config.socket_mode or config.public_url:
            runner = await _start_http(app, deps, config)
        if config.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket = AsyncSocketModeHandler(app, config.slack_app_token)
            await socket.connect_async()
        resumed = await jobs.resume()
        log.info(
            "Recap is running (%s mode); resumed %d job(s)",
            "Socket" if config.socket_mode else f"HTTP on port {config.port}",
            resumed,
        )
        if ready is not None:
            ready.set()
        purge = asyncio.create_task(_retention_loop(deps, stop))
        await stop.wait()
        purge.cancel()
    finally:
        log.info("shutting down: no new work; in-flight jobs stay resumable")
        if socket is not None:
            await socket.close_async()
        if runner is not None:
            await runner.cleanup()  # no new events: Slack retries them elsewhere or later
        await jobs.shutdown()
        await deps.aclose()
    return 0


async def _start_http(app: object, deps: Deps, config: Config) -> web.AppRunner:
    """Events, commands and interactivity at /slack/events; AssemblyAI at /assemblyai/webhook."""
    from slack_bolt.async_app import AsyncApp

    assert isinstance(app, AsyncApp)
    web_app = app.web_app(path="/slack/events", port=config.port)
    web_app["deps"] = deps
    web_app.router.add_post("/assemblyai/webhook", handle_webhook)
    web_app.router.add_get("/healthz", _healthz)
    runner = web.AppRunner(web_app, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, host="0.0.0.0", port=config.port).start()
    return runner


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _retention_loop(deps: Deps, stop: asyncio.Event) -> None:
    """RETENTION_DAYS: purge old transcripts here and at AssemblyAI, hourly."""
    days = deps.config.retention_days
    if not days:
        return
    while not stop.is_set():
        for transcript_id in await deps.store.expired_transcripts(time.time() - days * 86400):
            try:
                if deps.transcriber_ is not None and not transcript_id.startswith("local:"):
                    await deps.transcriber_.delete(transcript_id)
                await deps.store.forget_transcript(transcript_id)
            except Exception:
                log.warning("retention: could not purge a transcript yet; will retry")
        try:
            await asyncio.wait_for(stop.wait(), timeout=RETENTION_EVERY_S)
        except TimeoutError:
            pass
