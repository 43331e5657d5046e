"""The AssemblyAI webhook: a completed transcript wakes its waiting job, with no polling.

A call without the right header gets 401 and changes nothing; a duplicate gets 200 and changes
nothing; every call is answered at once (no I/O but, with DATABASE_URL, one NOTIFY bounded by
NOTIFY_TIMEOUT_S: well within AssemblyAI's 10 s). A call for a transcript no job is waiting on
(the app restarted in between) is acknowledged too: the job's first look after a start reads the
transcript's state itself.

With DATABASE_URL the job runs in a `recap worker`, not here: the call is passed on with
`NOTIFY recap_transcripts, '<id>'` (bot.edges.store.postgres_notify) to whichever worker waits.
If PostgreSQL cannot take it, the answer is 503 so AssemblyAI sends it again (it retries what
is not 2xx or 4xx, 10 attempts in all: docs `deployment/webhooks-for-pre-recorded-audio`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web

from bot.deps import Deps
from bot.edges.transcriber import WEBHOOK_HEADER

log = logging.getLogger(__name__)
HEADER = WEBHOOK_HEADER
DEPS = web.AppKey("deps", Deps)
NOTIFY_TIMEOUT_S = 5.0


async def handle_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    given = request.headers.get(HEADER, "")
    if not hmac.compare_digest(given.encode(), deps.webhook_secret.encode()):
        log.warning("AssemblyAI webhook call without the right %s header refused", HEADER)
        return web.json_response({"error": "unauthorized"}, status=401)
    try:
        body = json.loads(await request.read())
        transcript_id, status = str(body["transcript_id"]), str(body["status"])
    except (ValueError, KeyError, TypeError):
        return web.json_response({"error": "bad request"}, status=400)
    future = deps.completions.get(transcript_id)
    if future is not None and not future.done():
        future.set_result(status)
    if deps.config.database_url:
        from bot.edges.store.postgres_notify import publish

        try:
            await asyncio.wait_for(publish(deps.store, transcript_id), NOTIFY_TIMEOUT_S)
        except Exception as error:  # psycopg's, a time-out: AssemblyAI will call again
            log.warning("could not pass on the webhook for %s: %s", transcript_id,
                        type(error).__name__)
            return web.json_response({"error": "try again"}, status=503)
    return web.json_response({"ok": True})
