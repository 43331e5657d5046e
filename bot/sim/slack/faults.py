"""Fault injection for the simulated workspace: the next calls of a method fail, error, drop
their connection, or wait. Every server route (Web API, downloads, uploads) asks `_misbehave`
first. Two switches play a workspace without a newer feature, so the app's fallback can be
tested: block types it refuses (`invalid_blocks`), and no message streaming.

May import: the standard library, aiohttp, bot.sim.slack.state, .model and .wire.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sim.slack.model import Fault, RecordedCall
from bot.sim.slack.state import Workspace
from bot.sim.slack.wire import json_response


class Faults(Workspace):
    """What can go wrong on Slack's side, on request (mixed into SlackSim)."""

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1,
                  times: int = 1) -> None:
        """The next `times` calls of `method` get HTTP `status` (429 carries Retry-After).

        `method` is a Web API method, "download" for file URLs, "upload" for the upload
        target, or "*" for any of them.
        """
        self._faults.setdefault(method, []).append(Fault("status", times, status, retry_after))

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        """The next calls of `method` answer HTTP 200 {"ok": false, "error": error}."""
        self._faults.setdefault(method, []).append(Fault("error", times, error=error))

    def drop_next(self, method: str, times: int = 1) -> None:
        """The next calls of `method` lose their connection without an answer."""
        self._faults.setdefault(method, []).append(Fault("drop", times))

    def refuse_blocks(self, *block_types: str) -> None:
        """Answer invalid_blocks for these block types (e.g. "context_actions"); none: accept
        every type again."""
        self.refused_blocks = set(block_types)

    def disable_streaming(self, error: str | None = "unknown_method") -> None:
        """chat.startStream / appendStream / stopStream answer `error` (None: work again).

        Which error a workspace without streaming sends is not documented; API-NOTES §3b.3
        lists unknown_method and not_allowed, so the caller picks.
        """
        self.streaming_error = error

    def delay(self, method: str, seconds: float) -> None:
        """Every call of `method` waits `seconds` before it is answered (0 clears it)."""
        self._delays[method] = seconds

    async def _misbehave(self, method: str, request: web.Request,
                         call: RecordedCall | None = None) -> web.StreamResponse | None:
        """Apply a pending delay or fault to this request; None means answer normally."""
        if seconds := self._delays.get(method) or self._delays.get("*"):
            await asyncio.sleep(seconds)
        queue = self._faults.get(method) or self._faults.get("*")
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        status, error = 200, fault.error
        headers: dict[str, str] = {}
        if fault.kind == "drop":
            status = 0
        elif fault.kind == "status":
            status = fault.status
            error = {429: "ratelimited", 503: "service_unavailable"}.get(status, "fatal_error")
            if status == 429:
                headers["Retry-After"] = str(fault.retry_after)
        body = None if fault.kind == "drop" else {"ok": False, "error": error}
        if call is not None:
            call.status, call.response = status, body
        if body is None:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return json_response(body, status, **headers)
