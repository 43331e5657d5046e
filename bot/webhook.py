"""The AssemblyAI webhook: a completed transcript wakes its waiting job, with no polling.

May import: aiohttp, hmac, bot.deps. A call without the right header gets 401 and changes nothing;
a duplicate gets 200 and changes nothing; every call is answered at once (well within 10 s).
"""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from bot.deps import Deps

HEADER = "X-Recap-Webhook"


async def handle_webhook(request: web.Request) -> web.Response:
    deps: Deps = request.app["deps"]
    given = request.headers.get(HEADER, "")
    if not hmac.compare_digest(given.encode(), deps.webhook_secret.encode()):
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
