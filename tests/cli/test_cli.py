"""`recap summarize` end to end: the real CLI in a child process, the AssemblyAI and LLM simulators
on loopback, configuration through the environment only. Assertions are what a person sees
(stdout, stderr, the exit code) and what each simulator received."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import inherited_environment
from bot.sim.assemblyai import SAMPLE_AUDIO, AssemblyAISim, sample_utterances
from bot.sim.llm import LLMSim
from tests.e2e.cli import PROGRESS_LINE, Ran, run_cli

NAMES = {"A": "Alice", "B": "Bob", "C": "Carmen"}
DESIGN_KEYS = {"transcript_id", "cached_transcript", "duration_ms", "language", "style", "tldr",
               "topics", "action_items", "decisions", "text"}


@dataclass
class Sims:
    assemblyai: AssemblyAISim
    llm: LLMSim
    workdir: Path

    def env(self, **overrides: str | None) -> dict[str, str]:
        """Recap's settings pointing at the simulators; an override of None removes a setting."""
        env = {
            **inherited_environment(),
            "ASSEMBLYAI_API_KEY": self.assemblyai.api_key,
            "ASSEMBLYAI_BASE_URL": self.assemblyai.base_url,
            "LLM_BASE_URL": f"{self.llm.base_url}/v1",
            "LLM_API_KEY": self.llm.api_key,
            "DATABASE_PATH": str(self.workdir / "recap.db"),
            "POLL_INTERVAL": "0.05",
        }
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    async def recap(self, *args: str, stdin: str | None = None, **env: str | None) -> Ran:
        """Run `recap ARGS...` (as `python -m bot`) in the work folder, which has no .env."""
        return await run_cli(*args, env=self.env(**env), cwd=self.workdir, stdin=stdin)

    def transcription_requests(self) -> int:
        return len(self.assemblyai.requests)


@pytest.fixture
async def sims(tmp_path: Path) -> AsyncIterator[Sims]:
    async with AssemblyAISim(processing_seconds=0.05) as assemblyai, LLMSim() as llm:
        yield Sims(assemblyai, llm, tmp_path)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """The sample stand-up's audio, as someone's file (the AssemblyAI sim transcribes it)."""
    path = tmp_path / "standup.wav"
    shutil.copy(SAMPLE_AUDIO, path)
    return path


def transcript_file(folder: Path, suffix: str) -> Path:
    """The sample stand-up as a transcript file, speakers by name."""
    turns = [(NAMES[s], start, end, text) for s, start, end, text in sample_utterances()]

    def clock(ms: int, comma: bool = False) -> str:
        stamp = f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}"
        return f"{stamp}{',' if comma else '.'}{ms % 1000:03d}"

    if suffix == ".vtt":
        cues = [f"{clock(a)} --> {clock(b)}\n<v {who}>{text}" for who, a, b, text in turns]
        body = "WEBVTT\n\n" + "\n\n".join(cues)
    elif suffix == ".srt":
        cues = [f"{i}\n{clock(a, True)} --> {clock(b, True)}\n{who}: {text}"
                for i, (who, a, b, text) in enumerate(turns, 1)]
        body = "\n\n".join(cues)
    else:
        body = "\n".join(f"[{a // 60000:02d}:{a // 1000 % 60:02d}] {who}: {text}"
                         for who, a, _, text in turns)
    path = folder / f"standup{suffix}"
    path.write_text(body + "\n", encoding="utf-8")
    return path


def assert_reads_like_a_recap(text: str, speakers: str = "A|B|C") -> None:
    """A TL;DR, topics with [mm:ss] and speakers, owned action items, decisions."""
    assert text.startswith("TL;DR\n") and text.endswith("\n") and not text.endswith("\n\n")
    assert re.search(rf"^  \[\d\d:\d\d\] .+ \(({speakers})(, ({speakers}))*\)$", text, re.M)
    assert re.search(r"^  \[ \] Send the draft to legal .* — Carmen, due Wednesday", text, re.M)
    assert "Decisions\n  • Move the launch to May twelfth" in text
    assert re.search(r"^Covered (0\d:\d\d) of \1$", text, re.M)  # all of it, to the second


