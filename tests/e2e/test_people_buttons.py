"""The people under a recap, through the real app: the Speakers button opens a prefilled modal
whose submission renames in place (no AssemblyAI request, no LLM call, over HTTP and Socket
Mode); My items answers the clicker privately; owners who are one channel member show by name,
and as a mention only with MENTION_OWNERS=on, never for an ambiguous or unknown name, and never
one the LLM wrote."""

from __future__ import annotations

import json
import re
import sqlite3

from bot.sim.slack.wire import BOT_USER_ID
from tests.e2e.people import (
    CHANNEL,
    block_text,
    blocks_problems,
    button,
    mention,
    recapped,
    recaps,
    share_event,
    text_of,
    wait_reaction,
    wait_replies,
)

MEETING = [
    ("A", 0, 6000, "Good morning, this is the launch sync for the new pricing page."),
    ("B", 6000, 12000, "Dana, can you review the vendor contract by Thursday?"),
    ("A", 12000, 18000, "Priya, can you send the pricing budget to finance by Friday?"),
    ("C", 18000, 24000, "Alex, can you book the big room for the offsite next week?"),
    ("B", 24000, 30000, "We decided to let Priya own the pricing launch plan."),
    ("C", 30000, 36000, "I will send the offsite agenda to everyone tomorrow."),
]
MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def seat_the_channel(stage) -> None:
    """Alice, Bob, one Priya and two Alexes in the meetings channel."""
    stage.slack.add_channel(CHANNEL, members=["U0ALICE", "U0BOB", BOT_USER_ID])
    stage.slack.add_member("U1PRIYA", "Priya Shah", "priya", channels=[CHANNEL])
    stage.slack.add_member("U1ALEXK", "Alex Kim", channels=[CHANNEL])
    stage.slack.add_member("U1ALEXR", "Alex Roy", channels=[CHANNEL])


async def meeting(stage, app) -> str:
    seat_the_channel(stage)
    return await recapped(stage, app, "launch.mp3", utterances=MEETING)


def sent_mentions(stage) -> list[str]:
    """Every active user mention in what the app posted or edited."""
    return [m for c in stage.slack.calls() if c.method in ("chat.postMessage", "chat.update")
            for m in MENTION.findall(json.dumps(c.args))]


async def click_as(stage, app, message, action_id: str, user: str = "U0ALICE") -> None:
    value = button(message, action_id)["value"]
    status, _ = await stage.slack.click(app.events_url, channel=message.channel,
                                        message_ts=message.ts, action_id=action_id,
                                        value=value, user=user)
    assert status == 200


def open_recap_row(stage) -> str:
    """The first stored recap, as an operator reads it from DATABASE_PATH."""
    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        return db.execute("SELECT data FROM recaps ORDER BY id LIMIT 1").fetchone()[0]


def fields(modal) -> dict[str, dict]:
    return {b["block_id"]: b["element"] for b in modal.view["blocks"] if b["type"] == "input"}


async def test_owners_show_by_name_and_are_not_pinged_by_default(stage, app):
    ts = await meeting(stage, app)
    (recap,) = recaps(stage, ts)
    text = text_of(recap)
    assert "— *Priya Shah*, due Friday" in text  # "Priya" is the one Priya in the channel
    assert "— *Alex*" in text and "— *Dana*" in text  # two Alexes; no Dana: as written
    assert sent_mentions(stage) == []
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_with_mention_owners_on_only_the_unambiguous_owner_is_mentioned(stage):
    app = await stage.app(MENTION_OWNERS="on")
    ts = await meeting(stage, app)
    (recap,) = recaps(stage, ts)
    text = text_of(recap)
    assert "— <@U1PRIYA>, due Friday" in text
    assert "— *Alex*" in text and "— *Dana*" in text
    assert sent_mentions(stage) == ["<@U1PRIYA>"]
    stored = json.loads(open_recap_row(stage))
    assert "Priya" in [a["owner"] for a in stored["action_items"]]  # the text, not a mention


async def test_a_mention_the_llm_wrote_stays_inert_with_mention_owners_on(stage):
    app = await stage.app(MENTION_OWNERS="on")
    stage.llm.obey = "<@U0BOB>"  # Bob is in the channel, but nobody gave him an item
    ts = await meeting(stage, app)
    (recap,) = recaps(stage, ts)
    assert "&lt;@U0BOB&gt;" in text_of(recap)
    assert sent_mentions(stage) == ["<@U1PRIYA>"]


