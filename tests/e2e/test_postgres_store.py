"""`recap run` with DATABASE_URL: the whole journey on a real PostgreSQL, and two web processes
on one database taking a doubled Slack delivery once."""

from __future__ import annotations

import psycopg
import pytest

from tests.e2e import cli
from tests.e2e.people import CHANNEL, deliver, recaps, share, share_event, wait_for_recap
from tests.e2e.workers import start_worker, stop


@pytest.fixture
async def worker(stage, pg_url):
    """With DATABASE_URL `recap run` only enqueues: one `recap worker` runs the jobs."""
    proc = await start_worker(stage, pg_url, "worker")
    yield proc
    await stop(proc)


def jobs(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT thread_ts, state FROM jobs ORDER BY id").fetchall()]


async def test_a_recording_is_recapped_with_everything_stored_in_postgres(stage, pg_url, worker):
    app = await stage.app(DATABASE_URL=pg_url)
    ts = await share(stage, app)
    await wait_for_recap(stage, ts)

    await stage.slack.wait_for(lambda: jobs(pg_url) == [(ts, "posted")], timeout=15)
    assert len(recaps(stage, ts)) == 1
    assert stage.assemblyai.creates == 1
    assert stage.slack.violations == []


async def test_a_doubled_delivery_at_the_other_web_process_makes_one_job(stage, pg_url, worker):
    first = await stage.app(DATABASE_URL=pg_url)
    second = await stage.app(DATABASE_URL=pg_url)
    envelope = share_event(stage)
    ts = str(envelope["event"]["ts"])

    assert (await deliver(stage, first, envelope))[0] == 200
    assert (await deliver(stage, second, envelope))[0] == 200  # same event id, no retry header
    await wait_for_recap(stage, ts)

    await stage.slack.wait_for(lambda: jobs(pg_url) == [(ts, "posted")], timeout=15)
    assert len(recaps(stage, ts)) == 1
    assert stage.assemblyai.creates == 1
    assert len(stage.slack.thread(CHANNEL, ts)) == 3  # the file, one status, one recap


async def test_recap_migrate_applies_the_schema_and_refuses_a_newer_one(stage, pg_url):
    ran = await cli.recap(stage, "migrate", DATABASE_URL=pg_url)
    assert ran.code == 0, ran.err
    assert "up to date" in ran.out
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE recap_schema_version SET version = version + 1")

    secret_url = pg_url.replace("postgres@", "postgres:hunter2-secret@")
    ran = await cli.recap(stage, "migrate", DATABASE_URL=secret_url)
    assert ran.code == 1
    assert "newer than this Recap" in ran.err
    assert "hunter2-secret" not in ran.out + ran.err