def assert_one_sentence(run: Ran, sentence: str) -> None:
    """A failure: non-zero exit, nothing on stdout, one line on stderr, no traceback."""
    assert run.code != 0
    assert run.out == ""
    assert "Traceback" not in run.err
    assert run.complaint == f"recap: {sentence}"


# --- recordings ------------------------------------------------------------------------------


async def test_an_audio_file_prints_a_recap_and_shows_progress_on_stderr(sims, recording):
    run = await sims.recap("summarize", str(recording), CHUNK_TOKENS="400")

    assert run.code == 0, run.err
    assert_reads_like_a_recap(run.out)
    # stdout is the recap alone; stderr has each stage with the time since the start.
    assert not PROGRESS_LINE.search(run.out)
    steps = [line[8:] for line in run.progress]
    assert steps[:3] == ["Uploading standup.wav", "Transcribing audio", "Summarizing"]
    assert steps[3:] == [f"Summarizing part {n} of 3" for n in (1, 2, 3)] + [
        "Merging 3 parts", "Done"]
    # The recording was streamed up once and transcribed once, with speaker labels.
    assert sims.assemblyai.uploaded[0].sha256 == hashlib.sha256(recording.read_bytes()).hexdigest()
    (create,) = [r for r in sims.assemblyai.requests if r.path == "/v2/transcript"]
    assert create.json["speaker_labels"] is True
    # One map call per part, then reduce calls over their partial recaps.
    prompts = [c.request["messages"][-1]["content"] for c in sims.llm.completions]
    assert sum(f"part {n} of 3" in p for p in prompts for n in (1, 2, 3)) == 3
    assert "<partials>" in prompts[-1]
    assert "Covered 03:54 of 03:54" in run.out


async def test_a_video_file_is_uploaded_as_it_is(sims, tmp_path):
    video = tmp_path / "all-hands.mp4"
    video.write_bytes(b"\x00\x00\x00\x20ftypisom" + bytes(range(256)) * 64)

    run = await sims.recap("summarize", str(video))

    assert run.code == 0, run.err
    assert_reads_like_a_recap(run.out)
    assert "Uploading all-hands.mp4" in run.err
    (upload,) = sims.assemblyai.uploaded
    assert (upload.size, upload.sha256) == (
        video.stat().st_size, hashlib.sha256(video.read_bytes()).hexdigest())


async def test_a_link_is_handed_to_assemblyai_without_an_upload(sims):
    url = "https://media.example.com/calls/standup.mp3?sig=abc"

    run = await sims.recap("summarize", url)

    assert run.code == 0, run.err
    assert_reads_like_a_recap(run.out)
    assert sims.assemblyai.uploads == 0
    (create,) = [r for r in sims.assemblyai.requests if r.path == "/v2/transcript"]
    assert create.json["audio_url"] == url


async def test_a_private_link_is_refused_before_any_request(sims):
    run = await sims.recap("summarize", "http://169.254.169.254/latest/meta-data.mp3")

    assert_one_sentence(
        run, "That link points to a private or local address; Recap only takes public links.")
    assert sims.transcription_requests() == 0 and sims.llm.requests == []


# --- transcripts -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".vtt", ".srt", ".txt"])
async def test_a_transcript_file_needs_no_transcription(sims, tmp_path, suffix):
    path = transcript_file(tmp_path, suffix)

    # No AssemblyAI key at all: a transcript file does not need one.
    run = await sims.recap("summarize", str(path), ASSEMBLYAI_API_KEY=None)

    assert run.code == 0, run.err
    assert_reads_like_a_recap(run.out, speakers="Alice|Bob|Carmen")
    assert sims.transcription_requests() == 0
    assert sims.llm.calls == 1


async def test_transcript_text_on_stdin(sims, tmp_path):
    text = transcript_file(tmp_path, ".txt").read_text()

    run = await sims.recap("summarize", "-", "--json", stdin=text)

    assert run.code == 0, run.err
    recap = run.recap()
    assert recap["transcript_id"].startswith("local:")
    assert {s for t in recap["topics"] for s in t["speakers"]} == {"Alice", "Bob", "Carmen"}
    assert sims.transcription_requests() == 0
    # The same text again is the same transcript: its recap comes from the cache.
    again = await sims.recap("summarize", "-", "--json", stdin=text)
    assert again.recap()["cached_transcript"] is True
    assert sims.llm.calls == 1


