"""Socket Mode in the simulated workspace: the WebSocket the app opens (after
apps.connections.open), envelopes sent down it and the acks that come back, and the
"disconnect" Slack sends every few hours.

May import: the standard library, aiohttp and bot.sim.slack.views.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from bot.sim.slack.views import Views


class SocketMode(Views):
    """Slack's end of the Socket Mode connection (mixed into SlackSim)."""

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)  # answers the SDK's "sdk-ping-pong" pings
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self._sockets),
                            "debug_info": {"host": "sim-slack",
                                           "approximate_connection_time": 3600},
                            "connection_info": {"app_id": self.app_id}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(msg.data)
                self.socket_acks.append(ack)
                future = self._acks.pop(ack.get("envelope_id"), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            self._sockets.remove(ws)
        return ws

    async def socket_send(self, payload_type: str, payload: dict[str, Any], *,
                          timeout: float = 5.0, retry_attempt: int = 0,
                          retry_reason: str | None = None) -> dict[str, Any]:
        """Send one envelope ("events_api", "slash_commands", "interactive"); return the ack."""
        await self.wait_for(lambda: [ws for ws in self._sockets if not ws.closed], timeout)
        envelope: dict[str, Any] = {"envelope_id": str(uuid.uuid4()), "payload": payload,
                                    "type": payload_type,
                                    "accepts_response_payload": payload_type != "events_api"}
        if payload_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope["envelope_id"]] = future
        try:
            await [ws for ws in self._sockets if not ws.closed][-1].send_json(envelope)
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no ack for the {payload_type} envelope in {timeout}s") from None
        finally:
            self._acks.pop(envelope["envelope_id"], None)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connected client to reconnect, as Slack does every few hours."""
        for ws in [ws for ws in self._sockets if not ws.closed]:
            await ws.send_json({"type": "disconnect", "reason": reason,
                                "debug_info": {"host": "sim-slack"}})
