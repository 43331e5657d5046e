"""The SQLite store, on real database files: caching, jobs, concurrency, privacy, crash safety."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.feedback import Tally, Vote
from bot.core.recap import ActionItem, Recap, Topic
from bot.core.transcript import Transcript, Utterance
from bot.edges.store import MIGRATIONS, Job, Store
from bot.edges.store.postgres import PgStore

ROOT = Path(__file__).resolve().parents[2]
SECRET = "the purple giraffe quartet rehearses at dawn"


def transcript(tid: str = "tx-1", text: str = "Let's ship the beta on Friday.") -> Transcript:
    return Transcript(
        id=tid,
        utterances=(
            Utterance("A", 0, 4000, text),
            Utterance("B", 4000, 9000, "Agreed, I'll write the release notes."),
        ),
        language="en",
        duration_ms=9000,
        speech_model="universal",
    )


def recap(tid: str = "tx-1", tldr: str = "Beta ships Friday.") -> Recap:
    return Recap(
        transcript_id=tid,
        style="topics",
        tldr=tldr,
        topics=[Topic("Release", "Beta on Friday", 0, ["A", "B"])],
        action_items=[ActionItem("Write release notes", owner="B", start_ms=4000)],
        decisions=["Ship the beta on Friday"],
        text=f"*TL;DR* {tldr}",
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """The contract holds on both backends: SQLite in a temp file, PostgreSQL in a fresh DB."""
    if request.param == "postgres":
        s: Any = await PgStore.open(request.getfixturevalue("pg_url"))
    else:
        s = await Store.open(str(tmp_path / "recap.db"))
    yield s
    await s.close()


async def new_job(store: Store, key: str = "T1:slack:F1:C1:1700.1", **fields: object) -> Job:
    job, _ = await store.create_job(
        dedupe_key=key, team_id="T1", channel="C1", thread_ts="1700.1", message_ts="1700.1",
        user_id="U1", source={"kind": "slack", "key": "slack:T1:F1"}, **fields)
    return job


async def test_a_saved_transcript_is_found_by_its_recording_and_its_id(store: Store) -> None:
    assert await store.find_transcript("slack:T1:F1") is None
    await store.save_transcript("slack:T1:F1", "T1", "standup.mp4", transcript())

    assert await store.find_transcript("slack:T1:F1") == transcript()
    assert await store.get_transcript("tx-1") == transcript()
    assert await store.find_transcript_id("slack:T1:F1") == "tx-1"
    assert await store.get_transcript("nope") is None


async def test_a_submitted_id_is_remembered_before_the_transcript_exists(store: Store) -> None:
    await store.link_recording("url:T1:https://example.com/a.mp3", "T1", "a.mp3", "tx-9")

    assert await store.find_transcript_id("url:T1:https://example.com/a.mp3") == "tx-9"
    assert await store.find_transcript("url:T1:https://example.com/a.mp3") is None
    await store.save_transcript("url:T1:https://example.com/a.mp3", "T1", "a.mp3",
                                transcript("tx-9"))
    assert (await store.find_transcript("url:T1:https://example.com/a.mp3")).id == "tx-9"


async def test_two_workspaces_never_share_a_recording(store: Store) -> None:
    await store.save_transcript("slack:T1:F123", "T1", "call.mp4", transcript())

    assert await store.find_transcript("slack:T2:F123") is None
    assert await store.find_transcript_id("slack:T2:F123") is None
    with pytest.raises(ValueError, match="does not name team"):
        await store.save_transcript("slack:T1:F123", "T2", "call.mp4", transcript())
    with pytest.raises(ValueError):
        await store.link_recording("slack:F123", "T2", "call.mp4", "tx-2")


async def test_a_recap_round_trips_and_a_resave_keeps_its_id(store: Store) -> None:
    assert await store.find_recap("k1") is None
    await store.save_transcript("slack:T1:F1", "T1", "call.mp4", transcript("tx-1"))
    rid = await store.save_recap("k1", transcript_id="tx-1", team_id="T1", style="topics",
                                 recap=recap())
    await store.save_judge(rid, {"accurate": True, "hallucinations": [], "missing": []})

    found = await store.find_recap("k1")
    assert found is not None and found[0] == rid
    assert found[1].tldr == "Beta ships Friday."
    assert found[1].action_items[0].owner == "B"
    assert found[1].judge == {"accurate": True, "hallucinations": [], "missing": []}

    again = await store.save_recap("k1", transcript_id="tx-1", team_id="T1", style="topics",
                                   recap=recap(tldr="Beta ships Monday."))
    assert again == rid
    newer = await store.get_recap(rid)
    assert newer is not None and newer.tldr == "Beta ships Monday."
    assert newer.judge is None  # the verdict was about the old text
    assert await store.get_recap(rid + 1) is None


async def test_a_job_round_trips_and_updates(store: Store) -> None:
    job = await new_job(store, style="brief", instructions="focus on dates")
    assert (job.state, job.attempts, job.style, job.source["key"]) == (
        "queued", 0, "brief", "slack:T1:F1")

    updated = await store.update_job(job.id, state="transcribing", transcript_id="tx-1",
                                     attempts=1)
    assert updated.state == "transcribing" and updated.transcript_id == "tx-1"
    assert updated.updated_at >= job.updated_at
    assert await store.get_job(job.id) == updated
    assert await store.get_job(job.id + 100) is None
    with pytest.raises(ValueError):
        await store.update_job(job.id, state="exploded")
    with pytest.raises(TypeError):
        await store.update_job(job.id, colour="red")
    with pytest.raises(LookupError):
        await store.update_job(job.id + 100, state="failed")


async def test_fifty_concurrent_creates_with_one_key_make_one_job(store: Store) -> None:
    results = await asyncio.gather(*(new_job_pair(store) for _ in range(50)))

    assert sum(created for _, created in results) == 1
    assert len({job.id for job, _ in results}) == 1


async def new_job_pair(store: Store) -> tuple[Job, bool]:
    return await store.create_job(dedupe_key="T1:slack:F1:C1:1700.1", team_id="T1", channel="C1")


async def test_claim_job_lets_exactly_one_task_run_a_job(store: Store) -> None:
    job = await new_job(store)

    wins = await asyncio.gather(
        *(store.claim_job(job.id, ["queued"], "transcribing") for _ in range(10)))
    assert wins.count(True) == 1
    assert not await store.claim_job(job.id, ("queued",), "transcribing")
    assert await store.claim_job(job.id, ("transcribing", "summarizing"), "summarizing")
    assert (await store.get_job(job.id)).state == "summarizing"


async def test_job_lookups_by_state_thread_channel_and_transcript(store: Store) -> None:
    first = await new_job(store, "k1")
    second = await new_job(store, "k2", transcript_id="tx-1")
    other_channel, _ = await store.create_job(dedupe_key="k3", team_id="T1", channel="C2",
                                              thread_ts="1800.1", message_ts="1800.2")
    await store.update_job(first.id, state="posted")

    assert [j.id for j in await store.unfinished_jobs()] == [second.id, other_channel.id]
    assert (await store.find_job_by_thread("T1", "C1", "1700.1")).id == second.id
    assert (await store.find_job_by_thread("T1", "C2", "1800.2")).id == other_channel.id
    assert await store.find_job_by_thread("T2", "C1", "1700.1") is None
    assert (await store.latest_job_in_channel("T1", "C1")).id == second.id
    assert await store.latest_job_in_channel("T2", "C1") is None
    assert [j.id for j in await store.find_jobs_by_transcript("tx-1")] == [second.id]


async def test_followups_and_seen_keys(store: Store) -> None:
    job = await new_job(store)
    await store.add_followup(job.id, "Who owns the notes?", "B does, at 00:04.")
    await store.add_followup(job.id, "When?", "Friday.")

    assert await store.followups(job.id) == [
        ("Who owns the notes?", "B does, at 00:04."), ("When?", "Friday.")]
    firsts = await asyncio.gather(*(store.mark_seen("Ev123") for _ in range(20)))
    assert firsts.count(True) == 1
    assert await store.mark_seen("Ev124")


async def test_a_burst_of_seen_keys_is_written_together_and_survives_a_reopen(
    tmp_path: Path,
) -> None:
    """SQLite's batching of seen keys (one thread, one transaction per burst), reopened by path;
    PostgreSQL's are single statements, covered by the contract tests."""
    store = await Store.open(str(tmp_path / "recap.db"))
    keys = [f"event:T1:Ev{n}" for n in range(200)]
    firsts = await asyncio.gather(*(store.mark_seen(k) for k in keys + keys[:50]))
    assert firsts[:200] == [True] * 200 and firsts[200:] == [False] * 50
    again = await Store.open(store.path)  # another connection reads what was committed
    try:
        assert await again.mark_seen(keys[0]) is False
        assert await again.mark_seen("event:T1:new") is True
    finally:
        await store.close()
        await again.close()


