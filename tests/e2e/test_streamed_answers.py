"""Answers stream into their thread as the model writes them (chat.startStream / appendStream /
stopStream), in a few buffered appends, and the thread always ends with one whole answer: in a
workspace without streaming, with STREAM_ANSWERS=off, when the LLM's stream breaks, when Slack
stops taking the stream halfway."""

from __future__ import annotations

import pytest

from bot.core.render import answer_blocks
from tests.e2e.people import (
    CHANNEL,
    ask,
    blocks_problems,
    bot_replies,
    command,
    mention,
    recapped,
    say,
    text_of,
    wait_replies,
)

LONG = " ".join(f"Point {i}: the draft goes to legal after the review." for i in range(30))
STREAM_CALLS = ("chat.startStream", "chat.appendStream", "chat.stopStream")


def whole_markdown(stage) -> str:
    """The answer as a whole post shows it (the sim's answer has no links to take out)."""
    return answer_blocks(stage.llm.completions[-1].content.strip())[0]["text"]


def stream_calls(stage) -> list[str]:
    return [c.method for c in stage.slack.calls() if c.method in STREAM_CALLS]


async def test_an_answer_streams_in_a_few_appends_and_ends_as_the_whole_answer(stage, app):
    ts = await recapped(stage, app)
    stage.llm.obey = LONG  # a long answer: ~1,600 characters

    asked = await say(stage, app, "Who sends the draft to legal?", thread_ts=ts, user="U0BOB")
    (answer,) = await wait_replies(stage, ts, 1, after=asked)

    (stream,) = stage.slack.streams(CHANNEL)
    assert stream.stopped and stream.ts == answer.ts and stream.thread_ts == ts
    assert (stream.recipient_user_id, stream.recipient_team_id) == ("U0BOB", "T0SIM")
    expected = whole_markdown(stage)
    assert "Carmen" in expected and stream.text == expected == answer.text
    assert len(stream.parts[0].text) < 40  # the first words went out at once
    assert 2 <= len(stream.appends) <= len(expected) // 256 + 1  # buffered, not one a token
    assert "AI-generated" in text_of(answer)  # the blocks under it, from chat.stopStream
    assert bot_replies(stage, ts, after=asked) == [answer] and answer.edits == 0
    assert stage.llm.completions[-1].request.get("stream") is True
    assert stage.slack.calls("chat.postMessage")[-1].args.get("thread_ts") != asked
    assert stage.slack.violations == [] and blocks_problems(stage) == []


@pytest.mark.parametrize("error", ["unknown_method", "not_allowed"])
async def test_a_workspace_without_streaming_gets_whole_answers_and_is_not_asked_again(
        stage, app, error):
    ts = await recapped(stage, app)
    stage.slack.disable_streaming(error)

    first = await ask(stage, app, ts, "Who sends the draft to legal?")
    second = await ask(stage, app, ts, "And by when?")

    assert "Carmen" in first and "AI-generated" in first and second
    assert stream_calls(stage) == ["chat.startStream"]  # refused once, remembered
    answers = bot_replies(stage, ts)[-2:]
    assert [m.blocks[0]["type"] for m in answers] == ["markdown", "markdown"]
    assert answers[1].blocks[0]["text"] == whole_markdown(stage)
    assert stage.slack.streams() == [] and blocks_problems(stage) == []


async def test_stream_answers_off_posts_whole(stage):
    app = await stage.app(STREAM_ANSWERS="off")
    ts = await recapped(stage, app)

    answer = await ask(stage, app, ts, "Who sends the draft to legal?")

    assert "Carmen" in answer and stream_calls(stage) == []
    assert stage.llm.completions[-1].request.get("stream") is None


async def test_a_channel_question_streams_with_its_sources_under_it(stage, app):
    await recapped(stage, app)

    asked = await mention(stage, app, "who sends the draft to legal?")
    (reply,) = await wait_replies(stage, asked, 1)

    (stream,) = stage.slack.streams(CHANNEL)
    assert stream.ts == reply.ts and stream.stopped and reply.streamed
    assert reply.text == stage.llm.completions[-1].content.strip()
    assert "*Sources*" in text_of(reply) and "standup.mp3" in text_of(reply)
    # `/recap ask` answers privately, and Slack has no private stream: it stays whole.
    await command(stage, app, "ask who sends the draft to legal?")
    await stage.slack.wait_for(lambda: stage.slack.ephemerals(CHANNEL) or None)
    assert len(stage.slack.streams()) == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_an_llm_stream_that_breaks_still_leaves_one_whole_answer(stage, app):
    ts = await recapped(stage, app)
    stage.llm.obey = LONG
    stage.llm.break_stream_after = 5

    asked = await say(stage, app, "Who sends the draft to legal?", thread_ts=ts)
    (answer,) = await wait_replies(stage, ts, 1, after=asked)

    requests = [r.json for r in stage.llm.requests if r.path.endswith("/chat/completions")]
    assert [r.get("stream") for r in requests[-2:]] == [True, None]  # then asked again whole
    assert bot_replies(stage, ts, after=asked) == [answer]
    assert whole_markdown(stage) in text_of(answer) and "AI-generated" in text_of(answer)


async def test_slack_refusing_the_stream_halfway_still_leaves_one_whole_answer(stage, app):
    ts = await recapped(stage, app)
    stage.llm.obey = LONG
    stage.llm.seconds_per_token = 0.01  # about 3 s of writing left after the first words

    asked = await say(stage, app, "Who sends the draft to legal?", thread_ts=ts)
    await stage.slack.wait_for(lambda: stage.slack.streams(CHANNEL) or None)
    stage.slack.disable_streaming("message_not_in_streaming_state")
    (answer,) = await wait_replies(stage, ts, 1, after=asked)

    assert bot_replies(stage, ts, after=asked) == [answer]
    assert answer.edits == 1 and answer.blocks == answer_blocks(
        stage.llm.completions[-1].content.strip(), job_id=1)  # chat.update put it all in, 👍/👎
    # included (the thread's recap is job 1)
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_an_llm_that_cannot_stream_still_answers_whole_and_is_asked_whole_after(stage, app):
    ts = await recapped(stage, app)
    stage.llm.reject_stream = True  # the Gateway streams only some models
    before = len(bot_replies(stage, ts))

    first = await ask(stage, app, ts, "Who sends the draft to legal?")
    second = await ask(stage, app, ts, "And by when?")

    assert "Carmen" in first and "AI-generated" in first and second
    requests = [r.json for r in stage.llm.requests if r.path.endswith("/chat/completions")]
    assert [r.get("stream") for r in requests[-3:]] == [True, None, None]
    assert len(bot_replies(stage, ts)) == before + 2  # one message per answer
    assert len(stage.slack.streams()) <= 1  # the first may show in one piece; not the second
    assert bot_replies(stage, ts)[-1].blocks[0]["text"] == whole_markdown(stage)


async def test_appends_the_budget_has_no_room_for_wait_for_the_stop_and_lose_nothing(stage):
    app = await stage.app(SLACK_TIER4_PER_MIN="3")  # three chat.appendStream a minute
    ts = await recapped(stage, app)
    stage.llm.obey = LONG

    asked = await say(stage, app, "Who sends the draft to legal?", thread_ts=ts)
    (answer,) = await wait_replies(stage, ts, 1, after=asked)

    (stream,) = stage.slack.streams(CHANNEL)
    assert len(stream.appends) == 3  # never waited for a fourth: the rest came with the stop
    assert stream.text == whole_markdown(stage) == answer.text and answer.edits == 0
    assert stage.slack.ratelimited_total == 0
