"""What counts as a recording: Slack files, links to media, transcript text (the guard on links
is tested in test_public_url.py, what people type in test_command.py)."""

from __future__ import annotations

import pytest

from bot.core.sources import (
    MEDIA_EXTENSIONS,
    Source,
    is_media_url,
    slack_file_source,
    url_source,
)
from bot.errors import SourceRejected

MB = 1_048_576

# File objects from real events (shared fixtures slack_event_message_file_share_*.json and
# slack_api_files_info_ok_gif.json), long arrays and thumbnails left out.
MP3 = {
    "id": "F03GWURCZL4",
    "name": "here we go again.mp3",
    "title": "here we go again.mp3",
    "mimetype": "audio/mpeg",
    "filetype": "mp3",
    "pretty_type": "MP3",
    "size": 102122,
    "mode": "hosted",
    "is_external": False,
    "url_private": "https://files.slack.com/files-tmb/T03CN5KTA6S-F03GWURCZL4-9aaa1171c6/here_we_go_again_audio.mp4",
    "url_private_download": "https://files.slack.com/files-pri/T03CN5KTA6S-F03GWURCZL4/download/here_we_go_again.mp3",
    "duration_ms": 3187,
    "media_display_type": "audio",
}
MP4 = {
    "id": "F03GDSSMC79",
    "name": "Walk Cycle Animation sample.mp4",
    "title": "Walk Cycle Animation sample.mp4",
    "mimetype": "video/mp4",
    "filetype": "mp4",
    "pretty_type": "MPEG 4 Video",
    "size": 767148,
    "mode": "hosted",
    "url_private": "https://files.slack.com/files-tmb/T03CN5KTA6S-F03GDSSMC79-0af57254d8/walk_cycle_animation_sample.mp4",
    "url_private_download": "https://files.slack.com/files-pri/T03CN5KTA6S-F03GDSSMC79/download/walk_cycle_animation_sample.mp4",
    "duration_ms": 19953,
    "media_display_type": "video",
}
PNG = {
    "id": "F111",
    "name": "file.png",
    "mimetype": "image/png",
    "filetype": "png",
    "size": 92582,
    "mode": "hosted",
    "url_private": "https://files.slack.com/files-pri/T111-F111/file.png",
    "url_private_download": "https://files.slack.com/files-pri/T111-F111/download/file.png",
    "media_display_type": "unknown",
}
GIF = {
    "id": "F0S43PZDF",
    "name": "tedair.gif",
    "mimetype": "image/gif",
    "filetype": "gif",
    "size": 137531,
    "mode": "hosted",
    "url_private": "https://.../tedair.gif",
    "url_private_download": "https://.../tedair.gif",
}


# --- Slack files ----------------------------------------------------------------------------


def test_an_uploaded_mp3_is_a_recording_downloaded_from_the_original() -> None:
    source = slack_file_source("T03CN5KTA6S", MP3, max_bytes=1024 * MB)
    assert source == Source(
        kind="slack_file",
        key="slack:T03CN5KTA6S:F03GWURCZL4",
        name="here we go again.mp3",
        url="https://files.slack.com/files-pri/T03CN5KTA6S-F03GWURCZL4/download/here_we_go_again.mp3",
        file_id="F03GWURCZL4",
        size=102122,
        mimetype="audio/mpeg",
        duration_ms=3187,
    )


def test_an_uploaded_video_is_a_recording() -> None:
    source = slack_file_source("T03CN5KTA6S", MP4, max_bytes=1024 * MB)
    assert source is not None
    assert (source.key, source.is_transcript, source.duration_ms) == (
        "slack:T03CN5KTA6S:F03GDSSMC79",
        False,
        19953,
    )
    assert source.url is not None and "/files-pri/" in source.url  # not the files-tmb transcode


@pytest.mark.parametrize("file", [PNG, GIF, {**PNG, "name": "deck.pdf", "filetype": "pdf"}])
def test_images_and_documents_are_not_recordings(file: dict) -> None:
    assert slack_file_source("T1", file, max_bytes=1024 * MB) is None


def test_the_same_file_in_two_workspaces_has_two_keys() -> None:
    one = slack_file_source("T1", MP3, max_bytes=1024 * MB)
    two = slack_file_source("T2", MP3, max_bytes=1024 * MB)
    assert one is not None and two is not None and one.key != two.key


@pytest.mark.parametrize(
    "hint",
    [
        {"media_display_type": "audio"},
        {"mimetype": "audio/mp4"},
        {"mimetype": "video/quicktime"},
        {"filetype": "m4a"},
        {"subtype": "slack_audio", "mimetype": ""},
        {"subtype": "slack_video"},
        {"name": "standup.WEBM"},
        {"name": "interview.flac"},
    ],
)
def test_any_one_sign_of_audio_or_video_is_enough(hint: dict) -> None:
    bare = {"id": "F1", "name": "clip", "mimetype": "application/octet-stream", "size": 10}
    source = slack_file_source("T1", {**bare, **hint}, max_bytes=MB)
    assert source is not None and not source.is_transcript