async def test_meta_and_integrity(store: Store) -> None:
    assert await store.get_meta("webhook_secret") is None
    await store.set_meta("webhook_secret", "s1")
    await store.set_meta("webhook_secret", "s2")
    assert await store.get_meta("webhook_secret") == "s2"
    assert await store.integrity_ok()


# SQLite-only from here to the PostgreSQL section: these open the database file itself (its bytes,
# its WAL, PRAGMA user_version/journal_mode, a writer killed mid-write on it). PostgreSQL has no
# such file; its equivalents (two pools on one database, migrations once, a newer schema refused)
# are at the end.


async def test_fifty_jobs_update_concurrently_from_two_connections(tmp_path: Path) -> None:
    """Two Stores on one file stand in for two processes: busy_timeout, not errors."""
    path = str(tmp_path / "recap.db")
    a, b = await Store.open(path), await Store.open(path)
    jobs = [await new_job(a, f"k{i}") for i in range(50)]
    done = asyncio.Event()

    async def run(job: Job, store: Store) -> None:
        await store.update_job(job.id, state="transcribing", transcript_id=f"tx-{job.id}")
        for n in range(3):
            await store.add_followup(job.id, f"q{n}", f"a{n}")
        await store.update_job(job.id, state="summarizing")
        await store.update_job(job.id, state="posted", recap_id=job.id)

    async def read() -> int:
        reads = 0
        while not done.is_set():
            for job in jobs[::5]:
                await b.followups(job.id)
                reads += 1
        return reads

    reader = asyncio.create_task(read())
    await asyncio.gather(*(run(job, a if i % 2 else b) for i, job in enumerate(jobs)))
    done.set()
    assert await reader > 0

    for job in jobs:
        stored = await a.get_job(job.id)
        assert stored is not None and stored.state == "posted" and stored.recap_id == job.id
        assert await a.followups(job.id) == [("q0", "a0"), ("q1", "a1"), ("q2", "a2")]
    assert await a.unfinished_jobs() == []
    await a.close()
    await b.close()


