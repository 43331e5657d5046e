"""Slack's own rate limits under a burst (issue #18): with the simulator enforcing Slack's
tiers (a 6 s "minute", the same counts), 40 recordings in 40 channels of one workspace and 5 in
another all get their recap once, every status ends in its last state without going back, and
Recap meets only a handful of 429s, each one waited out."""

from __future__ import annotations

import asyncio

from bot.sim.slack import Message
from tests.e2e.people import FAST_RETRIES, deliver, share_event

PERIOD = "6"
STAGES = ("Working on it", "Downloading", "Uploading", "Transcribing", "Summarizing", "Merging",
          "Checking")
FAST = {**FAST_RETRIES, "SLACK_RATE_PERIOD": PERIOD, "LLM_RPM": "1000", "LLM_RATE_PERIOD": "1",
        "LLM_CONCURRENCY": "16"}


def rank(text: str) -> int:
    """How far along a status is; anything that is not a working stage is the last word."""
    if text.startswith(":hourglass_flowing_sand:"):
        body = text.removeprefix(":hourglass_flowing_sand:").strip()
        return next((i for i, name in enumerate(STAGES) if body.startswith(name)), 0)
    return len(STAGES)


def shown(message: Message) -> list[str]:
    """Every text a status message showed, oldest first (the sim keeps each version)."""
    return [v["text"] for v in message.versions] + [message.text]


async def test_a_burst_in_two_workspaces_stays_within_slacks_tiers(stage):
    slack = stage.slack
    slack.enable_tiers(period=float(PERIOD))
    stage.assemblyai.processing_seconds = 0.3
    channels = [f"C0BURST{i:02d}" for i in range(40)] + [f"C0OTHER{i:02d}" for i in range(5)]
    for channel in channels[40:]:
        slack.channel_teams[channel] = "T0OTHER"
    app = await stage.app(**FAST)
    envelopes = [share_event(stage, channel=c) for c in channels]
    answers = await asyncio.gather(*(deliver(stage, app, e) for e in envelopes))
    assert [status for status, _ in answers] == [200] * 45
    threads = [(c, str(e["event"]["ts"])) for c, e in zip(channels, envelopes, strict=True)]

    def recap_pages(channel: str, ts: str) -> list[Message]:
        return [m for m in slack.thread(channel, ts)[1:] if m.bot_id and m.text.startswith("Recap")]

    def status_of(channel: str, ts: str) -> Message:
        return next(m for m in slack.thread(channel, ts)[1:]
                    if m.bot_id and not m.text.startswith("Recap"))

    def all_done() -> bool:
        return all(recap_pages(c, ts) and rank(status_of(c, ts).text) == len(STAGES)
                   for c, ts in threads)

    await slack.wait_for(all_done, timeout=50, interval=0.2)
    for channel, ts in threads:
        texts = [m.text for m in recap_pages(channel, ts)]
        assert texts and len(texts) == len(set(texts)), (channel, texts)  # each posted once
        status = status_of(channel, ts)
        ranks = [rank(t) for t in shown(status)]
        assert ranks == sorted(ranks), (channel, shown(status))  # never went backwards
        assert "Recap ready" in status.text or "of audio" in status.text, status.text
    assert slack.ratelimited_total <= 5, dict(slack.ratelimited)
    assert slack.early_retries == []  # every Retry-After honoured
    assert slack.violations == []
    other = [c for c in slack.calls("chat.update") if c.args.get("channel", "").startswith("C0O")]
    assert other and all(c.status == 200 for c in other)  # the other workspace is not held