@pytest.mark.parametrize(
    "file",
    [
        {"id": "F1", "name": "standup.vtt", "mimetype": "text/vtt", "filetype": "vtt"},
        {"id": "F1", "name": "standup.srt", "mimetype": "application/x-subrip"},
        {"id": "F1", "name": "Standup notes.TXT", "mimetype": "text/plain"},
        {"id": "F1", "name": "Untitled", "mimetype": "text/plain", "filetype": "text"},
    ],
)
def test_transcript_files_are_sources_marked_as_transcripts(file: dict) -> None:
    source = slack_file_source("T1", file, max_bytes=MB)
    assert source is not None and source.is_transcript


def test_url_private_is_the_fallback_download_link() -> None:
    file = {k: v for k, v in MP3.items() if k != "url_private_download"}
    source = slack_file_source("T1", file, max_bytes=1024 * MB)
    assert source is not None and source.url == MP3["url_private"]


def test_a_deleted_file_is_nothing() -> None:
    assert slack_file_source("T1", {**MP3, "mode": "tombstone"}, max_bytes=1024 * MB) is None


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit() -> None:
    big = {**MP4, "name": "all-hands <2024>.mp4", "size": 1536 * MB}
    with pytest.raises(SourceRejected) as refused:
        slack_file_source("T1", big, max_bytes=1024 * MB)
    assert str(refused.value) == "all-hands &lt;2024&gt;.mp4 is 1.5 GB, over the 1024 MB limit."


def test_a_file_just_over_the_limit_never_reads_as_under_it() -> None:
    with pytest.raises(SourceRejected, match=r"is 10\.1 MB, over the 10 MB limit\.$"):
        slack_file_source("T1", {**MP3, "size": 10 * MB + 1}, max_bytes=10 * MB)


def test_a_file_exactly_at_the_limit_is_accepted() -> None:
    assert slack_file_source("T1", {**MP3, "size": 10 * MB}, max_bytes=10 * MB) is not None


def test_a_source_survives_a_round_trip_through_a_dict() -> None:
    source = slack_file_source("T1", MP3, max_bytes=1024 * MB)
    assert source is not None
    assert Source.from_dict(source.to_dict()) == source
    assert Source.from_dict({**source.to_dict(), "added_later": 1}) == source


def test_transcript_text_is_a_source_of_its_own_and_survives_a_round_trip() -> None:
    source = Source(kind="text", key="sha256:abc", name="stdin.txt", text="Alice: hi",
                    is_transcript=True)
    assert source.path is None and source.text == "Alice: hi"
    assert Source.from_dict(source.to_dict()) == source
    assert "Alice: hi" not in repr(source)  # a whole transcript never floods a log line


# --- Links to media ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("https://example.com/a.mp3", True),
        ("https://example.com/Talk.MP4?download=1&t=.txt", True),
        ("https://example.com/path/episode%20one.m4a", True),
        ("https://example.com/a.mp3.html", False),
        ("https://example.com/watch?v=abc.mp4", False),
        ("https://example.com/", False),
        ("https://example.com/notes.vtt", False),
        ("not a url", False),
    ],
)
def test_media_urls_are_known_by_their_path(url: str, media: bool) -> None:
    assert is_media_url(url) is media


def test_media_extensions_cover_audio_and_video() -> None:
    audio = "mp3 m4a wav ogg oga opus flac aac amr aiff"
    video = "webm mp4 m4v mov mkv avi wmv flv mpg mpeg 3gp"
    for ext in f"{audio} {video}".split():
        assert f".{ext}" in MEDIA_EXTENSIONS


def test_a_url_source_is_keyed_by_workspace_and_named_by_its_file() -> None:
    source = url_source("T1", "HTTPS://Cdn.Example.com/calls/Monday%20standup.mp3?sig=x#t=1")
    assert source == Source(
        kind="url",
        key="url:T1:https://cdn.example.com/calls/Monday%20standup.mp3?sig=x",
        name="Monday standup.mp3",
        url="https://cdn.example.com/calls/Monday%20standup.mp3?sig=x",
    )
    assert url_source("T2", source.url or "").key != source.key


def test_a_url_source_for_a_private_link_is_refused() -> None:
    with pytest.raises(SourceRejected):
        url_source("T1", "http://[::1]/a.mp3")


def test_a_recording_longer_than_assemblyai_takes_is_refused_before_download():
    file = {"id": "F1", "name": "marathon.mp3", "mimetype": "audio/mpeg", "size": 1000,
            "duration_ms": 11 * 3_600_000, "url_private_download": "https://files.slack.com/x"}
    with pytest.raises(SourceRejected, match="11.0 hours long, over the 10-hour limit"):
        slack_file_source("T1", file, max_bytes=10_000)
    file["duration_ms"] = 9 * 3_600_000
    assert slack_file_source("T1", file, max_bytes=10_000).duration_ms == 9 * 3_600_000