async def quoting_the_secret(store: Any) -> Job:
    """tx-1 says SECRET and so do its recap, its job's instructions and a follow-up; tx-2 not."""
    await store.save_transcript("slack:T1:F1", "T1", "secret.mp4", transcript("tx-1", SECRET))
    await store.save_transcript("slack:T1:F2", "T1", "other.mp4", transcript("tx-2"))
    await store.save_recap("k1", transcript_id="tx-1", team_id="T1", style="topics",
                           recap=recap("tx-1", SECRET))
    job = await new_job(store, transcript_id="tx-1", instructions=SECRET)
    await store.add_followup(job.id, "What rehearses?", SECRET)
    return job


async def test_forget_removes_the_text_for_good(tmp_path: Path) -> None:
    path = tmp_path / "recap.db"
    store = await Store.open(str(path))
    job = await quoting_the_secret(store)
    await store.link_recording("url:T1:https://example.com/s.mp3", "T1", "s.mp3", "tx-1")
    with sqlite3.connect(path) as raw:  # as if the process had stopped: all in the main file
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRET.encode() in path.read_bytes()

    removed = await store.forget_transcript("tx-1")

    assert sorted(removed) == ["slack:T1:F1", "url:T1:https://example.com/s.mp3"]
    assert await store.find_transcript("slack:T1:F1") is None
    assert await store.get_transcript("tx-1") is None
    assert await store.find_recap("k1") is None
    assert await store.get_job(job.id) is None
    assert await store.followups(job.id) == []
    assert await store.find_transcript("slack:T1:F2") == transcript("tx-2")
    wal = Path(f"{path}-wal")
    for file in (path, wal):
        assert not file.exists() or SECRET.encode() not in file.read_bytes(), file.name
    again = await new_job(store, "k-new")
    assert again.id > job.id  # a forgotten job's id (in old Slack buttons) never comes back
    assert await store.integrity_ok()
    await store.close()


