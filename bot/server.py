"""`recap run`: the Slack app in HTTP or Socket Mode, the AssemblyAI webhook, clean shutdown.

Deliveries: every Events API delivery is acknowledged at once (in HTTP mode before Bolt even
sees it, bot/slack_app/early_ack.py; in Socket Mode Bolt acks before the listener runs) and
taken once per event_id, whatever its retry header says (Socket Mode's first delivery carries
retry_attempt 0). Recordings are also deduplicated by the job's key, which makes
message/file_share and file_shared for one upload one job.

SIGTERM: stop accepting (HTTP answers 503 and closes, the socket disconnects, so Slack and
AssemblyAI retry later), cancel running jobs at their last stored step, let acknowledged
listeners store what they took and let uninterrupted steps finish, then exit 0, all within 10 s.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.config import Config
from bot.deps import Deps, open_deps
from bot.pipeline import forget_transcript
from bot.slack_app.app import create_app
from bot.slack_app.early_ack import TAKEN, early_ack, event_key
from bot.slack_app.job_steps import run_job
from bot.slack_app.runner import Jobs, Runner
from bot.webhook import DEPS, handle_webhook

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 3600.0
SHUTDOWN_BUDGET_S = 8.0  # SIGTERM to exit, with room under the platform's usual 10 s


class _Gate:
    """Open until shutdown starts; then every HTTP request is refused (503)."""

    closing = False


GATE = web.AppKey("gate", _Gate)
DISPATCHES: set[asyncio.Task[Any]] = set()  # events acknowledged early, still in Bolt


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
    jobs: Runner = Jobs(deps, run_job)
    if config.database_url:  # past one machine: enqueue; `recap worker` processes run them
        from bot.slack_app.queue_runner import QueueRunner, ensure_queue_schema, queue_app

        queue = await queue_app(config.database_url).open_async()
        await ensure_queue_schema(queue, config.database_url)
        jobs = QueueRunner(deps, queue)
    app = create_app(deps, jobs)
    app.middleware(once_per_event(deps))
    web_app = _web_app(app, deps, config)
    runner: web.AppRunner | None = None
    socket = None
    purge: asyncio.Task[None] | None = None
    try:
        runner = await _start_http(web_app, config)
        if config.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket = AsyncSocketModeHandler(app, config.slack_app_token)
            await socket.connect_async()
        resumed = await jobs.resume()
        log.info(
            "Recap is running in %s; resumed %d job(s)",
            "Socket Mode" if config.socket_mode else f"HTTP mode on port {config.port}",
            resumed,
        )
        if ready is not None:
            ready.set()
        purge = asyncio.create_task(_retention_loop(deps, stop))
        await stop.wait()
    finally:
        started = time.monotonic()
        log.info("shutting down: no new work; running jobs stay resumable")
        web_app[GATE].closing = True
        if purge is not None:
            purge.cancel()
        if socket is not None:
            await socket.close_async()
        if runner is not None:
            await runner.cleanup()
        await jobs.shutdown()
        await _drain(deps, SHUTDOWN_BUDGET_S - (time.monotonic() - started))
        await deps.aclose()
        log.info("stopped cleanly in %.1f s", time.monotonic() - started)
    return 0


def once_per_event(deps: Deps) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Bolt middleware: an event_id already taken is acknowledged and dropped.

    Keyed on the event, never on X-Slack-Retry-Num: Slack resends while the first delivery is
    still running (http_timeout), and Socket Mode marks first deliveries retry_attempt 0.
    """

    async def once(
        body: dict[str, Any], context: dict[str, Any], response: BoltResponse | None,
        next: Callable[[], Awaitable[None]],
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        key = event_key(body)
        taken = context.get(TAKEN) is True  # early_ack answered and took it already
        if key and not taken and not await deps.store.mark_seen(key):
            log.info("event %s delivered again; it was already taken", event_id)
            return BoltResponse(status=200, body="")
        await next()
        # An event no listener wants is still acknowledged (200), so Slack does not resend it.
        # Commands and clicks keep their ack's own body (an ephemeral answer): no default here.
        return response or (BoltResponse(status=200, body="") if event_id else None)

    return once


def _web_app(app: AsyncApp, deps: Deps, config: Config) -> web.Application:
    """HTTP mode: Slack at /slack/events. Always: /healthz and, with PUBLIC_URL, the webhook.

    In Socket Mode /slack/events is not served: requests there are not signed, so nothing may
    reach the listeners but the socket.
    """
    web_app = web.Application() if config.socket_mode else app.web_app(
        path="/slack/events", port=config.port
    )
    web_app[DEPS] = deps
    web_app[GATE] = _Gate()
    web_app.middlewares.append(_refuse_when_closing)
    if not config.socket_mode and config.slack_signing_secret:  # after the gate: 503 first
        web_app.middlewares.append(early_ack(app, deps, "/slack/events",
                                             config.slack_signing_secret, DISPATCHES))
    if config.public_url:
        web_app.router.add_post("/assemblyai/webhook", handle_webhook)
    web_app.router.add_get("/healthz", _healthz)
    return web_app


@web.middleware
async def _refuse_when_closing(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """During shutdown nothing is acknowledged that might not be stored: 503, retry later."""
    if request.app[GATE].closing:
        return web.json_response({"error": "shutting down"}, status=503,
                                 headers={"Retry-After": "5", "Connection": "close"})
    return await handler(request)


async def _start_http(web_app: web.Application, config: Config) -> web.AppRunner | None:
    """Listen on PORT; in Socket Mode a busy port only costs /healthz (and the webhook)."""
    runner = web.AppRunner(web_app, shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host="0.0.0.0", port=config.port).start()
    except OSError as error:
        await runner.cleanup()
        if not config.socket_mode:
            raise
        log.warning("port %s is busy (%s); Socket Mode continues without /healthz",
                    config.port, error.strerror)
        return None
    return runner


async def _drain(deps: Deps, budget_s: float) -> None:
    """Wait for what was already accepted: listeners storing acknowledged events, steps that
    must not be cut (deps.uninterrupted). Whatever is left after the budget is cancelled."""
    started = time.monotonic()
    dispatching = {t for t in DISPATCHES if not t.done()}  # acked early: Bolt starts listeners
    if dispatching:
        await asyncio.wait(dispatching, timeout=max(0.5, budget_s / 2))
        budget_s -= time.monotonic() - started
    pending = {t for t in asyncio.all_tasks() if _is_listener(t) and not t.done()}
    pending |= {t for t in DISPATCHES if not t.done()}
    pending |= {t for t in deps.steps if not t.done()}
    if pending:
        _, pending = await asyncio.wait(pending, timeout=max(0.5, budget_s))
    for task in pending:
        log.warning("shutdown: cancelling %s", task.get_name())
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=0.5)


def _is_listener(task: asyncio.Task[object]) -> bool:
    """Bolt runs each listener after the ack in a task of its own, which it does not keep."""
    return "run_ack_function_asynchronously" in getattr(task.get_coro(), "__qualname__", "")


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _retention_loop(deps: Deps, stop: asyncio.Event) -> None:
    """RETENTION_DAYS: purge old transcripts here and at AssemblyAI, at start, then hourly."""
    days = deps.config.retention_days
    if not days:
        return
    while not stop.is_set():
        expired = await deps.store.expired_transcripts(time.time() - days * 86400)
        for transcript_id in expired:
            try:
                await forget_transcript(deps, transcript_id)
            except Exception:
                log.warning("retention: could not purge a transcript yet; will retry")
        if expired:
            log.info("retention: purged %d recording(s) older than %d days", len(expired), days)
        try:
            await asyncio.wait_for(stop.wait(), timeout=RETENTION_EVERY_S)
        except TimeoutError:
            pass
