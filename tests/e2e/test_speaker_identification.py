"""Names from the start: AssemblyAI's Speaker Identification names the diarized speakers with
the channel's people (members' names and names its earlier recordings were given), the recap
says who said what, and a speaker nobody could name stays "Speaker C". The stored transcript
keeps the letters; a transcript Recap already has is identified without transcribing it again."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.sim.stage import AppProcess, Stage
from tests.e2e.people import (
    CHANNEL,
    ask,
    bot_replies,
    button,
    click,
    command,
    mention,
    recapped,
    recaps,
    share,
    text_of,
    wait_reaction,
    wait_replies,
    with_button,
)

TURNS = [
    ("A", 0, 9000, "Morning. The export fix is merged; I will tag the release today."),
    ("B", 9100, 16000, "Great. I will update the release plan by Friday."),
    ("C", 16100, 21000, "Can we demo it to the customer next week?"),
    ("A", 21100, 26000, "Yes, we decided to demo it on Tuesday."),
]
NAMES = {"A": "Priya Shah", "B": "Marcus Lee", "C": "Dana Whitfield"}
OTHER = "C0RANDOM"  # registered with nobody but Recap in it: no names to offer


def recording(stage: Stage, name: str = "standup.mp3", names: dict[str, str] = NAMES,
              ) -> dict[str, Any]:
    """A new file in Slack whose speakers AssemblyAI knows to be `names`."""
    file = stage.slack.add_file(name, content=f"ID3 {name}".encode())
    stage.assemblyai.script(stage.slack.file_sha256(file), TURNS, names=names)
    return file


async def recapped_in(stage: Stage, app: AppProcess, file: dict[str, Any], channel: str) -> str:
    """`recapped`, in another channel."""
    ts = await share(stage, app, file, channel=channel)
    await wait_reaction(stage, ts, "white_check_mark", channel=channel)
    return ts


def with_members(stage: Stage, channel: str = CHANNEL) -> None:
    stage.slack.add_member("U0PRIYA", "Priya Shah", channels=[channel])
    stage.slack.add_member("U0MARCUS", "Marcus Lee", "marcus", channels=[channel])


def creates(stage: Stage) -> list[dict[str, Any]]:
    return [r.json for r in stage.assemblyai.requests
            if r.method == "POST" and r.path == "/v2/transcript"]


def offered(body: dict[str, Any]) -> list[str]:
    return body["speech_understanding"]["request"]["speaker_identification"]["known_values"]


def names_stored(stage: Stage) -> dict[str, str]:
    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        return dict(db.execute("SELECT label, name FROM speaker_names").fetchall())


def stored_labels(stage: Stage) -> set[str]:
    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        (data,) = db.execute("SELECT data FROM transcripts").fetchone()
    return {u["speaker"] for u in json.loads(data)["utterances"]}


async def gateway_app(stage: Stage) -> AppProcess:
    """Recap with the simulated LLM Gateway serving Speech Understanding on its transcripts."""
    stage.slack.add_channel(OTHER)
    stage.llm.assemblyai = stage.assemblyai
    stage.llm.api_key = stage.assemblyai.api_key  # the Gateway takes the AssemblyAI key
    return await stage.app(ASSEMBLYAI_GATEWAY_URL=f"{stage.llm.base_url}/v1")


async def test_the_recap_names_the_channels_people_and_keeps_speaker_c(stage, app):
    with_members(stage)
    ts = await recapped(stage, app, recording(stage))

    (body,) = creates(stage)
    assert body["speaker_labels"] is True
    assert offered(body) == ["Priya Shah", "Marcus Lee"]
    (recap,) = recaps(stage, ts)
    text = text_of(recap)
    assert "Priya Shah" in text and "Marcus Lee" in text
    assert "Speaker A" not in text and "Speaker B" not in text
    assert "Speaker C" in text and "Dana" not in text  # not offered, so not guessed
    assert "Speakers: Priya Shah " in text  # the talk-time footer
    assert stored_labels(stage) == {"A", "B", "C"}  # the transcript keeps AssemblyAI's letters

    assert await ask(stage, app, ts, "What did Marcus Lee promise?")
    prompt = stage.llm.completions[-1].request["messages"][0]["content"]
    assert "Marcus Lee:" in prompt and "Speaker B:" not in prompt  # answers use the names too

    before = len(bot_replies(stage, ts))
    await click(stage, app, recap, "transcript")
    (shared,) = await stage.slack.wait_for(lambda: bot_replies(stage, ts)[before:])
    exported = stage.slack.file_bytes(shared.files[0]).decode()
    assert "] Priya Shah: Morning." in exported and "] Speaker C: Can we" in exported


async def test_a_name_given_in_the_channel_is_offered_for_its_next_recording(stage, app):
    with_members(stage)
    first = await recapped(stage, app, recording(stage))
    asked = await mention(stage, app, "C is Dana Whitfield", thread_ts=first)
    await wait_replies(stage, first, 1, after=asked)

    ts = await recapped(stage, app, recording(stage, "retro.mp3"))

    assert offered(creates(stage)[-1]) == ["Dana Whitfield", "Priya Shah", "Marcus Lee"]
    (recap,) = recaps(stage, ts)
    assert "Dana Whitfield" in text_of(recap) and "Speaker C" not in text_of(recap)


async def test_a_channel_without_names_transcribes_as_before(stage, app):
    stage.slack.add_channel(OTHER)
    ts = await recapped_in(stage, app, recording(stage), OTHER)

    (body,) = creates(stage)
    assert "speech_understanding" not in body
    assert stage.assemblyai.identifications == []
    assert "Speaker A" in text_of(recaps(stage, ts, channel=OTHER)[0])


async def test_identification_refused_is_a_normal_recap_with_letters(stage, app):
    with_members(stage)
    stage.assemblyai.fail_next("/v2/transcript", 400,
                               body={"error": "speaker_identification is not available"})
    ts = await recapped(stage, app, recording(stage))

    first, second = creates(stage)
    assert "speech_understanding" in first and "speech_understanding" not in second
    assert stage.assemblyai.transcriptions == 1
    text = text_of(recaps(stage, ts)[0])
    assert "Speaker A" in text and "Priya Shah" not in text


async def test_identification_that_ends_in_error_is_a_normal_recap_with_letters(stage, app):
    with_members(stage)
    stage.assemblyai.identification_status = "error"
    ts = await recapped(stage, app, recording(stage))

    (body,) = creates(stage)
    assert offered(body) == ["Priya Shah", "Marcus Lee"]  # asked, but nobody came back named
    text = text_of(recaps(stage, ts)[0])
    assert "Speaker A" in text and "Speaker B" in text and "Priya Shah" not in text
    assert names_stored(stage) == {}


async def test_a_transcript_recap_already_has_is_named_without_transcribing_again(stage):
    app = await gateway_app(stage)
    file = recording(stage)
    await recapped_in(stage, app, file, OTHER)  # nobody to offer in that channel
    assert stage.llm.understanding.requests == 0

    with_members(stage)
    ts = await recapped(stage, app, file)

    assert stage.assemblyai.transcriptions == 1 and len(creates(stage)) == 1
    assert stage.llm.understanding.answered == 1
    (run,) = [r.json for r in stage.llm.requests if r.path == "/v1/understanding"]
    assert run["transcript_id"] == stage.assemblyai.transcript_ids[0]
    text = text_of(recaps(stage, ts)[0])
    assert "Priya Shah" in text and "Marcus Lee" in text and "Speaker C" in text


async def test_a_later_identification_that_fails_leaves_the_letters(stage):
    app = await gateway_app(stage)
    file = recording(stage)
    await recapped_in(stage, app, file, OTHER)
    with_members(stage)
    stage.llm.fail_next("/v1/understanding", 503, times=10)

    ts = await recapped(stage, app, file)

    assert stage.assemblyai.transcriptions == 1
    assert "Speaker A" in text_of(recaps(stage, ts)[0])


async def test_a_name_a_person_gave_is_never_replaced(stage):
    app = await gateway_app(stage)
    file = recording(stage)
    first = await recapped_in(stage, app, file, OTHER)
    asked = await mention(stage, app, "A is Priya S", channel=OTHER, thread_ts=first)
    await wait_replies(stage, first, 1, channel=OTHER, after=asked)
    with_members(stage)

    ts = await recapped(stage, app, file)

    assert stage.llm.understanding.requests == 0  # named already: nothing to ask
    text = text_of(recaps(stage, ts)[0])
    assert "Priya S " in text and "Priya Shah" not in text


async def test_forget_removes_the_identified_names_too(stage, app):
    with_members(stage)
    ts = await recapped(stage, app, recording(stage))
    assert names_stored(stage) == {"A": "Priya Shah", "B": "Marcus Lee"}

    status, _, _ = await command(stage, app, "forget")
    assert status == 200
    await stage.slack.wait_for(lambda: any("forget" in str(m.blocks)
                                           for m in stage.slack.thread(CHANNEL, ts)[1:]))
    message = with_button(stage, ts, "forget")
    await click(stage, app, message, "forget", button(message, "forget")["value"])
    await stage.slack.wait_for(lambda: stage.assemblyai.deletes == 1)

    await stage.slack.wait_for(lambda: names_stored(stage) == {})  # deleted right after


async def test_names_said_in_a_recording_are_offered_when_it_is_identified_later(stage):
    app = await gateway_app(stage)
    said = [("A", 0, 5000, "Marcus, can you tag the release today?"),
            ("B", 5100, 9000, "Sure, Priya. I will tag it after lunch."),
            ("C", 9100, 12000, "And the demo is on Tuesday.")]
    file = stage.slack.add_file("sync.mp3", content=b"ID3 sync")
    stage.assemblyai.script(stage.slack.file_sha256(file), said,
                            names={"A": "Priya", "B": "Marcus", "C": "Dana"})
    await recapped_in(stage, app, file, OTHER)
    stage.slack.add_channel("C0QUIET")  # nobody there either: only what was said is offered

    ts = await recapped_in(stage, app, file, "C0QUIET")

    (run,) = [r.json for r in stage.llm.requests if r.path == "/v1/understanding"]
    assert run["speech_understanding"]["request"]["speaker_identification"][
        "known_values"] == ["Marcus", "Priya"]
    assert stage.assemblyai.transcriptions == 1
    text = text_of(recaps(stage, ts, channel="C0QUIET")[0])
    assert "Priya" in text and "Marcus" in text and "Speaker C" in text
