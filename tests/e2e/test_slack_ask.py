"""A channel's recordings as something to query: `/recap search` lists the best moments
privately with links to their recap threads (no LLM call), `/recap ask` answers from them with
sources, and neither ever shows another channel's recordings or a forgotten one's words."""

from __future__ import annotations

import asyncio

from bot.edges.store import Store
from tests.e2e.people import (
    CHANNEL,
    PERSON,
    click,
    command,
    mention,
    recapped,
    share,
    text_of,
    wait_reaction,
    wait_replies,
    with_button,
)

OTHER = "C0OTHER"


async def private_reply(stage, count: int, timeout: float = 15.0):
    for _ in range(int(timeout / 0.05)):
        mine = [e for e in stage.slack.ephemerals(CHANNEL) if e.user == PERSON]
        if len(mine) >= count:
            return mine[count - 1]
        await asyncio.sleep(0.05)
    raise AssertionError("no private reply")


async def test_search_lists_moments_with_links_and_no_llm_call(stage, app):
    ts = await recapped(stage, app)
    llm_calls = stage.llm.calls

    status, ack, _ = await command(stage, app, "search draft legal")
    assert status == 200 and "Looking through" in ack["text"]
    reply = await private_reply(stage, 1)

    assert "standup.mp3" in reply.text and "draft" in reply.text.lower()
    assert "recap thread>" in reply.text and ts.replace(".", "") in reply.text  # the permalink
    assert stage.llm.calls == llm_calls


async def test_ask_answers_from_the_channel_with_sources(stage, app):
    await recapped(stage, app)
    status, _, _ = await command(stage, app, "ask who sends the draft to legal?")
    assert status == 200
    reply = await private_reply(stage, 1)

    assert "*Sources*" in reply.text and "• *standup.mp3* [" in reply.text
    assert "recap thread>" in reply.text
    prompt = stage.llm.completions[-1].request["messages"][0]["content"]
    assert "<passages>" in prompt and "Recording: standup.mp3" in prompt
    assert "Carmen" in prompt and "draft" in prompt  # the passage that holds the answer


async def test_a_private_answer_takes_a_vote_that_posts_nothing(stage, app):
    await recapped(stage, app)
    await command(stage, app, "ask who sends the draft to legal?")
    reply = await private_reply(stage, 1)
    (feedback,) = [b for b in reply.blocks if b["type"] == "context_actions"]
    assert feedback["elements"][0]["negative_button"]["value"] == "down:answer:0"
    posts = stage.slack.count("chat.postMessage")

    status, _ = await stage.slack.click(app.events_url, channel=CHANNEL, message_ts=reply.ts,
                                        action_id="feedback", value="down:answer:0", user=PERSON)
    assert status == 200
    thanks = await private_reply(stage, 2)
    assert "thank" in thanks.text.lower()
    store = await Store.open(f"{stage.workdir}/recap.db")
    try:
        assert await store.message_votes("T0SIM", CHANNEL, reply.ts) == {PERSON: "down"}
    finally:
        await store.close()
    assert stage.slack.count("chat.postMessage") == posts  # nothing in the channel


async def test_nothing_found_says_so_without_an_llm_call_and_other_channels_stay_apart(stage,
                                                                                         app):
    ts = await share(stage, app, channel=OTHER)
    await wait_reaction(stage, ts, "white_check_mark", channel=OTHER)
    llm_calls = stage.llm.calls

    await command(stage, app, "ask who sends the draft to legal?")  # asked in CHANNEL
    reply = await private_reply(stage, 1)
    assert reply.text == "Nothing in this channel's recordings answers that."
    assert reply.blocks == []  # nothing to vote on
    assert stage.llm.calls == llm_calls


async def test_a_forgotten_recording_is_never_found_again(stage, app):
    ts = await recapped(stage, app)
    message = with_button(stage, ts, "forget")
    await click(stage, app, message, "forget")
    for _ in range(200):
        if stage.assemblyai.deletes:
            break
        await asyncio.sleep(0.05)

    await command(stage, app, "search draft legal")
    reply = await private_reply(stage, 1)
    assert reply.text == "Nothing in this channel's recordings answers that."


async def test_a_mention_with_a_question_outside_a_recap_thread_asks_the_channel(stage, app):
    await recapped(stage, app)

    asked = await mention(stage, app, "who sends the draft to legal?")
    (reply,) = await wait_replies(stage, asked, 1)

    assert "*Sources*" in text_of(reply) and "standup.mp3" in text_of(reply)
    assert "Recording: standup.mp3" in stage.llm.completions[-1].request["messages"][0]["content"]