async def test_expired_transcripts_include_old_unfinished_submissions(store: Store) -> None:
    await store.save_transcript("slack:T1:F1", "T1", "old.mp4", transcript("tx-old"))
    await store.link_recording("slack:T1:F2", "T1", "lost.mp4", "tx-lost")
    cutoff = time.time() + 1
    assert sorted(await store.expired_transcripts(cutoff)) == ["tx-lost", "tx-old"]
    assert await store.expired_transcripts(cutoff - 3600) == []


async def test_the_event_loop_stays_responsive_during_a_burst_of_writes(store: Store) -> None:
    """Writes run off the event loop: other tasks keep running while 300 of them are in
    flight (a store writing on the loop would let the ticker in only once, at the end). How
    long a gap may be is the bench's business (P1), not a test's."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    big = "words " * 2000
    await asyncio.gather(*(
        store.save_transcript(f"slack:T1:F{i}", "T1", "x.mp4", transcript(f"tx-{i}", big))
        for i in range(300)))
    stop.set()
    await tick
    assert len(gaps) > 3


async def test_reopening_runs_migrations_once(tmp_path: Path) -> None:
    path = str(tmp_path / "recap.db")
    store = await Store.open(path)
    await store.save_transcript("slack:T1:F1", "T1", "a.mp4", transcript())
    await store.close()
    await store.close()  # closing twice is harmless

    for _ in range(2):
        store = await Store.open(path)
        assert await store.get_transcript("tx-1") == transcript()
        await store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


WRITER = """
import asyncio, sys
from bot.edges.store import Store

async def main():
    store = await Store.open(sys.argv[1])
    i = 0
    while True:
        job, _ = await store.create_job(dedupe_key=f"k{i}", team_id="T1", source={"n": i})
        await store.update_job(job.id, state="transcribing", error="x" * 2000)
        await store.add_followup(job.id, "q" * 500, "a" * 5000)
        if i == 0:
            print("writing", flush=True)
        i += 1

