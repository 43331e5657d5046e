"""Events API deliveries answered before Bolt runs: an ack that never queues behind the work.

Slack wants its HTTP 200 within 3 s, and when 50 recordings are shared at once every ack used
to wait for Bolt's whole dispatch of the deliveries ahead of it (parsing, middleware, listener
matching, the job's first steps) on the one event loop. Here a signed event_callback is
verified (X-Slack-Signature, as Bolt does: https://api.slack.com/authentication/verifying-
requests-from-slack) and answered 200 with an empty body at once, unless this process took
its event_id already (the last RECENT_KEYS). The store's batched mark_seen, which settles
"once" across restarts and processes, runs after the 200 (a thread's commit on the ack
path waited for the GIL behind the loop's parsing of the rest of a burst), and only a fresh
key is handed to Bolt, in a task of its own that waits until no other ack is being answered
nor came in the last QUIET_S (at most ACK_FIRST_S), marked in its context so the
once-per-event middleware does not take it a second time. Nothing of Bolt runs before the
200, and Bolt is handed the parsed, verified body (not parsed or verified again). A crash
after the 200 loses the event either way (its job row is written by the dispatch); a store
that fails the write now logs it instead of answering 500. Anything else (commands, clicks,
url_verification, a bad signature) goes to Bolt as before, which answers it itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.deps import Deps

log = logging.getLogger(__name__)
RECENT_KEYS = 10_000  # event keys remembered here: a resend is answered without the store
ACK_FIRST_S = 0.1  # the most a taken event waits for the other acks before Bolt runs it
QUIET_S = 0.002  # ... and how long no delivery must have come (a lone event waits this)
TAKEN = "recap_taken"  # set in a Bolt request's context: this event was already taken here
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def event_key(body: dict[str, Any]) -> str | None:
    """The dedupe key of an Events API delivery, or None for anything else."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return f"event:{body.get('team_id')}:{event_id}" if event_id else None


def early_ack(app: AsyncApp, deps: Deps, path: str, signing_secret: str,
              tasks: set[asyncio.Task[Any]]) -> Middleware:
    """aiohttp middleware for `path`; the dispatches it starts are kept in `tasks` (shutdown)."""
    verifier = SignatureVerifier(signing_secret)
    acking = _Acking()
    recent: OrderedDict[str, None] = OrderedDict()  # keys this process took, oldest first

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        acking.enter()
        try:
            return await ack(request, handler)
        finally:
            acking.leave()

    async def ack(request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()  # aiohttp keeps it: Bolt's adapter reads it again
        if b'"event_callback"' not in raw or not verifier.is_valid(
            raw, request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
        ):
            return await handler(request)
        try:
            body = json.loads(raw)
        except ValueError:
            return await handler(request)
        key = event_key(body) if isinstance(body, dict) else None
        if key is None:
            return await handler(request)
        if key in recent:
            log.info("event %s delivered again; it was already taken", body.get("event_id"))
            return web.Response(status=200, text="")
        recent[key] = None
        if len(recent) > RECENT_KEYS:
            recent.popitem(last=False)
        seen = asyncio.create_task(deps.store.mark_seen(key))  # joins the next batched write
        task = asyncio.create_task(_dispatch(app, body, request, acking, seen))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return web.Response(status=200, text="")

    return middleware


class _Acking:
    """How many acks are being answered; `idle` is set while none is."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.entered = 0.0  # loop time of the latest delivery

    def enter(self) -> None:
        self.count += 1
        self.idle.clear()
        self.entered = asyncio.get_running_loop().time()

    async def settled(self) -> None:
        """Until no ack is being answered and none came for QUIET_S (a burst's deliveries
        reach the loop one by one: a gap between two is not its end), at most ACK_FIRST_S."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ACK_FIRST_S
        while (left := deadline - loop.time()) > 0:
            try:
                await asyncio.wait_for(self.idle.wait(), timeout=left)
            except TimeoutError:
                return
            quiet = self.entered + QUIET_S - loop.time()
            if quiet <= 0:
                return
            await asyncio.sleep(min(quiet, max(deadline - loop.time(), 0.0)))

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.idle.set()


async def _dispatch(app: AsyncApp, body: dict[str, Any], request: web.Request,
                    acking: _Acking, seen: asyncio.Task[bool]) -> None:
    """Bolt's dispatch once no ack is waiting (at most ACK_FIRST_S later): in a burst, the
    work of the first deliveries must not hold up the acks of the last.

    Bolt gets the body already parsed and verified here, as a Socket Mode request: Bolt's
    RequestVerification skips only those (`_can_skip`: mode == "socket_mode", in
    slack_bolt/middleware/request_verification/request_verification.py), so neither the JSON
    nor the signature is worked out twice, and none of it before the 200.
    """
    try:
        fresh = await seen
    except Exception:  # the 200 is sent, so Slack will not deliver it again: handle it anyway
        log.exception("event %s: could not store it as taken; handled all the same",
                      body.get("event_id"))
        fresh = True
    if not fresh:  # taken by another process, or before a restart
        log.info("event %s delivered again; it was already taken", body.get("event_id"))
        return
    await acking.settled()
    bolt = AsyncBoltRequest(body=body, query=request.query_string, mode="socket_mode",
                            headers={k.lower(): v for k, v in request.headers.items()},
                            context={TAKEN: True})
    response = await app.async_dispatch(bolt)
    if response.status >= 400:
        log.warning("an acknowledged event was refused by Bolt: HTTP %s", response.status)
