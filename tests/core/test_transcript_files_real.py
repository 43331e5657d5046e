"""Transcript files as real tools write them: Teams entities, whisperX speakers, Google Meet,
Otter footers, long single-speaker captions; and markup that must not take quadratic time."""

from __future__ import annotations

import pytest

from bot.core.transcript import Utterance, utterance_line
from bot.core.transcript_files import parse_transcript_file

TEAMS_ENTITIES_VTT = """WEBVTT

f3e1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b/17-0
00:00:01.200 --> 00:00:04.800
<v In&#233;s Alvarado>Caf&eacute; at 10 &amp; the &lt;Q3&gt; review, o&#x0301;k?</v>

f3e1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b/18-0
00:00:05.000 --> 00:00:06.500
<v Zo&euml; M&#252;ller &amp; Co>Works for me.</v>
"""

WHISPERX_SRT = """1
00:00:00,031 --> 00:00:04,154
[SPEAKER_00]: Welcome back to the podcast.

2
00:00:04,500 --> 00:00:06,020
SPEAKER_01: Thanks for having me.

3
00:00:06,100 --> 00:00:08,000
[SPEAKER_00]: Let's dive in.
"""

MEET_TXT = """Project sync - Transcript
00:00:00

Inés Alvarado: Good morning, everyone.
Tom Baker: Morning. Shall we start with the budget?
00:01:05

Inés Alvarado: Yes. We're about ten percent over.
00:02:30

Tom Baker: I'll cut two contractors by March.
Meeting ended after 00:03:12 👋

This editable transcript was computer generated and might contain errors. People can also \
change the text after it was created.
"""

OTTER_TXT = """Sam Lee  0:02
Thanks for joining. Quick agenda today.

Jordan Park  0:15
Sounds good.


Transcribed by https://otter.ai
"""


def test_teams_names_and_text_decode_every_html_entity() -> None:
    assert parse_transcript_file("Meeting.vtt", TEAMS_ENTITIES_VTT) == [
        Utterance("Inés Alvarado", 1_200, 4_800, "Café at 10 & the <Q3> review, o\u0301k?"),
        Utterance("Zoë Müller & Co", 5_000, 6_500, "Works for me."),
    ]


def test_whisperx_speaker_labels_with_and_without_brackets() -> None:
    assert [utterance_line(u) for u in parse_transcript_file("pod.srt", WHISPERX_SRT)] == [
        "[00:00] SPEAKER_00: Welcome back to the podcast.",
        "[00:04] SPEAKER_01: Thanks for having me.",
        "[00:06] SPEAKER_00: Let's dive in.",
    ]


def test_google_meet_time_markers_give_the_turns_their_times_and_the_footer_is_no_speech() -> None:
    utterances = parse_transcript_file("Project sync - Transcript.txt", MEET_TXT)
    assert [(u.speaker, u.start_ms, u.text) for u in utterances] == [
        ("Inés Alvarado", 0, "Good morning, everyone."),
        ("Tom Baker", 0, "Morning. Shall we start with the budget?"),
        ("Inés Alvarado", 65_000, "Yes. We're about ten percent over."),
        ("Tom Baker", 150_000, "I'll cut two contractors by March."),
    ]
    assert max(u.end_ms for u in utterances) == 192_000  # "Meeting ended after 00:03:12"


def test_otter_footer_is_dropped() -> None:
    assert [utterance_line(u) for u in parse_transcript_file("otter.txt", OTTER_TXT)] == [
        "[00:02] Sam Lee: Thanks for joining. Quick agenda today.",
        "[00:15] Jordan Park: Sounds good.",
    ]


def _youtube_auto_captions(seconds: int) -> str:
    """yt-dlp's .vtt of auto-captions: rolling lines, word timing tags, one cue every 2 s."""
    out = ["WEBVTT", "Kind: captions", "Language: en", ""]
    previous = ""
    for i, t in enumerate(range(0, seconds, 2)):
        words = f"part {i} goes on" + ("." if i % 6 == 5 else "")
        timed = f"part<00:00:{t % 60:02d}.500><c> {i}</c><00:00:{t % 60:02d}.900><c> goes on</c>"
        timed += "." if i % 6 == 5 else ""
        start = f"00:{t // 60:02d}:{t % 60:02d}.000"
        end = f"00:{(t + 2) // 60:02d}:{(t + 2) % 60:02d}.000"
        rolled = [previous] if previous else []
        out += [f"{start} --> {end} align:start position:0%", *rolled, timed, ""]
        previous = words
    return "\n".join(out)


def test_long_single_speaker_captions_are_split_with_their_own_starts() -> None:
    text = _youtube_auto_captions(300)
    utterances = parse_transcript_file("video.en.vtt", text)
    assert len(utterances) >= 5
    assert all(u.end_ms - u.start_ms <= 60_000 for u in utterances)
    assert all(u.start_ms % 2_000 == 0 for u in utterances)  # each begins at its cue's start
    assert [u.start_ms for u in utterances] == sorted({u.start_ms for u in utterances})
    words = " ".join(u.text for u in utterances).split()
    assert words.count("part") == 150 and words[:4] == ["part", "0", "goes", "on"]


def test_a_film_srt_splits_at_long_pauses() -> None:
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nWhere is everyone?\n\n"
           "2\n00:00:03,100 --> 00:00:05,000\n- Over here\n\n"
           "3\n00:01:10,000 --> 00:01:12,000\nMuch later, a door opens.\n")
    assert [(u.start_ms, u.end_ms) for u in parse_transcript_file("film.srt", srt)] == [
        (1_000, 5_000), (70_000, 72_000)]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("line", ["<" * 200_000, "{\\" * 100_000, "<v " * 70_000,
                                  "<c." * 70_000, "a" * 200_000 + ":", "[" * 200_000])
@pytest.mark.parametrize("name", ["a.vtt", "a.srt", "a.txt"])
def test_a_huge_line_of_open_markup_parses_in_linear_time(line: str, name: str) -> None:
    cue = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" if name != "a.txt" else ""
    utterances = parse_transcript_file(name, cue + line + "\n")
    assert len("".join(u.text for u in utterances)) <= len(line)


def test_google_meet_attendees_heading_is_no_speech() -> None:
    text = ("Weekly sync (2026-05-01 10:00 GMT-7) - Transcript\nAttendees\n"
            "Alice Chen, Bob Lee, Carol Diaz\nTranscript\n00:00:00\n\n"
            "Alice Chen: Let's begin.\n00:00:40\n\nBob Lee: Agreed.\n")
    assert [utterance_line(u) for u in parse_transcript_file("sync.txt", text)] == [
        "[00:00] Alice Chen: Let's begin.",
        "[00:40] Bob Lee: Agreed.",
    ]
