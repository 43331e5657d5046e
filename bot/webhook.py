"""The AssemblyAI webhook: a completed transcript wakes its waiting job, with no polling.

A call without the right
header gets 401 and changes nothing; a duplicate gets 200 and changes nothing; every call is
answered at once (no I/O here, well within 10 s). A call for a transcript no job is waiting on
(the app restarted in between) is acknowledged too: the job's first look after a start reads the
transcript's state itself.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.deps import Deps
from bot.edges.transcriber import WEBHOOK_HEADER

log = logging.getLogger(__name__)
HEADER = WEBHOOK_HEADER
DEPS = web.AppKey("deps", Deps)


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
    return web.json_response({"ok": True})
