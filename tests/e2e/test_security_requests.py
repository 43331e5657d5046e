"""Only Slack and AssemblyAI can make Recap act: a request without a valid, fresh Slack signature
gets 401 and nothing happens; an AssemblyAI webhook without the secret header changes nothing."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import aiohttp

from bot.sim.slack import signature
from bot.sim.stage import free_port
from tests.e2e.people import CHANNEL, share, share_event


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(
        url, data=body, headers=headers
    ) as response:
        return response.status


def acted(stage) -> list[str]:
    """Every Web API call but auth.test, and every request AssemblyAI got: what 'acting' leaves."""
    calls = [c.method for c in stage.slack.calls() if c.method != "auth.test"]
    return calls + [r.path for r in stage.assemblyai.requests]


def forged(stage, kind: str) -> tuple[bytes, str]:
    """A file drop (JSON), a /recap command or a click (forms), as Slack would send them."""
    if kind == "event":
        return json.dumps(share_event(stage)).encode(), "application/json"
    if kind == "command":
        payload = stage.slack.command_payload("/recap", "brief", channel=CHANNEL)
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    msg = stage.slack.bot_message(CHANNEL, "a recap")["event"]
    click = stage.slack.click_payload(channel=CHANNEL, message_ts=msg["ts"], action_id="forget",
                                      value="1")
    return urlencode({"payload": json.dumps(click)}).encode(), "application/x-www-form-urlencoded"


async def test_unsigned_stale_tampered_or_wrongly_signed_requests_get_401(stage, app):
    now = int(time.time())
    secret = stage.slack.signing_secret
    for kind in ("event", "command", "click"):
        body, content_type = forged(stage, kind)

        def headers(ts: int, sig: str, content_type: str = content_type) -> dict[str, str]:
            return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                    "X-Slack-Signature": sig}

        tampered = body.replace(b"U0ALICE", b"U0BOB")
        assert tampered != body
        attempts = {
            "stale (6 minutes old)": (body, headers(now - 360, signature(secret, now - 360, body))),
            "tampered body": (tampered, headers(now, signature(secret, now, body))),
            "wrong secret": (body, headers(now, signature("not-the-secret", now, body))),
            "no signature": (body, {"Content-Type": content_type}),
        }
        for why, (sent, sent_headers) in attempts.items():
            assert await post(app.events_url, sent, sent_headers) == 401, (kind, why)
    await asyncio.sleep(0.3)  # room for anything that was (wrongly) started
    assert acted(stage) == []

    # The control: the same file drop, signed as Slack signs it, does make Recap act.
    body, content_type = forged(stage, "event")
    signed = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(now),
              "X-Slack-Signature": signature(secret, now, body)}
    assert await post(app.events_url, body, signed) == 200
    await stage.slack.wait_for(lambda: stage.assemblyai.creates == 1)


async def test_an_assemblyai_webhook_without_the_secret_header_changes_nothing(stage):
    port = free_port()
    app = await stage.app(port=port, PUBLIC_URL=f"http://127.0.0.1:{port}",
                          WEBHOOK_SECRET="webhook-secret-4f0c1d", POLL_INTERVAL="0.5")
    stage.assemblyai.script("*", never_complete=True)  # only a webhook could wake the job early
    await share(stage, app)
    await stage.slack.wait_for(lambda: len(stage.assemblyai.transcript_ids) == 1)
    (transcript_id,) = stage.assemblyai.transcript_ids
    call = json.dumps({"transcript_id": transcript_id, "status": "completed"}).encode()
    webhook = f"{app.url}/assemblyai/webhook"

    for header in ({}, {"X-Recap-Webhook": "guess"}, {"X-Recap-Webhook": "webhook-secret-4f0c1"}):
        assert await post(webhook, call, {"Content-Type": "application/json", **header}) == 401
    await asyncio.sleep(1.0)
    assert stage.assemblyai.gets == 0  # the job was not woken: it still waits for the real call

    right = {"Content-Type": "application/json", "X-Recap-Webhook": "webhook-secret-4f0c1d"}
    assert await post(webhook, call, right) == 200
    await stage.slack.wait_for(lambda: stage.assemblyai.gets >= 1, timeout=2)  # woken at once