async def test_empty_stdin_gets_one_sentence(sims):
    run = await sims.recap("summarize", "-", stdin="")

    assert_one_sentence(run, "stdin has no transcript text Recap can read.")
    assert sims.llm.requests == []


# --- the cache -------------------------------------------------------------------------------


async def test_json_prints_the_recap_object(sims, recording):
    run = await sims.recap("summarize", str(recording), "--json")

    assert run.code == 0, run.err
    recap = run.recap()
    assert DESIGN_KEYS <= set(recap)
    assert recap["cached_transcript"] is False
    assert recap["transcript_id"] == sims.assemblyai.transcript_ids[0]
    assert recap["style"] == "topics" and recap["duration_ms"] == 234_000
    assert recap["language"].startswith("en")
    assert recap["topics"][0]["start_ms"] == 1000  # "00:01", as the recap shows it
    assert all({"title", "summary", "start_ms", "speakers"} <= set(t) for t in recap["topics"])
    assert all({"text", "owner", "due"} <= set(a) for a in recap["action_items"])
    assert {"owner": "Carmen", "due": "Wednesday"}.items() <= recap["action_items"][0].items()
    assert all(isinstance(d, str) for d in recap["decisions"])
    assert recap["text"].startswith("## TL;DR\n")


async def test_the_same_file_again_comes_from_the_cache(sims, recording):
    first = await sims.recap("summarize", str(recording))
    requests, calls = sims.transcription_requests(), sims.llm.calls

    again = await sims.recap("summarize", str(recording), "--json")

    assert again.code == 0, again.err
    assert sims.transcription_requests() == requests  # no upload, no transcript, no poll
    assert sims.llm.calls == calls  # same style, instructions and model: the stored recap
    recap = again.recap()
    assert recap["cached_transcript"] is True
    assert recap["tldr"] in first.out
    assert [line[8:] for line in again.progress] == [
        "Transcript from the cache", "Recap from the cache"]


async def test_a_new_style_on_a_cached_transcript_costs_llm_calls_only(sims, recording):
    await sims.recap("summarize", str(recording))
    requests, calls = sims.transcription_requests(), sims.llm.calls

    run = await sims.recap("summarize", str(recording), "--style", "actions", "--json")

    assert run.code == 0, run.err
    assert sims.transcription_requests() == requests
    assert sims.llm.calls == calls + 1
    assert sims.llm.completions[-1].style == "actions"
    recap = run.recap()
    assert (recap["style"], recap["cached_transcript"]) == ("actions", True)
    assert recap["tldr"] == "" and recap["topics"] == [] and recap["action_items"]


async def test_instructions_reach_the_llm_and_key_the_cache(sims, tmp_path):
    path = str(transcript_file(tmp_path, ".txt"))
    await sims.recap("summarize", path)
    assert "<instructions>" not in sims.llm.completions[-1].request["messages"][-1]["content"]

    asked = "Focus on the launch date."
    run = await sims.recap("summarize", path, "--instructions", asked, "--json")

    assert run.code == 0, run.err
    assert sims.llm.calls == 2
    prompt = sims.llm.completions[-1].request["messages"][-1]["content"]
    assert f"<instructions>\n{asked}\n</instructions>" in prompt
    assert run.recap()["instructions"] == asked
    # The same instructions again: the stored recap, no LLM call.
    await sims.recap("summarize", path, "--instructions", asked)
    assert sims.llm.calls == 2


