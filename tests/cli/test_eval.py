"""`recap eval DIR`: summarize and judge every recording and transcript file of a folder."""

from __future__ import annotations

import json
import shutil

import pytest

from bot.sim.samples import SAMPLE_AUDIO
from tests.cli.votes import cast_votes
from tests.e2e.cli import recap, standup_txt

HEADER = ("file", "duration", "chunks", "LLM calls", "input tokens", "grounding dropped",
          "hallucinations", "missing", "accurate")


@pytest.fixture
def folder(tmp_path):
    """Two transcripts and one recording, and a file eval leaves alone."""
    folder = tmp_path / "meetings"
    folder.mkdir()
    (folder / "standup.txt").write_text(standup_txt())
    (folder / "standup.vtt").write_text("WEBVTT\n\n" + "".join(
        f"00:{n:02d}.000 --> 00:{n + 1:02d}.000\n<v Alice>{line.split(': ', 1)[1]}\n\n"
        for n, line in enumerate(standup_txt().splitlines()[:20])))
    shutil.copy(SAMPLE_AUDIO, folder / "recording.wav")
    (folder / "notes.md").write_text("not a recording")
    return str(folder)


async def test_one_table_row_per_file_and_totals(stage, folder):
    ran = await recap(stage, "eval", folder)

    assert ran.code == 0, ran.err
    header, rule, *rows, _, total = ran.out.strip().splitlines()
    assert header.split("  ")[0] == "file" and all(title in header for title in HEADER)
    assert set(rule) == {"-", " "}
    assert [row.split()[0] for row in rows] == ["recording.wav", "standup.txt", "standup.vtt"]
    assert rows[0].split()[1] == "03:54" and rows[0].split()[-1] == "yes"
    assert total.split()[0] == "total" and total.split()[-1] == "3/3"
    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1  # the .wav only
    assert [c.schema for c in stage.llm.completions] == ["recap", "judge"] * 3


async def test_json_for_machines_counts_what_each_file_cost(stage, folder):
    stage.llm.hallucinate = stage.llm.hallucinate_prose = True

    ran = await recap(stage, "eval", folder, "--json", "--style", "brief", CHUNK_TOKENS="700")

    report = json.loads(ran.out)
    files = {row["file"]: row for row in report["files"]}
    assert ran.code == 1  # a recap was flagged
    assert list(files) == ["recording.wav", "standup.txt", "standup.vtt"]
    standup = files["standup.txt"]
    assert standup["duration_ms"] == 230_000 and standup["chunks"] >= 2
    assert standup["llm_calls"] == standup["chunks"] + 1 + standup["verdict"]["chunks"]
    assert standup["input_tokens"] > 1000
    assert standup["hallucinations"] == 1 and standup["accurate"] is False
    assert report["totals"]["llm_calls"] == stage.llm.calls
    assert report["totals"]["input_tokens"] == stage.llm.input_tokens
    assert report["model"] == "claude-sonnet-4-6" and report["style"] == "brief"


async def test_grounding_drops_are_counted(stage, folder):
    stage.llm.hallucinate = True  # an invented action item, dropped for lack of evidence

    ran = await recap(stage, "eval", folder, "--json")

    rows = json.loads(ran.out)["files"]
    assert ran.code == 0 and [row["dropped"] for row in rows] == [1, 1, 1]


async def test_a_folder_without_recordings_is_an_error(stage, tmp_path):
    ran = await recap(stage, "eval", str(tmp_path))

    assert ran.code == 2 and ran.out == ""
    assert ran.err.strip() == f"recap: {tmp_path} holds no recordings or transcript files."


async def test_a_file_that_fails_is_a_row_and_the_others_still_run(stage, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.srt").write_text("nothing to read here\n")
    (folder / "standup.txt").write_text(standup_txt())

    ran = await recap(stage, "eval", str(folder))

    assert ran.code == 2
    empty, standup = ran.out.strip().splitlines()[2:4]
    assert empty.split()[0] == "empty.srt" and empty.split()[-1] == "error"
    assert standup.split()[0] == "standup.txt" and standup.split()[-1] == "yes"
    assert "recap: empty.srt: empty.srt has no transcript text Recap can read." in ran.err


async def test_the_votes_from_slack_follow_the_table_and_are_in_the_json(stage, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "standup.txt").write_text(standup_txt())
    ran = await recap(stage, "eval", str(folder), "--json")
    assert json.loads(ran.out)["feedback"] == {"days": 30, "up": 0, "down": 0, "by": {}}
    await cast_votes(f"{stage.workdir}/recap.db")

    ran = await recap(stage, "eval", str(folder))
    assert ran.code == 0, ran.err
    table, feedback = ran.out.strip().split("\n\n")
    assert table.splitlines()[-1].startswith("total")
    assert feedback.splitlines() == ["Feedback (last 30 days): 2 👍 · 1 👎 (67 % helpful)",
                                     "  answer thread: 1 👍 · 0 👎", "  recap brief: 1 👍 · 1 👎"]
    report = json.loads((await recap(stage, "eval", str(folder), "--json")).out)
    assert report["feedback"] == {"days": 30, "up": 2, "down": 1, "by": {
        "answer thread": {"up": 1, "down": 0}, "recap brief": {"up": 1, "down": 1}}}