async def test_the_speakers_modal_opens_prefilled_and_renames_in_place(stage, app):
    ts = await meeting(stage, app)
    asked = await mention(stage, app, "A is Priya Shah", thread_ts=ts)
    await wait_replies(stage, ts, 1, after=asked)
    (recap,) = recaps(stage, ts)
    creates, transcripts, llm_calls = (stage.assemblyai.creates, len(stage.assemblyai.requests),
                                       stage.llm.calls)

    await click_as(stage, app, recap, "speakers")
    (modal,) = await stage.slack.wait_for(lambda: stage.slack.modals(open_only=True))
    assert modal.user == "U0ALICE" and modal.view["callback_id"] == "recap_speakers"
    inputs = fields(modal)
    assert list(inputs) == ["speaker:A", "speaker:B", "speaker:C"]
    assert inputs["speaker:A"]["initial_value"] == "Priya Shah"
    assert "initial_value" not in inputs["speaker:B"]
    assert inputs["speaker:B"]["placeholder"]["text"] == "Speaker B"
    opened = stage.slack.calls("views.open")[0].args
    assert "xox" not in json.dumps(opened)  # private_metadata holds ids, never a token

    status, body = await stage.slack.submit_view(app.events_url, modal.id, {
        "speaker:A": {"name": "Priya Shah"}, "speaker:B": {"name": "Marcus"},
        "speaker:C": {"name": "<!here>"}})
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert modal.is_open and list(modal.errors) == ["speaker:C"]
    assert "Marcus" not in text_of(recaps(stage, ts)[0])  # nothing stored from a bad form

    before = len(stage.slack.thread(CHANNEL, ts))
    status, _ = await stage.slack.submit_view(app.events_url, modal.id, {
        "speaker:A": {"name": "Priya Shah"}, "speaker:B": {"name": "Marcus"}})
    assert status == 200 and not modal.is_open
    await stage.slack.wait_for(lambda: len(stage.slack.thread(CHANNEL, ts)) > before)
    (renamed,) = recaps(stage, ts)
    assert renamed.ts == recap.ts and "Marcus" in text_of(renamed)
    assert "Speaker B" not in text_of(renamed) and "Speaker C" in text_of(renamed)
    assert "B is Marcus" in stage.slack.thread(CHANNEL, ts)[-1].text

    # Emptying a prefilled field takes the name away: the letter is back, in place.
    await click_as(stage, app, renamed, "speakers")
    again = await stage.slack.wait_for(lambda: stage.slack.modals(open_only=True))
    assert fields(again[0])["speaker:B"]["initial_value"] == "Marcus"
    before = len(stage.slack.thread(CHANNEL, ts))
    status, _ = await stage.slack.submit_view(app.events_url, again[0].id, {
        "speaker:A": {"name": "Priya Shah"}, "speaker:B": {"name": ""}})
    assert status == 200
    await stage.slack.wait_for(lambda: len(stage.slack.thread(CHANNEL, ts)) > before)
    (unnamed,) = recaps(stage, ts)
    assert unnamed.ts == recap.ts and "Marcus" not in text_of(unnamed)
    assert "Speaker B" in text_of(unnamed) and "Priya Shah" in text_of(unnamed)
    assert stage.slack.thread(CHANNEL, ts)[-1].text == "Got it: B is Speaker B again."
    assert (stage.assemblyai.creates, len(stage.assemblyai.requests), stage.llm.calls) == (
        creates, transcripts, llm_calls)
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_the_speakers_modal_works_over_socket_mode(stage):
    await stage.app(SLACK_APP_TOKEN=stage.slack.app_token, SLACK_SIGNING_SECRET="")
    seat_the_channel(stage)
    envelope = share_event(stage, "launch.mp3", utterances=MEETING)
    ts = envelope["event"]["ts"]
    await stage.slack.socket_send("events_api", envelope)
    await wait_reaction(stage, ts, "white_check_mark")
    (recap,) = recaps(stage, ts)
    llm_calls = stage.llm.calls

    click = stage.slack.click_payload(channel=CHANNEL, message_ts=recap.ts, action_id="speakers",
                                      value=button(recap, "speakers")["value"])
    await stage.slack.socket_send("interactive", click)
    (modal,) = await stage.slack.wait_for(lambda: stage.slack.modals(open_only=True))
    ack = await stage.slack.socket_submit_view(modal.id, {"speaker:C": {"name": "x" * 81}})
    assert ack["payload"]["response_action"] == "errors" and modal.is_open
    await stage.slack.socket_submit_view(modal.id, {"speaker:C": {"name": "Dana Wu"}})
    assert not modal.is_open
    await stage.slack.wait_for(lambda: "Dana Wu" in text_of(recaps(stage, ts)[0]))
    assert stage.llm.calls == llm_calls and stage.assemblyai.creates == 1