@pytest.mark.parametrize(
    ("style", "filled", "headings"),
    [
        ("topics", {"tldr", "topics", "action_items", "decisions"},
         ["## TL;DR", "## Topics", "## Action items", "## Decisions"]),
        ("brief", {"tldr"}, ["## TL;DR"]),
        ("bullets", {"topics"}, ["## Key points"]),
        ("actions", {"action_items", "decisions"}, ["## Action items", "## Decisions"]),
        ("chapters", {"topics"}, ["## Chapters"]),
    ],
)
async def test_every_style_gives_the_recap_object_with_the_whole_recap_as_markdown(
    sims, tmp_path, style, filled, headings
):
    run = await sims.recap("summarize", str(transcript_file(tmp_path, ".txt")), "--style", style,
                           "--json")

    assert run.code == 0, run.err
    recap = run.recap()
    assert recap["style"] == style and sims.llm.completions[-1].style == style
    assert {k for k in ("tldr", "topics", "action_items", "decisions") if recap[k]} == filled
    if style == "bullets":
        assert 3 <= len(recap["topics"]) <= 7
    text = recap["text"]
    assert re.findall(r"^## .+$", text, re.M) == headings
    assert recap["tldr"] in text
    for topic in recap["topics"]:
        minutes, seconds = divmod(topic["start_ms"] // 1000, 60)
        assert f"**[{minutes:02d}:{seconds:02d}] {topic['title']}**" in text
    assert all(a["text"] in text for a in recap["action_items"])
    assert all(d in text for d in recap["decisions"])
    assert re.search(r"\n\n_Covered (0\d:\d\d) of \1_$", text)


# --- failures --------------------------------------------------------------------------------


async def test_a_failed_transcription_is_one_sentence_and_no_llm_call(sims, recording):
    digest = hashlib.sha256(recording.read_bytes()).hexdigest()
    reason = "File does not appear to contain audio. File type is application/octet-stream."
    sims.assemblyai.script(digest, error=reason)

    run = await sims.recap("summarize", str(recording))

    assert_one_sentence(run, f"AssemblyAI could not transcribe this recording: {reason}")
    assert sims.llm.requests == []


async def test_llm_rate_limits_are_waited_out(sims, tmp_path):
    sims.llm.fail_next("/v1/chat/completions", 429, times=2, retry_after=0.05)

    run = await sims.recap("summarize", str(transcript_file(tmp_path, ".txt")))

    assert run.code == 0, run.err
    assert_reads_like_a_recap(run.out, speakers="Alice|Bob|Carmen")
    assert sims.llm.count("POST", "/v1/chat/completions") == 3
    assert sims.llm.calls == 1
    assert "Traceback" not in run.err


async def test_an_audio_file_without_an_assemblyai_key_names_the_variable(sims, recording):
    run = await sims.recap("summarize", str(recording), ASSEMBLYAI_API_KEY=None)
    assert_one_sentence(run, "ASSEMBLYAI_API_KEY is needed to transcribe recordings.")

    no_keys = await sims.recap("summarize", str(recording), ASSEMBLYAI_API_KEY=None,
                               LLM_API_KEY=None)
    assert no_keys.code != 0 and "ASSEMBLYAI_API_KEY" in no_keys.complaint
    assert len(no_keys.complaint.splitlines()) == 1
    assert sims.transcription_requests() == 0 and sims.llm.requests == []


async def test_a_missing_file_is_one_sentence(sims, tmp_path):
    missing = tmp_path / "nowhere.mp3"

    run = await sims.recap("summarize", str(missing))

    assert_one_sentence(run, f"No such file: {missing}")
    assert sims.transcription_requests() == 0


async def test_help(sims):
    top = await sims.recap("--help")
    assert top.code == 0 and "summarize" in top.out and "run" in top.out

    summarize = await sims.recap("summarize", "--help")
    assert summarize.code == 0
    for word in ("--style", "--instructions", "--json", "topics", "brief", "bullets", "actions",
                 "chapters", "stdin"):
        assert word in summarize.out


# --- people, not letters --------------------------------------------------------------------


async def test_speakers_names_the_diarized_labels_and_json_carries_talk_time(sims, recording):
    run = await sims.recap("summarize", str(recording), "--json",
                           "--speakers", "A=Priya Shah,B=Marcus")

    assert run.code == 0, run.err
    recap = run.recap()
    speakers = {s["label"]: s for s in recap["speakers"]}
    assert speakers["A"]["name"] == "Priya Shah" and speakers["B"]["name"] == "Marcus"
    assert speakers["C"]["name"] == "Speaker C"  # nobody named C: no guess
    assert sum(s["share"] for s in recap["speakers"]) in (99, 100, 101)
    assert all(s["talk_ms"] > 0 for s in recap["speakers"])
    assert "Speaker A" not in recap["text"] and "Priya Shah" in recap["text"]
    assert "Speakers: Priya Shah " in recap["text"]
    calls = sims.llm.calls

    again = await sims.recap("summarize", str(recording), "--speakers", "C=Dana")
    assert again.code == 0, again.err
    assert sims.llm.calls == calls  # naming is no new LLM call
    assert "Dana" in again.out and "Speakers: Speaker A" in again.out