asyncio.run(main())
"""


async def test_a_process_killed_while_writing_leaves_a_sound_database(tmp_path: Path) -> None:
    path = str(tmp_path / "recap.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, path, stdout=asyncio.subprocess.PIPE, env=env)
    assert proc.stdout is not None
    assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"writing\n"
    await asyncio.sleep(0.3)
    proc.kill()
    await proc.wait()

    store = await Store.open(path)
    assert await store.integrity_ok()
    written = await store.unfinished_jobs()
    assert len(written) > 1
    await store.close()


def test_both_stores_implement_the_whole_protocol():
    import inspect

    from bot.edges.store import StoreProtocol

    wanted = {n for n, v in vars(StoreProtocol).items() if inspect.iscoroutinefunction(v)}
    assert len(wanted) > 25
    for backend in (Store, PgStore):
        assert all(inspect.iscoroutinefunction(getattr(backend, name)) for name in wanted)


async def test_a_recap_is_not_stored_for_a_transcript_forgotten_meanwhile(store: Store) -> None:
    await store.save_transcript("slack:T1:F1", "T1", "call.mp4", transcript("tx-1"))
    await store.forget_transcript("tx-1")
    with pytest.raises(LookupError):
        await store.save_recap("k1", transcript_id="tx-1", team_id="T1", style="topics",
                               recap=recap())
    assert await store.find_recap("k1") is None


async def test_search_finds_passages_within_one_workspace_and_channel(store: Store) -> None:
    from bot.core.retrieval import fts_query

    await store.save_transcript("slack:T1:F1", "T1", "a.mp3",
                                transcript("tx-1", "The zeppelin budget is four thousand."))
    await store.save_transcript("slack:T2:F2", "T2", "b.mp3",
                                transcript("tx-2", "Another zeppelin, another workspace."))
    await new_job(store, transcript_id="tx-1")  # shared in channel C1
    query = fts_query("what about the zeppelin?")

    found = await store.search_passages("T1", query)
    assert [p.transcript_id for p in found] == ["tx-1"]  # never another workspace's
    assert "zeppelin budget" in found[0].text
    assert await store.search_passages("T1", query, channel="C1") == found
    assert await store.search_passages("T1", query, channel="C2") == []
    for odd in ('"unbalanced', "NEAR(", "a* -b AND OR"):
        assert isinstance(await store.search_passages("T1", fts_query(odd) or '""'), list)

    assert await store.recording_name("tx-1") == "a.mp3"
    assert await store.recording_name("tx-9") is None
    await store.forget_transcript("tx-1")
    assert await store.search_passages("T1", query) == []  # forgotten words are never found
    assert await store.recording_name("tx-1") is None


def vote(user: str = "U1", direction: str = "up", *, ts: str = "1700.2", kind: str = "recap",
         job_id: int | None = 1, transcript_id: str | None = "tx-1", style: str = "topics",
         at: float | None = None, team: str = "T1") -> Vote:
    return Vote(team_id=team, channel="C1", message_ts=ts, kind=kind,  # type: ignore[arg-type]
                job_id=job_id, transcript_id=transcript_id, style=style, user_id=user,
                direction=direction, at=time.time() if at is None else at)  # type: ignore[arg-type]


async def test_speaker_names_are_set_renamed_and_taken_away(store: Store) -> None:
    await store.set_speaker_names("T1", "tx-1", "C1", {"A": "Priya", "B": "Marcus"})
    await store.set_speaker_names("T1", "tx-1", "C1", {"A": "Priya Shah", "B": ""})
    await store.set_speaker_names("T1", "tx-1", "C1", {"C": ""})  # never named: nothing to do

    assert await store.speaker_names("T1", "tx-1") == {"A": "Priya Shah"}
    assert await store.channel_speaker_names("T1", "C1") == ["Priya Shah"]
    assert await store.speaker_names("T2", "tx-1") == {}


async def test_a_vote_is_one_row_per_person_per_message_and_a_second_click_changes_it(
        store: Store) -> None:
    await store.record_vote(vote("U1", "up"))
    await store.record_vote(vote("U2", "down"))
    await store.record_vote(vote("U1", "down"))  # U1 changed their mind
    await store.record_vote(vote("U1", "up", ts="1700.3", kind="answer"))
    await store.record_vote(vote("U1", "up", team="T2"))  # another workspace's message
    assert await store.message_votes("T1", "C1", "1700.2") == {"U1": "down", "U2": "down"}
    assert await store.message_votes("T1", "C1", "1700.3") == {"U1": "up"}
    assert await store.message_votes("T1", "C1", "1700.9") == {}
    assert sorted(await store.vote_tallies(0)) == [
        Tally("answer", "topics", "up", 1), Tally("recap", "topics", "down", 2),
        Tally("recap", "topics", "up", 1)]


async def test_the_tally_counts_only_votes_since_a_time(store: Store) -> None:
    now = time.time()
    await store.record_vote(vote("U1", "up", at=now - 40 * 86400))
    await store.record_vote(vote("U2", "down", style="brief", at=now - 86400))
    assert await store.vote_tallies(now - 30 * 86400) == [Tally("recap", "brief", "down", 1)]
    with pytest.raises(Exception):  # noqa: B017 (sqlite3 and psycopg raise their own kinds)
        await store.record_vote(vote("U3", "sideways"))


async def test_forgetting_a_recording_deletes_its_votes(store: Store) -> None:
    await store.save_transcript("slack:T1:F1", "T1", "a.mp3", transcript("tx-1"))
    job = await new_job(store, transcript_id="tx-1")
    await store.record_vote(vote("U1", "up", job_id=job.id))
    await store.record_vote(vote("U1", "down", ts="1700.5", kind="answer", job_id=job.id))
    await store.record_vote(vote("U2", "up", ts="1800.1", job_id=None, transcript_id=None,
                                 kind="answer"))  # an answer across the channel's recordings
    failed = await new_job(store, "k-failed", transcript_id=None)
    await store.record_vote(vote("U1", "up", ts="1900.1", job_id=failed.id, transcript_id=None))

    await store.forget_transcript("tx-1")
    await store.forget_job(failed.id)
    assert await store.message_votes("T1", "C1", "1700.2") == {}
    assert await store.message_votes("T1", "C1", "1700.5") == {}
    assert await store.message_votes("T1", "C1", "1900.1") == {}
    assert await store.message_votes("T1", "C1", "1800.1") == {"U2": "up"}


# PostgreSQL-only: what the SQLite-file tests above check, on a server instead of a file.


async def test_two_postgres_stores_on_one_database_share_jobs_and_keys(pg_url: str) -> None:
    """Two pools on one database stand in for two processes (web and worker)."""
    a, b = await PgStore.open(pg_url), await PgStore.open(pg_url)
    made = await asyncio.gather(*(s.create_job(dedupe_key="k", team_id="T1", channel="C1")
                                  for s in [a, b] * 10))
    assert sum(created for _, created in made) == 1
    job = made[0][0]
    wins = await asyncio.gather(*(s.claim_job(job.id, ["queued"], "transcribing")
                                  for s in [a, b] * 5))
    assert wins.count(True) == 1
    seen = await asyncio.gather(*(s.mark_seen("Ev1") for s in [a, b] * 5))
    assert seen.count(True) == 1
    assert (await b.get_job(job.id)).state == "transcribing"
    await a.close()
    await b.close()


async def test_postgres_migrates_once_and_refuses_a_newer_schema(pg_url: str) -> None:
    from bot.edges.store.postgres_schema import MIGRATIONS as PG_MIGRATIONS
    from bot.errors import ConfigError

    store = await PgStore.open(pg_url)
    await store.save_transcript("slack:T1:F1", "T1", "a.mp4", transcript())
    await store.close()
    await store.close()  # closing twice is harmless
    store = await PgStore.open(pg_url)
    assert await store.get_transcript("tx-1") == transcript()
    rows = await store._all("SELECT version FROM recap_schema_version")
    assert rows == [{"version": len(PG_MIGRATIONS)}]
    await store._all("UPDATE recap_schema_version SET version = version + 1")
    await store.close()

    with pytest.raises(ConfigError, match="newer than this Recap"):
        await PgStore.open(pg_url)


async def test_a_bad_database_url_fails_without_showing_its_password(pg_url: str) -> None:
    from bot.errors import ConfigError

    bad = pg_url.replace("postgres@", "postgres:hunter2-secret@").rsplit("/", 1)[0] + "/nope"
    with pytest.raises(ConfigError) as caught:
        await PgStore.open(bad)
    assert "hunter2-secret" not in str(caught.value)
    assert "nope" in str(caught.value)  # the operator still sees which database


async def test_postgres_forget_removes_every_row_that_quotes_the_transcript(pg_url: str) -> None:
    store = await PgStore.open(pg_url)
    job = await quoting_the_secret(store)

    assert await store.forget_transcript("tx-1") == ["slack:T1:F1"]

    assert await store.find_transcript("slack:T1:F1") is None
    assert await store.find_recap("k1") is None
    assert await store.get_job(job.id) is None and await store.followups(job.id) == []
    assert await store.is_forgotten("T1", "C1", "1700.1")
    assert await store.find_transcript("slack:T1:F2") == transcript("tx-2")
    for table in ("transcripts", "recaps", "jobs", "followups"):
        rows = await store._all(f"SELECT * FROM {table}")
        assert SECRET not in repr(rows), table
    again = await new_job(store, "k-new")
    assert again.id > job.id  # a forgotten job's id never comes back
    await store.close()
