"""A job's state where it changes: a job that no start can finish is given up (not resumed at
every restart forever), and a Retry pressed while its failure is still being posted runs."""

from __future__ import annotations

import sqlite3

from tests.e2e.people import (
    CHANNEL,
    button,
    click,
    recaps,
    row,
    share,
    statuses,
    text_of,
    wait_reaction,
)


async def test_a_job_three_starts_did_not_finish_is_failed_and_retry_runs_it_again(stage, app):
    stage.llm.delay("/v1/chat/completions", 30)  # every start is killed while summarizing
    thread = await share(stage, app)
    for start in (1, 2, 3):
        await stage.slack.wait_for(lambda start=start: stage.llm.count("POST") == start)
        await app.kill()
        app = await stage.app()  # same DATABASE_PATH: resumes the job, or gives it up

    await wait_reaction(stage, thread, "x")
    (failed,) = statuses(stage, thread)
    assert "gave up" in text_of(failed) and "3 tries" in text_of(failed)
    job = row(stage)
    assert job["state"] == "failed" and "gave up" in job["error"] and job["attempts"] == 3
    assert stage.llm.count("POST") == 3  # the fourth start spent nothing
    assert recaps(stage, thread) == []

    stage.llm.delay("/v1/chat/completions", 0)
    await click(stage, app, failed, "retry", button(failed, "retry")["value"])
    await wait_reaction(stage, thread, "white_check_mark")
    assert "Recap ready" in text_of(statuses(stage, thread)[0])
    assert len(recaps(stage, thread)) == 1 and stage.assemblyai.creates == 1
    assert row(stage)["state"] == "posted" and row(stage)["attempts"] == 1


async def test_retry_clicked_while_the_failure_is_still_being_posted_runs_the_job(stage, app):
    stage.llm.unknown_model = True
    stage.slack.delay("reactions.add", 1.5)  # the failure's ❌ is slow: the job is still running
    thread = await share(stage, app)
    (failed,) = await stage.slack.wait_for(
        lambda: [s for s in statuses(stage, thread) if "LLM_MODEL" in text_of(s)] or None)
    stage.llm.unknown_model = False
    await click(stage, app, failed, "retry", button(failed, "retry")["value"])
    stage.slack.delay("reactions.add", 0)

    await wait_reaction(stage, thread, "white_check_mark")
    assert row(stage)["state"] == "posted" and len(recaps(stage, thread)) == 1


async def test_forget_while_a_new_style_is_being_made_leaves_no_recap_behind(stage, app):
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")
    recap = recaps(stage, thread)[-1]
    stage.llm.delay("/v1/chat/completions", 1.5)  # the brief recap is being written...
    calls = stage.llm.count("POST")
    await click(stage, app, recap, "restyle:brief")
    await stage.slack.wait_for(lambda: stage.llm.count("POST") == calls + 1)
    await click(stage, app, recap, "forget")  # ...when someone forgets the recording
    await stage.slack.wait_for(lambda: stage.assemblyai.deletes == 1)

    said = await stage.slack.wait_for(lambda: [
        m.text for m in stage.slack.thread(CHANNEL, thread) if "while its recap" in m.text])
    assert "deleted (Forget)" in said[0]
    assert stored(stage) == {"recaps": 0, "transcripts": 0, "jobs": 0}
    assert len(recaps(stage, thread)) == 1  # the brief one was never posted


def stored(stage) -> dict[str, int]:
    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("recaps", "transcripts", "jobs")}
