"""Webhook delivery of the AssemblyAI simulator: what AssemblyAI POSTs when a job ends.

API-NOTES §1.6 (docs `deployment/webhooks-for-pre-recorded-audio`, openapi
`TranscriptReadyNotification`): `{"transcript_id", "status"}` with the create's custom auth
header, retried on 5xx, 3xx and timeouts up to 10 attempts, never after a 4xx, and the last
status code kept in the transcript's `webhook_status_code`. Knobs can lose or duplicate
deliveries. A mixin so the server module stays about routes and jobs; AssemblyAISim holds the
fields it reads.
May import: the standard library, aiohttp and bot.sim.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

from bot.sim.assemblyai_json import Job, status_of

__all__ = ["WebhookDelivery", "WebhookSender"]


@dataclass
class WebhookDelivery:
    """One POST the sim made to a webhook_url (`status_code` None on timeout/connection error)."""

    url: str
    transcript_id: str
    status: str
    headers: dict[str, str]
    status_code: int | None
    error: str | None = None
    duplicate: bool = False


class WebhookSender:
    """Sends a finished job's webhook (mixed into AssemblyAISim, which defines these fields)."""

    webhook_retry_interval: float
    webhook_timeout: float
    webhook_max_attempts: int
    webhook_duplicates: int
    webhook_enabled: bool
    webhooks: list[WebhookDelivery]
    webhooks_dropped: int
    _jobs: dict[str, Job]
    _session: aiohttp.ClientSession | None

    async def _notify(self, job: Job) -> None:
        await asyncio.sleep(max(0.0, job.done_at - asyncio.get_running_loop().time()))
        if job.id not in self._jobs:
            return
        if not self.webhook_enabled:
            self.webhooks_dropped += 1
            return
        req = job.request
        headers = {"content-type": "application/json"}
        name, value = req.get("webhook_auth_header_name"), req.get("webhook_auth_header_value")
        if name and value:
            headers[name] = value
        status = status_of(job, asyncio.get_running_loop().time())
        payload = {"transcript_id": job.id, "status": status}
        for attempt in range(max(1, self.webhook_max_attempts)):
            if attempt:
                await asyncio.sleep(self.webhook_retry_interval)
            code = await self._post(job, req["webhook_url"], payload, headers, duplicate=False)
            if code is not None and code < 500 and not 300 <= code < 400:
                break  # 2xx delivered, 4xx given up on (as documented)
        if job.webhook_status_code is not None and 200 <= job.webhook_status_code < 300:
            for _ in range(self.webhook_duplicates):
                await self._post(job, req["webhook_url"], payload, headers, duplicate=True)

    async def _post(
        self, job: Job, url: str, payload: dict[str, str], headers: dict[str, str], duplicate: bool
    ) -> int | None:
        assert self._session is not None
        record = WebhookDelivery(url, job.id, payload["status"], headers, None, None, duplicate)
        self.webhooks.append(record)
        try:
            timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with self._session.post(url, json=payload, headers=headers, timeout=timeout) as r:
                await r.read()
                record.status_code = r.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        if record.status_code is not None:
            job.webhook_status_code = record.status_code
        return record.status_code
