"""Past one machine: `recap run` web processes enqueue, `recap worker` processes run the jobs,
all on one PostgreSQL; a worker killed with kill -9 mid-job leaves its job to another."""

from __future__ import annotations

import os

from tests.e2e.people import recaps, share, statuses
from tests.e2e.workers import job_states, queue_states, start_worker, stop


async def test_a_worker_runs_what_the_web_process_enqueued(stage, pg_url):
    web = await stage.app(DATABASE_URL=pg_url)
    worker = await start_worker(stage, pg_url, "worker-1")
    try:
        ts = await share(stage, web)
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"], timeout=30)
        assert len(recaps(stage, ts)) == 1
        assert stage.assemblyai.creates == 1
        assert queue_states(pg_url) == {"succeeded": 1}
        assert stage.slack.violations == []
    finally:
        await stop(worker)


async def test_two_webs_two_workers_and_a_worker_killed_mid_summary(stage, pg_url):
    """Recordings dropped across two web ports; the worker running them all is killed with -9
    while summarizing; the other worker takes them over by procrastinate's stalled-job sweep."""
    webs = [await stage.app(DATABASE_URL=pg_url), await stage.app(DATABASE_URL=pg_url)]
    first = await start_worker(stage, pg_url, "worker-1")
    second = None
    count = 6
    try:
        stage.llm.delay("/v1/chat/completions", 30)
        threads = [await share(stage, webs[i % 2], f"meeting-{i}.mp3") for i in range(count)]
        await stage.slack.wait_for(
            lambda: job_states(pg_url) == ["summarizing"] * count, timeout=30)
        first.kill()  # SIGKILL: no heartbeat, no cleanup, its jobs left "doing"
        await first.wait()
        stage.llm.delay("/v1/chat/completions", 0)
        second = await start_worker(stage, pg_url, "worker-2")

        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"] * count, timeout=60)
        for ts in threads:
            assert len(recaps(stage, ts)) == 1, ts
            assert len(statuses(stage, ts)) == 1, ts  # the same status message, edited
        with open(os.path.join(stage.workdir, "worker-2.log")) as log:
            assert log.read().count("retrying job") == count  # the sweep, not a restart
        assert stage.assemblyai.creates == count  # one transcription each, none repeated
        states = queue_states(pg_url)
        assert states.get("todo", 0) == 0 and states.get("doing", 0) == 0, states
        assert stage.slack.violations == []
    finally:
        for proc in (first, second):
            if proc is not None:
                await stop(proc)


async def test_a_web_process_starting_later_does_not_enqueue_a_queued_job_again(stage, pg_url):
    first = await stage.app(DATABASE_URL=pg_url)
    ts = await share(stage, first)  # no worker yet: the job waits in the queue
    await stage.app(DATABASE_URL=pg_url)  # its start resumes unfinished jobs
    assert queue_states(pg_url) == {"todo": 1}

    worker = await start_worker(stage, pg_url, "worker-1")
    try:
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"], timeout=30)
        assert len(recaps(stage, ts)) == 1
        assert queue_states(pg_url) == {"succeeded": 1}
    finally:
        await stop(worker)


async def test_the_database_password_is_in_no_log_line(stage, pg_url):
    secret_url = pg_url.replace("postgres@", "postgres:hunter2-secret@")
    web = await stage.app(DATABASE_URL=secret_url, LOG_LEVEL="DEBUG")
    worker = await start_worker(stage, secret_url, "worker-1", LOG_LEVEL="DEBUG")
    try:
        ts = await share(stage, web)
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"], timeout=30)
        assert len(recaps(stage, ts)) == 1
    finally:
        await stop(worker)
    for name in ("app.log", "worker-1.log"):
        with open(os.path.join(stage.workdir, name)) as log:
            text = log.read()
        assert text and "hunter2-secret" not in text, name
