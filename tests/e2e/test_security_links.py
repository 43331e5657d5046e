"""Links people give Recap: private addresses are refused in every spelling before anything is
sent anywhere, links that are not to media get "unsupported link", and files over MAX_FILE_MB
are refused before download (or cut off when their announced size lies)."""

from __future__ import annotations

from tests.e2e.people import (
    CHANNEL,
    bot_replies,
    command,
    deliver,
    rows,
    say,
    share,
    share_event,
    text_of,
)

REFUSED = [
    "http://2130706433/standup.mp3",  # 127.0.0.1 as a decimal integer
    "http://0x7f000001/standup.mp3",  # ... as a hex integer
    "http://0177.0.0.1/standup.mp3",  # ... in octal
    "http://[::ffff:127.0.0.1]/standup.mp3",  # IPv4 inside IPv6
    "http://localhost./standup.mp3",  # a trailing dot
    "http://127.0.0.1./standup.mp3",
    "http://media.example.com@127.0.0.1/standup.mp3",  # userinfo: the host is 127.0.0.1
    "http://recap.localhost/standup.mp3",
    "http://nas.local/standup.mp3",
    "http://metadata.google.internal/computeMetadata/v1/standup.mp3",
    "http://169.254.169.254/latest/meta-data/standup.mp3",
    "http://[fd00:ec2::254]/latest/standup.mp3",
    "http://10.0.0.5/standup.mp3",
    "http://0/standup.mp3",
]


def replies(stage, thread_ts: str) -> list[str]:
    """What Recap said in a thread, as read."""
    return [text_of(m) for m in bot_replies(stage, thread_ts)]


async def mention(stage, app, text: str) -> str:
    envelope = stage.slack.app_mention(CHANNEL, text)
    assert (await stage.slack.deliver(app.events_url, envelope))[0] == 200
    return envelope["event"]["ts"]


async def test_private_addresses_are_refused_in_every_spelling_and_never_sent(stage):
    app = await stage.app(SLACK_POST_BURST="100")  # 28 refusals in one channel, unpaced
    threads, acks = [], []
    for url in REFUSED:
        threads.append(await mention(stage, app, f"<{url}>"))  # Slack wraps links in <>
        threads.append(await say(stage, app, f"here is the call <{url}>"))
        status, ack, _ = await command(stage, app, url)
        assert status == 200
        acks.append(ack["text"])  # the command's answer, which only the person who typed it sees
    await stage.slack.wait_for(lambda: all(replies(stage, ts) for ts in threads), timeout=10)

    for said in [r for ts in threads for r in replies(stage, ts)] + acks:
        assert "private or local address" in said or "user name or password" in said, said
    assert [m for m in stage.slack.messages(CHANNEL) if m.bot_id and not m.is_reply] == []
    assert stage.assemblyai.requests == [] and stage.llm.requests == []
    assert rows(stage) == []


NOT_MEDIA = [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://example.com/minutes.pdf",
    "https://example.com/team/meeting-notes.html",
    "https://example.com/call-transcript.vtt",
]


async def test_a_link_that_is_not_to_media_is_an_unsupported_link(stage, app):
    threads, acks = [], []
    for url in NOT_MEDIA:
        threads.append(await mention(stage, app, f"<{url}>"))
        status, ack, _ = await command(stage, app, url)
        assert status == 200
        acks.append(ack["text"])
    await stage.slack.wait_for(lambda: all(replies(stage, ts) for ts in threads))

    for said in [replies(stage, ts)[0] for ts in threads] + acks:
        assert "Unsupported link" in said, said
    assert stage.assemblyai.requests == [] and rows(stage) == []


async def test_a_link_in_passing_is_not_a_request(stage, app):
    """Without a mention or /recap only media links count; other links are just conversation."""
    thread = await say(stage, app, "notes from today: <https://example.com/notes.html>")
    await say(stage, app, "and <https://www.youtube.com/watch?v=abc> for fun")
    mentioned = await mention(stage, app, "<https://example.com/notes.html>")
    await stage.slack.wait_for(lambda: replies(stage, mentioned))  # the app has caught up

    assert replies(stage, thread) == []
    assert stage.assemblyai.requests == [] and rows(stage) == []


async def test_a_file_over_the_limit_is_refused_before_download(stage):
    app = await stage.app(MAX_FILE_MB="1")
    ts = await share(stage, app, "all-hands.mp4", size=3 * 1024 * 1024 + 1)
    said = await stage.slack.wait_for(lambda: replies(stage, ts))

    assert "all-hands.mp4 is 3.1 MB, over the 1 MB limit." in said[0]
    assert stage.slack.downloads == [] and stage.assemblyai.requests == []
    assert rows(stage) == []


async def test_a_stream_longer_than_its_announced_size_is_cut_and_never_submitted(stage):
    app = await stage.app(MAX_FILE_MB="1")
    file = stage.slack.add_file("standup.mp3", size=3 * 1024 * 1024, chunked=True)
    envelope = share_event(stage, file)
    envelope["event"]["files"] = [{**file, "size": 200_000}]  # the file object understates it
    assert (await deliver(stage, app, envelope))[0] == 200
    thread = envelope["event"]["ts"]
    said = await stage.slack.wait_for(
        lambda: [r for r in replies(stage, thread) if r.startswith(":x:")])

    assert "over the 1 MB limit" in said[0]
    assert stage.assemblyai.creates == 0  # nothing submitted for transcription
    assert all(u.size <= 1024 * 1024 for u in stage.assemblyai.uploaded)
