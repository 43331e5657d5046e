"""A transcript that ended in error at AssemblyAI is not a cache hit: a Retry, or the same file
shared again, submits the recording again instead of polling the failed id forever."""

from __future__ import annotations

from bot.sim.assemblyai import HTML_ERROR
from tests.e2e.people import (
    button,
    click,
    recaps,
    row,
    rows,
    say,
    share,
    statuses,
    text_of,
    wait_reaction,
)


async def test_retry_after_assemblyai_failed_submits_again_and_posts_the_recap(stage, app):
    stage.assemblyai.script("*", error=HTML_ERROR)  # e.g. the file host was briefly down
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")
    (failed,) = statuses(stage, thread)
    (failed_id,) = stage.assemblyai.transcript_ids

    stage.assemblyai.script("*")  # AssemblyAI can transcribe it now
    await click(stage, app, failed, "retry", button(failed, "retry")["value"])
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.creates == 2
    assert [r.path for r in stage.assemblyai.requests if r.method == "DELETE"] == [
        f"/v2/transcript/{failed_id}"]  # no orphan left at AssemblyAI
    job = row(stage)
    assert job["state"] == "posted" and job["transcript_id"] != failed_id
    assert "Recap ready" in text_of(statuses(stage, thread)[0])
    assert len(recaps(stage, thread)) == 1


async def test_the_same_link_posted_again_after_a_failure_is_transcribed_again(stage, app):
    link = "https://media.example.com/town-hall.mp3"  # its host was briefly down
    stage.assemblyai.script(link, error=HTML_ERROR)
    first = await say(stage, app, f"Yesterday's town hall: <{link}>")
    await wait_reaction(stage, first, "x")

    stage.assemblyai.script(link)
    second = await say(stage, app, f"Trying again: <{link}>")
    await wait_reaction(stage, second, "white_check_mark")

    assert stage.assemblyai.creates == 2
    assert {r["thread_ts"]: r["state"] for r in rows(stage)} == {first: "failed",
                                                                  second: "posted"}
    assert len(recaps(stage, second)) == 1