async def test_my_items_answers_only_the_clicker(stage, app):
    ts = await meeting(stage, app)
    (recap,) = recaps(stage, ts)
    posts = stage.slack.count("chat.postMessage")

    await click_as(stage, app, recap, "my_items", user="U1PRIYA")
    (mine,) = await stage.slack.wait_for(lambda: stage.slack.ephemerals(CHANNEL))
    assert mine.user == "U1PRIYA" and mine.thread_ts == ts
    shown = block_text(mine.blocks)
    assert "Send the pricing budget to finance" in shown and "[00:12]" in shown
    assert "Priya, can you send the pricing budget to finance by Friday?" in shown  # the quote
    assert "let Priya own the pricing launch plan" in shown  # a decision naming her
    assert "vendor contract" not in shown and "big room" not in shown

    await click_as(stage, app, recap, "my_items", user="U0BOB")
    await stage.slack.wait_for(lambda: len(stage.slack.ephemerals(CHANNEL)) == 2)
    theirs = stage.slack.ephemerals(CHANNEL)[1]
    assert theirs.user == "U0BOB" and theirs.text == "Nothing for you in this one."
    assert stage.slack.count("chat.postMessage") == posts  # nothing in the channel


async def test_my_items_follow_a_speaker_renamed_to_the_clicker(stage, app):
    ts = await meeting(stage, app)
    asked = await mention(stage, app, "C is Alice Example", thread_ts=ts)
    await wait_replies(stage, ts, 1, after=asked)
    (recap,) = recaps(stage, ts)
    await click_as(stage, app, recap, "my_items", user="U0ALICE")
    (mine,) = await stage.slack.wait_for(lambda: stage.slack.ephemerals(CHANNEL))
    assert "— *Alice Example*, due tomorrow" in text_of(recap)  # C, renamed and a member
    assert mine.user == "U0ALICE"
    assert "Send the offsite agenda to everyone tomorrow" in block_text(mine.blocks)
    assert "pricing budget" not in block_text(mine.blocks)


async def test_a_modal_submitted_after_a_forget_says_the_recording_is_gone(stage, app):
    ts = await meeting(stage, app)
    (recap,) = recaps(stage, ts)
    await click_as(stage, app, recap, "speakers")
    (modal,) = await stage.slack.wait_for(lambda: stage.slack.modals(open_only=True))
    await click_as(stage, app, recap, "forget")
    await stage.slack.wait_for(lambda: "deleted" in stage.slack.thread(CHANNEL, ts)[-1].text)
    edits = recaps(stage, ts)[0].edits

    status, body = await stage.slack.submit_view(app.events_url, modal.id,
                                                 {"speaker:A": {"name": "Marcus"}})
    assert status == 200 and json.loads(body)["response_action"] == "update"
    assert modal.is_open and "deleted" in block_text(modal.view["blocks"])
    assert recaps(stage, ts)[0].edits == edits and "Marcus" not in text_of(recaps(stage, ts)[0])


async def test_a_modal_slack_will_not_open_is_explained_privately(stage, app):
    ts = await meeting(stage, app)
    (recap,) = recaps(stage, ts)
    stage.slack.trigger_ttl = -1.0  # every trigger_id has expired by the time it is used
    await click_as(stage, app, recap, "speakers", user="U0BOB")
    (shown,) = await stage.slack.wait_for(lambda: stage.slack.ephemerals(CHANNEL))
    assert shown.user == "U0BOB" and "expired_trigger_id" in shown.text
    assert stage.slack.modals() == []


async def test_in_a_channel_too_big_to_list_whole_nobody_is_mentioned(stage):
    app = await stage.app(MENTION_OWNERS="on")
    seat_the_channel(stage)
    for n in range(50):  # more people than Recap lists: another Priya may be among them
        stage.slack.add_member(f"U2P{n:04d}", f"Person {n}", channels=[CHANNEL])
    ts = await recapped(stage, app, "launch.mp3", utterances=MEETING)
    (recap,) = recaps(stage, ts)
    assert "— *Priya*, due Friday" in text_of(recap)
    assert sent_mentions(stage) == []
