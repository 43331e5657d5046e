"""A loopback Slack workspace: the Web API, file hosting, Socket Mode and the people in it.

`SlackSim` plays both sides. As a server it answers what the app calls (Web API
methods with Slack's envelopes and errors, `files-pri` downloads, the external
upload target, `response_url`, the Socket Mode WebSocket). As a client it does
what a person does (posts, mentions, slash commands, button clicks) and delivers
the signed requests Slack would send. `recap demo` drives a simulated channel with
it, and the tests use it as their Slack. Wire details follow API-NOTES §3.

One object, several modules: the state (messages, threads, files) is shared by the server
side and the client side, so `Workspace` (state.py) holds it and each module adds one
side of Slack to it as a mixin:
  wire.py        constants, the request signature, generated file bytes, JSON envelopes
  model.py       Message, Ephemeral, RecordedCall, Download, HostedFile, Fault, ApiError
  surfaces.py    Trigger, Modal, Stream, StreamPart (the newer surfaces' records)
  blocks.py      check_blocks (what Slack would refuse, feedback buttons too) and blocks_text
  state.py       Workspace: the data, ids and timestamps, posting as the bot, threads
  directory.py   teams, channels, members; users.info, users.list, conversations.members
  views.py       what tests and the demo read back (calls, messages, modals, streams, ...)
  faults.py      fail_next / error_next / drop_next / delay, refuse_blocks, disable_streaming
  chat.py        chat.* and reactions.*, text and block checks, response_url
  streaming.py   chat.startStream / appendStream / stopStream
  modals.py      views.open / views.update and the trigger_ids they exchange
  limits.py      rate-limit tiers per (team, method), off until enable_tiers
  files.py       hosted files, downloads, external uploads
  webapi.py      the /api/{method} route, tokens, team attribution, conversations.*, files.info
  socket_mode.py Socket Mode
  events.py      what people post, mention and share, as Events API envelopes
  people.py      slash commands, clicks (feedback buttons too), signed HTTP delivery
  submissions.py a person submitting a modal (view_submission) and what the ack does
Callers import from here: `from bot.sim.slack import SlackSim, Message, signature`.

May import: aiohttp, slack_sdk.models (block validation), the standard library and the
modules above; nothing else from bot.*.
"""

from __future__ import annotations

from aiohttp import ClientSession, ClientTimeout, web

from bot.sim.slack.blocks import blocks_text, check_blocks
from bot.sim.slack.model import ApiError, Download, Ephemeral, Message, RecordedCall
from bot.sim.slack.submissions import Submissions
from bot.sim.slack.surfaces import Modal, Stream, StreamPart
from bot.sim.slack.webapi import WebApi
from bot.sim.slack.wire import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    CHUNK,
    FILETYPES,
    LOGIN_PAGE,
    MAGIC,
    MAX_BLOCKS,
    MAX_TEXT,
    MIB,
    SCOPES,
    patterned,
    signature,
)

__all__ = [
    "APP_ID", "BOT_ID", "BOT_USER_ID", "CHUNK", "FILETYPES", "LOGIN_PAGE", "MAGIC", "MAX_BLOCKS",
    "MAX_TEXT", "MIB", "SCOPES", "ApiError", "Download", "Ephemeral", "Message", "Modal",
    "RecordedCall", "SlackSim", "Stream", "StreamPart", "blocks_text", "check_blocks", "patterned",
    "signature",
]


class SlackSim(WebApi, Submissions):
    """A Slack workspace on 127.0.0.1: `async with SlackSim() as sim`, then `sim.api_url`."""

    async def start(self) -> SlackSim:
        app = web.Application(client_max_size=256 * MIB)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/files-pri/{key}/download/{name}", self._download)
        app.router.add_get("/files-pri/{key}/{name}", self._download)
        app.router.add_post("/upload/v1/{upload_id}", self._upload)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = ClientSession(timeout=ClientTimeout(total=30))
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        for future in self._acks.values():
            future.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> SlackSim:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
