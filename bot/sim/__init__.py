"""Loopback simulators of the services Recap talks to, shared by `recap demo` and the tests.

Each simulator is a small aiohttp server on 127.0.0.1 (port 0) that speaks the vendor's wire
format as API-NOTES.md describes it. This module holds what they share: the server lifecycle,
a request log, fault injection (`fail_next`) and per-route latency (`delay`).
May import: the standard library and aiohttp. Nothing from bot.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

from aiohttp import web

__all__ = ["Recorded", "SimServer", "json_response"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Recorded:
    """One request as the simulator saw it. `json` is set for JSON bodies, else None."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    body_size: int = 0
    status: int = 0
    at: float = field(default_factory=time.monotonic)  # arrival, before any injected delay


_RECORDED = web.RequestKey("recorded", Recorded)


@dataclass
class _Fault:
    path_prefix: str
    status: int
    times: int
    retry_after: float | None
    body: Any


@dataclass
class _Latency:
    path_prefix: str
    seconds: float


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with the content type vendors send; compact like the real APIs."""
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


@dataclass(eq=False)
class SimServer:
    """Base class: lifecycle, request log, faults and latency. Subclasses add routes.

    `async with Sim() as sim:` starts it; `sim.base_url` is then `http://127.0.0.1:<port>`.
    """

    stream_paths: ClassVar[tuple[str, ...]] = ()
    """Paths whose bodies the handler streams itself (never buffered by the request log)."""
    requests: list[Recorded] = field(default_factory=list, init=False, repr=False)
    base_url: str = field(default="", init=False)
    _faults: list[_Fault] = field(default_factory=list, init=False, repr=False)
    _latencies: list[_Latency] = field(default_factory=list, init=False, repr=False)
    _runner: web.AppRunner | None = field(default=None, init=False, repr=False)

    # -- to override ------------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Register the vendor's endpoints."""
        raise NotImplementedError

    def fault_body(self, status: int) -> Any:
        """The vendor's error body for an injected fault of this status."""
        return {"error": f"HTTP {status}"}

    async def on_start(self) -> None:
        """Hook for subclasses that need resources (client sessions) while running."""

    async def on_stop(self) -> None:
        """Hook: release what on_start acquired and cancel background work."""

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> str:
        """Bind 127.0.0.1 on a free port and return the base URL (no trailing slash)."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(middlewares=[self._middleware], client_max_size=4 * 1024**3)
        self.add_routes(app.router)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        await self.on_start()
        return self.base_url

    async def stop(self) -> None:
        """Stop serving; safe to call twice."""
        if self._runner is None:
            return
        await self.on_stop()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- knobs and counters -----------------------------------------------------------------
    def fail_next(
        self,
        path_prefix: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` requests under `path_prefix` with `status` (before auth).

        `body` defaults to the vendor's error body for that status; `retry_after` adds the header.
        """
        self._faults.append(_Fault(path_prefix, status, times, retry_after, body))

    def delay(self, path_prefix: str, seconds: float) -> None:
        """Add latency to every request under `path_prefix` (0 removes it)."""
        self._latencies = [d for d in self._latencies if d.path_prefix != path_prefix]
        if seconds > 0:
            self._latencies.append(_Latency(path_prefix, seconds))

    def count(self, method: str | None = None, path_prefix: str = "/") -> int:
        """How many requests matched (any method when `method` is None), faults included."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper()) and r.path.startswith(path_prefix)
        )

    # -- plumbing ---------------------------------------------------------------------------
    @staticmethod
    def recorded(request: web.Request) -> Recorded:
        """The log entry of the request being handled (handlers fill in body details)."""
        return request[_RECORDED]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        entry = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        request[_RECORDED] = entry
        self.requests.append(entry)
        streamed = request.path.startswith(self.stream_paths) if self.stream_paths else False
        if request.content_type == "application/json" and request.can_read_body and not streamed:
            raw = await request.read()  # aiohttp caches it, so handlers can read it again
            entry.body_size = len(raw)
            try:
                entry.json = json.loads(raw) if raw else None
            except ValueError:
                entry.json = None
        for latency in self._latencies:
            if request.path.startswith(latency.path_prefix):
                await asyncio.sleep(latency.seconds)
        response = self._take_fault(request.path) or await handler(request)
        entry.status = response.status
        return response

    def _take_fault(self, path: str) -> web.Response | None:
        for fault in self._faults:
            if path.startswith(fault.path_prefix) and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                body = fault.body if fault.body is not None else self.fault_body(fault.status)
                return json_response(body, fault.status, headers)
        return None
