"""Forget deletes a recording for good: its transcript, recaps, job and follow-up rows (and their
text, from the database file itself) and the transcript at AssemblyAI; later questions and
clicks in its thread get a polite refusal. RETENTION_DAYS does the same on a schedule."""

from __future__ import annotations

import glob
import sqlite3

from tests.e2e.people import (
    CHANNEL,
    block_text,
    button,
    click,
    command,
    deliver,
    share,
    text_of,
    wait_for_recap,
    wait_replies,
    with_button,
)

PHRASE = "zebra quartz protocol"
MEETING = [
    ("A", 0, 6000, f"Today we review the {PHRASE} for the vault migration."),
    ("B", 6000, 12000, f"We decided to freeze the {PHRASE} until the audit is done."),
    ("C", 12000, 18000, "Nadia, can you write the audit checklist by Thursday?"),
]
TABLES = ("jobs", "recaps", "recordings", "transcripts", "followups")


def db_path(stage) -> str:
    return f"{stage.workdir}/recap.db"


def rows(stage) -> dict[str, int]:
    with sqlite3.connect(db_path(stage)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def db_bytes(stage) -> bytes:
    """The database and its WAL as they lie on disk (where deleted text could linger)."""
    return b"".join(open(p, "rb").read() for p in glob.glob(f"{db_path(stage)}*"))


async def drop(stage, app, utterances=MEETING, name="vault.mp3") -> str:
    ts = await share(stage, app, name, utterances=utterances)
    await wait_for_recap(stage, ts)
    return ts


async def reply(stage, app, thread_ts: str, text: str, *, mention: bool = False) -> str:
    """A person writes in the thread; returns Recap's next message there."""
    make = stage.slack.app_mention if mention else stage.slack.user_message
    envelope = make(CHANNEL, text, thread_ts=thread_ts)
    assert (await deliver(stage, app, envelope))[0] == 200
    (found,) = await wait_replies(stage, thread_ts, 1, after=envelope["event"]["ts"])
    return text_of(found)


async def test_forget_in_the_thread_deletes_everything_here_and_at_assemblyai(stage, app):
    thread = await drop(stage, app)
    assert PHRASE in await reply(stage, app, thread, f"What about the {PHRASE}?")
    (transcript_id,) = stage.assemblyai.transcript_ids
    assert PHRASE.encode() in db_bytes(stage)

    prompt = await reply(stage, app, thread, "forget", mention=True)
    assert "Forget this recording?" in prompt and stage.assemblyai.deletes == 0
    forget = button(with_button(stage, thread, "forget"), "forget")
    assert forget["confirm"]["confirm"]["text"] == "Forget"  # Slack asks once more first
    await click(stage, app, with_button(stage, thread, "forget"), "forget")
    said = await stage.slack.wait_for(lambda: [
        m.text for m in stage.slack.thread(CHANNEL, thread) if "deleted" in m.text])

    assert "here and at AssemblyAI" in said[0]
    assert [(r.method, r.path) for r in stage.assemblyai.requests if r.method == "DELETE"] == [
        ("DELETE", f"/v2/transcript/{transcript_id}")]
    assert rows(stage) == dict.fromkeys(TABLES, 0)
    assert PHRASE.encode() not in db_bytes(stage)  # not even in free pages or the WAL

    calls = stage.llm.calls
    assert "deleted" in await reply(stage, app, thread, "Who owns the checklist?")
    assert "deleted" in await reply(stage, app, thread, "what was decided?", mention=True)
    await click(stage, app, with_button(stage, thread, "restyle:brief"), "restyle:brief")
    await stage.slack.wait_for(lambda: stage.slack.ephemerals(CHANNEL))
    assert "deleted" in stage.slack.ephemerals(CHANNEL)[0].text
    assert stage.llm.calls == calls and stage.assemblyai.creates == 1  # nothing made again


async def test_recap_forget_and_the_forget_button_on_the_recap(stage, app):
    kept = await drop(stage, app, [("A", 0, 5000, "The kept meeting talks about lunch.")], "a.mp3")
    thread = await drop(stage, app)
    status, _, _ = await command(stage, app, "forget")
    assert status == 200
    await stage.slack.wait_for(lambda: "Forget this recording?" in block_text(
        stage.slack.thread(CHANNEL, thread)[-1].blocks))  # asked in the latest recording's thread
    assert stage.assemblyai.deletes == 0

    job = button(with_button(stage, thread, "forget"), "forget")["value"]
    recap = with_button(stage, thread, "transcript")
    await click(stage, app, recap, "forget", job)
    await stage.slack.wait_for(lambda: stage.assemblyai.deletes == 1)
    await stage.slack.wait_for(lambda: PHRASE.encode() not in db_bytes(stage))

    assert rows(stage)["transcripts"] == 1  # the other recording is untouched
    assert "lunch" in await reply(stage, app, kept, "What about lunch?")


async def test_retention_days_purges_old_recordings_at_start(stage):
    app = await stage.app(RETENTION_DAYS="30")
    old = await drop(stage, app)
    recent = await drop(stage, app, [("A", 0, 5000, "The recent call was about lunch.")], "b.mp3")
    old_id = stage.assemblyai.transcript_ids[0]
    assert await app.stop() == 0
    with sqlite3.connect(db_path(stage)) as db:  # the first recording is now 31 days old
        for table, key in (("transcripts", "id"), ("recordings", "transcript_id")):
            db.execute(f"UPDATE {table} SET created_at = created_at - 31 * 86400 "
                       f"WHERE {key} = ?", [old_id])

    app = await stage.app(RETENTION_DAYS="30")
    await stage.slack.wait_for(lambda: stage.assemblyai.deletes == 1)
    await stage.slack.wait_for(lambda: PHRASE.encode() not in db_bytes(stage))

    assert [r.path for r in stage.assemblyai.requests if r.method == "DELETE"] == [
        f"/v2/transcript/{old_id}"]
    assert rows(stage)["transcripts"] == 1
    assert "deleted" in await reply(stage, app, old, "What was decided?")
    assert "lunch" in await reply(stage, app, recent, "What about lunch?")


async def test_forgetting_a_recording_that_failed_before_transcription_deletes_its_job(stage, app):
    thread = await share(stage, app, "merger-talks-kestrel.mp3", redirect_to="http://127.0.0.1:9/x")
    await stage.slack.wait_for(lambda: [m for m in stage.slack.thread(CHANNEL, thread)
                                        if m.text.startswith(":x:")])
    assert rows(stage)["jobs"] == 1 and b"merger-talks-kestrel" in db_bytes(stage)

    assert "Forget this recording?" in await reply(stage, app, thread, "forget", mention=True)
    await click(stage, app, with_button(stage, thread, "forget"), "forget")
    await stage.slack.wait_for(lambda: [m for m in stage.slack.thread(CHANNEL, thread)
                                        if "deleted" in m.text])

    assert rows(stage)["jobs"] == 0 and b"merger-talks-kestrel" not in db_bytes(stage)
    assert "deleted" in await reply(stage, app, thread, "and now?")
