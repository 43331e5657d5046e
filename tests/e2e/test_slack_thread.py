"""A recap's thread is a conversation about its recording: people's replies are questions,
answered with [mm:ss] citations and the thread's earlier Q&A as context; bots are ignored;
@Recap there restyles, answers, or starts the recap of the message the thread hangs under."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.people import (
    CHANNEL,
    ask,
    blocks_problems,
    bot_replies,
    mention,
    recapped,
    recaps,
    say,
    share_event,
    text_of,
    wait_reaction,
    wait_replies,
    web_calls,
)

CITATION = re.compile(r"\[\d\d:\d\d\]")


def messages_of(call) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in call.request["messages"]]


async def test_replies_are_answered_with_citations_and_earlier_questions_as_context(stage, app):
    ts = await recapped(stage, app)
    llm_calls = stage.llm.calls

    first = await ask(stage, app, ts, "Who sends the draft to legal?")
    assert "Carmen" in first and CITATION.search(first)
    assert "AI-generated" in first
    (answer,) = bot_replies(stage, ts)[-1:]
    assert answer.streamed  # the LLM's markdown (markdown_text), rendered by Slack

    second = await ask(stage, app, ts, "And by when?", user="U0ALICE")
    assert second
    call = stage.llm.completions[-1]
    history = messages_of(call)
    assert history[0][0] == "system" and "<transcript>" in history[0][1]
    assert history[1:] == [("user", "Who sends the draft to legal?"),
                           ("assistant", stage.llm.completions[-2].content),
                           ("user", "And by when?")]
    assert call.schema is None  # free text, no response_format
    assert stage.llm.calls == llm_calls + 2 and stage.assemblyai.creates == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_bots_and_threads_without_a_recap_are_ignored(stage, app):
    ts = await recapped(stage, app)
    calls, llm_calls = len(web_calls(stage)), stage.llm.calls

    own = stage.slack.bot_message(CHANNEL, "Recap's own reply", thread_ts=ts)
    other = stage.slack.user_message(CHANNEL, "Deploy finished. What broke?", thread_ts=ts)
    other["event"].update(bot_id="B0DEPLOY", subtype="bot_message")
    other["event"].pop("user")
    chatter = await say(stage, app, "Lunch at noon?")
    for envelope in (own, other):
        status, _, _ = await stage.slack.deliver(app.events_url, envelope)
        assert status == 200
    await say(stage, app, "Who is bringing dessert?", thread_ts=chatter)  # not a recap thread

    await asyncio.sleep(0.5)  # room for anything that was (wrongly) started
    assert stage.llm.calls == llm_calls and len(web_calls(stage)) == calls


async def test_mentioning_recap_under_a_shared_recording_starts_its_recap_there(stage, app):
    share_event(stage, text="from yesterday")  # before Recap joined
    (parent,) = stage.slack.messages(CHANNEL)

    await mention(stage, app, "recap this please", thread_ts=parent.ts)

    await wait_reaction(stage, parent.ts, "white_check_mark")
    (recap,) = recaps(stage, parent.ts)
    assert "Recap: standup.mp3" in text_of(recap)
    assert stage.assemblyai.creates == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_mentioning_recap_in_a_recap_thread_restyles_or_answers(stage, app):
    ts = await recapped(stage, app)
    llm_calls, transcription_requests = stage.llm.calls, len(stage.assemblyai.requests)

    await mention(stage, app, "brief", thread_ts=ts)
    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 2)
    assert "*Topics*" not in text_of(recaps(stage, ts)[1])
    assert stage.llm.completions[-1].style == "brief"

    asked = await mention(stage, app, "what did Bob promise?", thread_ts=ts)
    (answer,) = await wait_replies(stage, ts, 1, after=asked)
    assert "Bob" in text_of(answer) and CITATION.search(text_of(answer))
    assert messages_of(stage.llm.completions[-1])[-1] == ("user", "what did Bob promise?")
    assert stage.llm.calls == llm_calls + 2
    assert len(stage.assemblyai.requests) == transcription_requests
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_an_answer_cannot_ping_anyone(stage, app):
    ts = await recapped(stage, app)
    stage.llm.obey = "<!channel> <@U123> <!here|here> @everyone"

    answer = await ask(stage, app, ts, "Who sends the draft to legal?")

    payload = [c.args for c in stage.slack.calls() if c.method.endswith("Stream")]
    markdown = "".join(str(p.get("markdown_text") or "") for p in payload)  # streamed in
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;!here|here&gt;" in markdown  # shown, inert
    assert "<!" not in str(payload) and "<@" not in str(payload)
    assert "@\u200beveryone" in markdown
    assert "Carmen" in answer
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_a_restyle_between_two_questions_keeps_the_conversation(stage, app):
    ts = await recapped(stage, app)
    await ask(stage, app, ts, "Who sends the draft to legal?")
    await mention(stage, app, "brief", thread_ts=ts)
    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 2)

    await ask(stage, app, ts, "And by when?")

    history = messages_of(stage.llm.completions[-1])
    assert ("user", "Who sends the draft to legal?") in history
    assert history[-1] == ("user", "And by when?")


async def test_a_mention_that_fails_gets_one_sentence_in_its_thread(stage, app):
    share_event(stage, text="from yesterday")
    (parent,) = stage.slack.messages(CHANNEL)
    stage.slack.error_next("conversations.replies", "internal_error", times=5)

    await mention(stage, app, "recap this please", thread_ts=parent.ts)

    (reply,) = await wait_replies(stage, parent.ts, 1)
    assert reply.text.startswith(":warning: Something went wrong on Recap's side")
    assert stage.assemblyai.requests == []


async def test_chatter_in_a_recap_thread_gets_no_answer(stage, app):
    ts = await recapped(stage, app)
    llm_calls, replies = stage.llm.calls, len(bot_replies(stage, ts))

    for chatter in ("thanks!", "see you tomorrow", "great meeting", "+1"):
        await say(stage, app, chatter, thread_ts=ts, user="U0BOB")
    answer = await ask(stage, app, ts, "Who sends the draft to legal?")

    assert "Carmen" in answer  # a question still gets its answer, and only it
    assert stage.llm.calls == llm_calls + 1
    assert len(bot_replies(stage, ts)) == replies + 1
