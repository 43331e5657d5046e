"""`recap doctor` with DATABASE_URL: the database line says the schema's version against this
Recap's, the Queue line counts the jobs and the live workers (failing while jobs wait with none);
`recap run` and `recap worker` refuse a database a newer Recap made, in one sentence."""

from __future__ import annotations

import psycopg

from tests.e2e.cli import recap
from tests.e2e.people import share
from tests.e2e.workers import HEARTBEAT, job_states, start_worker, stop


def report(out: str) -> dict[str, str]:
    return {line.split()[1]: line for line in out.splitlines()[:-1]}


async def doctor(stage, url: str) -> tuple[int, dict[str, str]]:
    ran = await recap(stage, "doctor", DATABASE_URL=url, WORKER_HEARTBEAT=HEARTBEAT)
    return ran.code, report(ran.out)


async def test_doctor_reports_the_schema_and_the_queue(stage, pg_url):
    code, lines = await doctor(stage, pg_url)
    assert code == 0, lines
    assert list(lines) == ["Slack", "AssemblyAI", "LLM", "Database", "Queue", "PUBLIC_URL",
                          "Feedback"]
    assert lines["Database"].startswith("ok ") and "applied by `recap migrate`" in lines["Database"]
    with psycopg.connect(pg_url) as conn:  # doctor changed nothing
        assert conn.execute("SELECT to_regclass('jobs')").fetchone() == (None,)

    web = await stage.app(DATABASE_URL=pg_url)
    await share(stage, web)  # enqueued, and no worker running
    code, lines = await doctor(stage, pg_url)
    assert code == 1
    assert lines["Database"].startswith("ok ") and "up to date" in lines["Database"]
    assert lines["Queue"].startswith("FAIL ") and "1 todo" in lines["Queue"]
    assert "start `recap worker`" in lines["Queue"]

    worker = await start_worker(stage, pg_url, "worker-1")
    try:
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"], timeout=30)
        code, lines = await doctor(stage, pg_url)
        assert code == 0, lines
        assert lines["Queue"].startswith("ok ") and "1 worker(s) alive" in lines["Queue"]
        assert "0 todo, 0 doing, 0 failed" in lines["Queue"]
    finally:
        await stop(worker)


async def test_a_newer_schema_is_refused_by_doctor_run_and_worker(stage, pg_url):
    assert (await recap(stage, "migrate", DATABASE_URL=pg_url)).code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE recap_schema_version SET version = version + 1")

    code, lines = await doctor(stage, pg_url)
    assert code == 1 and lines["Database"].startswith("FAIL ")
    assert "newer than this Recap's" in lines["Database"]
    for command in ("run", "worker"):
        ran = await recap(stage, command, DATABASE_URL=pg_url)
        assert ran.code == 1, (command, ran.err)
        assert "newer than this Recap's" in ran.err and "upgrade Recap" in ran.err, ran.err
