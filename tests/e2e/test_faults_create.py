"""The create is not idempotent: AssemblyAI took the request but the answer was lost (a reset,
a time-out). Recap looks for the transcript it may already have before creating again, so a
recording is transcribed once and no orphan is left that Forget could not delete."""

from __future__ import annotations

from tests.e2e.people import (
    FAST_RETRIES,
    click,
    recaps,
    row,
    share,
    wait_reaction,
)


def lists(stage) -> int:
    return sum(1 for r in stage.assemblyai.requests if r.method == "GET"
               and r.path == "/v2/transcript")


async def test_a_create_whose_answer_was_lost_is_found_not_made_twice(stage):
    app = await stage.app(**FAST_RETRIES)
    stage.assemblyai.drop_after_create(1)
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.creates == 1 and lists(stage) == 1
    (transcript_id,) = stage.assemblyai.transcript_ids
    assert row(stage)["transcript_id"] == transcript_id and len(recaps(stage, thread)) == 1

    await click(stage, app, recaps(stage, thread)[-1], "forget")  # and Forget reaches it
    await stage.slack.wait_for(lambda: stage.assemblyai.deletes == 1)
    assert stage.assemblyai.transcript(transcript_id)["status"] == "completed"
    assert [r.path for r in stage.assemblyai.requests if r.method == "DELETE"] == [
        f"/v2/transcript/{transcript_id}"]
