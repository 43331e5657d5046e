"""Streaming messages in the Slack simulator, driven by slack_sdk's chat_stream() helper and by
the raw chat.startStream / appendStream / stopStream calls, with Slack's errors."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

CHANNEL = "C0GENERAL"
FEEDBACK = [{"type": "context_actions", "elements": [{
    "type": "feedback_buttons", "action_id": "feedback",
    "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "good"},
    "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "bad"}}]}]


async def test_the_sdk_helper_streams_a_reply_that_grows(sim, client):
    question = sim.app_mention(CHANNEL, "what did we decide?")["event"]
    streamer = await client.chat_stream(channel=CHANNEL, thread_ts=question["ts"],
                                        recipient_team_id="T0SIM", recipient_user_id="U0ALICE",
                                        buffer_size=10)
    for piece in ["We decided ", "to ship on ", "Friday", "."]:
        await streamer.append(markdown_text=piece)
    final = await streamer.stop(blocks=FEEDBACK)

    stream, = sim.streams(CHANNEL)
    assert [c.method for c in sim.calls() if "Stream" in c.method] == [
        "chat.startStream", "chat.appendStream", "chat.stopStream"]
    assert stream.appends == ["to ship on "]
    assert stream.text == "We decided to ship on Friday." and stream.stopped
    assert stream.first_text_at == stream.parts[0].at
    reply = sim.find(CHANNEL, stream.ts)
    assert reply is not None and reply.thread_ts == question["ts"] and reply.bot_id == "B0RECAP"
    assert (reply.text, reply.blocks) == ("We decided to ship on Friday.", FEEDBACK)
    assert final["message"]["text"] == reply.text and final["ts"] == stream.ts
    thread = await client.conversations_replies(channel=CHANNEL, ts=question["ts"])
    assert thread["messages"][-1]["text"] == "We decided to ship on Friday."


async def test_raw_calls_and_their_errors(sim, client):
    parent = sim.user_message(CHANNEL, "question")["event"]["ts"]
    for args, error in [({}, "missing_recipient_user_id"),
                        ({"recipient_user_id": "U0ALICE"}, "missing_recipient_team_id"),
                        ({"recipient_user_id": "U0NOBODY", "recipient_team_id": "T0SIM"},
                         "user_not_found")]:
        with pytest.raises(SlackApiError) as refused:
            await client.chat_startStream(channel=CHANNEL, thread_ts=parent, **args)
        assert refused.value.response["error"] == error

    started = await client.chat_startStream(channel=CHANNEL, thread_ts=parent,
                                            recipient_user_id="U0ALICE",
                                            recipient_team_id="T0SIM")
    stream = sim.streams()[0]
    assert stream.text == "" and stream.first_text_at is None
    await client.chat_appendStream(channel=CHANNEL, ts=started["ts"], markdown_text="first ")
    await client.chat_appendStream(channel=CHANNEL, ts=started["ts"],
                                   chunks=[{"type": "markdown_text", "text": "second"}])
    assert stream.appends == ["first ", "second"] and stream.first_text_at is not None
    for args, error in [({"markdown_text": None}, "no_text"),
                        ({"chunks": [{"type": "sparkles"}]}, "invalid_chunks"),
                        ({"markdown_text": "x" * 12_001}, "msg_too_long")]:
        with pytest.raises(SlackApiError) as refused:
            await client.chat_appendStream(channel=CHANNEL, ts=started["ts"], **args)
        assert refused.value.response["error"] == error
    await client.chat_stopStream(channel=CHANNEL, ts=started["ts"], markdown_text=" end")
    assert sim.find(CHANNEL, started["ts"]).text == "first second end"

    for ts, error in [(started["ts"], "message_not_in_streaming_state"),
                      ("1.000000", "message_not_found"), (parent, "message_not_owned_by_app")]:
        with pytest.raises(SlackApiError) as refused:
            await client.chat_appendStream(channel=CHANNEL, ts=ts, markdown_text="more")
        assert refused.value.response["error"] == error


async def test_a_dm_needs_no_recipient_and_an_idle_stream_expires(sim, client):
    now = [1000.0]
    sim.clock = lambda: now[0]
    parent = sim.user_message("D0ALICE", "hi")["event"]["ts"]
    started = await client.chat_startStream(channel="D0ALICE", thread_ts=parent,
                                            markdown_text="thinking")
    now[0] += sim.stream_timeout + 1
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        await client.chat_appendStream(channel="D0ALICE", ts=started["ts"], markdown_text="…")
    await client.chat_update(channel="D0ALICE", ts=started["ts"], text="thinking, done")
    assert sim.find("D0ALICE", started["ts"]).text == "thinking, done"


async def test_a_workspace_without_streaming_answers_the_chosen_error(sim, client):
    parent = sim.user_message(CHANNEL, "question")["event"]["ts"]
    sim.disable_streaming()
    with pytest.raises(SlackApiError) as refused:
        await client.chat_startStream(channel=CHANNEL, thread_ts=parent,
                                      recipient_user_id="U0ALICE", recipient_team_id="T0SIM")
    assert refused.value.response["error"] == "unknown_method"
    assert sim.streams() == [] and sim.bot_messages() == []
    sim.disable_streaming("not_allowed_token_type")
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await client.chat_stopStream(channel=CHANNEL, ts=parent)
    sim.disable_streaming(None)
    await client.chat_startStream(channel=CHANNEL, thread_ts=parent, markdown_text="ok",
                                  recipient_user_id="U0ALICE", recipient_team_id="T0SIM")
    assert [s.text for s in sim.streams()] == ["ok"]
