"""What counts as a recording: Slack files, public links (the SSRF guard), /recap text."""

from __future__ import annotations

import re

import pytest

from bot.core.sources import (
    MEDIA_EXTENSIONS,
    RecapCommand,
    Source,
    check_public_url,
    find_links,
    is_media_url,
    parse_command,
    parse_permalink,
    slack_file_source,
    url_source,
)
from bot.errors import SourceRejected

MB = 1_048_576
STYLES = ("topics", "brief", "bullets", "actions", "chapters")

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


# --- Links in messages ----------------------------------------------------------------------


def test_links_in_slack_message_text() -> None:
    text = (
        "<@U123> please recap <https://cdn.example.com/calls/monday.mp3> and "
        "<https://example.com/video.mp4?sig=a&amp;exp=2|the video> <#C123|general> <!here> "
        "<mailto:bob@example.com|bob>"
    )
    assert find_links(text) == [
        "https://cdn.example.com/calls/monday.mp3",
        "https://example.com/video.mp4?sig=a&exp=2",
    ]


def test_bare_links_in_cli_text_in_order_without_trailing_punctuation() -> None:
    text = (
        "first http://a.example/x.wav, then (https://b.example/y.m4a). Again http://a.example/x.wav"
    )
    assert find_links(text) == ["http://a.example/x.wav", "https://b.example/y.m4a"]


def test_no_links() -> None:
    assert find_links("") == []
    assert find_links("<@U1> hi <!channel> www.example.com/a.mp3") == []


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


# --- The SSRF guard -------------------------------------------------------------------------

NOT_PUBLIC = "That link points to a private or local address; Recap only takes public links."


@pytest.mark.parametrize(
    "url",
    [
        # loopback, every spelling
        "http://127.0.0.1/a.mp3",
        "http://127.0.0.1:8080/a.mp3",
        "http://127.0.0.1./a.mp3",
        "http://127.1/a.mp3",
        "http://127.0.1/a.mp3",
        "http://2130706433/a.mp3",
        "http://0x7f000001/a.mp3",
        "http://0X7F000001/a.mp3",
        "http://0x7f.0.0.1/a.mp3",
        "http://0x7f.1/a.mp3",
        "http://0177.0.0.1/a.mp3",
        "http://017700000001/a.mp3",
        "http://0177.1/a.mp3",
        "http://%31%32%37.0.0.1/a.mp3",
        "http://127.0.0.1%2e/a.mp3",
        "http://１２７.０.０.１/a.mp3",
        "http://127。0。0。1/a.mp3",
        "http://[::1]/a.mp3",
        "http://[::1]:80/a.mp3",
        "http://[0:0:0:0:0:0:0:1]/a.mp3",
        "http://[::ffff:127.0.0.1]/a.mp3",
        "http://[::ffff:7f00:1]/a.mp3",
        "http://[::127.0.0.1]/a.mp3",
        "http://[64:ff9b::127.0.0.1]/a.mp3",
        "http://[2002:7f00:1::]/a.mp3",
        # local names
        "http://localhost/a.mp3",
        "http://LOCALHOST/a.mp3",
        "http://localhost./a.mp3",
        "http://localhost:3000/a.mp3",
        "http://%6c%6fcalhost/a.mp3",
        "http://ｌｏｃａｌｈｏｓｔ/a.mp3",
        "http://api.localhost/a.mp3",
        "http://printer.local/a.mp3",
        "http://nas.local./a.mp3",
        "http://db.internal/a.mp3",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
        "http://router.home.arpa/a.mp3",
        "http://kubernetes.default.svc/a.mp3",
        # unspecified, private, link-local, shared, multicast, reserved, broadcast
        "http://0/a.mp3",
        "http://0.0.0.0/a.mp3",
        "http://0x0/a.mp3",
        "http://[::]/a.mp3",
        "http://10.0.0.1/a.mp3",
        "http://012.0.0.1/a.mp3",
        "http://167772161/a.mp3",
        "http://172.16.5.4/a.mp3",
        "http://192.168.1.1/a.mp3",
        "http://0xc0a80101/a.mp3",
        "http://[::ffff:192.168.1.1]/a.mp3",
        "http://[fc00::1]/a.mp3",
        "http://[fe80::1]/a.mp3",
        "http://[fe80::1%25eth0]/a.mp3",
        "http://[fec0::1]/a.mp3",
        "http://100.64.0.1/a.mp3",
        "http://224.0.0.1/a.mp3",
        "http://[ff02::1]/a.mp3",
        "http://240.0.0.1/a.mp3",
        "http://255.255.255.255/a.mp3",
        "http://192.0.2.10/a.mp3",
        "http://198.18.0.1/a.mp3",
        # cloud metadata
        "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/latest/meta-data/",
        "http://0xa9fea9fe/latest/meta-data/",
        "http://0251.0376.0251.0376/latest/meta-data/",
        "http://169.254.43518/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        # a fragment or a query does not hide the real host
        "http://127.0.0.1#@good.example.com/a.mp3",
        "http://127.0.0.1?@good.example.com/a.mp3",
        "http://127.0.0.1/#http://good.example.com/a.mp3",
    ],
)
def test_links_to_private_or_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(SourceRejected) as refused:
        check_public_url(url)
    assert str(refused.value) == NOT_PUBLIC


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("ftp://example.com/a.mp3", "only takes links that start with http:// or https://"),
        ("file:///etc/passwd", "only takes links that start with http:// or https://"),
        ("gopher://example.com:70/_x", "only takes links that start with http:// or https://"),
        ("javascript:alert(1)", "only takes links that start with http:// or https://"),
        ("www.example.com/a.mp3", "only takes links that start with http:// or https://"),
        ("http://evil@127.0.0.1/a.mp3", "user name or password"),
        ("http://user:pass@example.com/a.mp3", "user name or password"),
        ("http://good.example.com@127.0.0.1/a.mp3", "user name or password"),
        ("http://127.0.0.1:80@good.example.com/a.mp3", "user name or password"),
        ("http://@example.com/a.mp3", "user name or password"),
        ("http://good.example.com\\@127.0.0.1/a.mp3", "not a valid web address"),
        ("http://example.com/a b.mp3", "not a valid web address"),
        ("http://example.com/\na.mp3", "not a valid web address"),
        ("http:///a.mp3", "not a valid web address"),
        ("http://", "not a valid web address"),
        ("", "not a valid web address"),
        ("http://[::1/a.mp3", "not a valid web address"),
        ("http://example.com:0/a.mp3", "not a valid web address"),
        ("http://example.com:99999/a.mp3", "not a valid web address"),
        ("http://1.2.3.4.5/a.mp3", "not a valid web address"),
        ("http://256.0.0.1/a.mp3", "not a valid web address"),
        ("http://4294967296/a.mp3", "not a valid web address"),
        ("http://08.0.0.1/a.mp3", "not a valid web address"),
        ("http://example.0x1/a.mp3", "not a valid web address"),
        ("http://exa_mple..com/a.mp3", "not a valid web address"),
        ("http://%2561.example.com/a.mp3", "not a valid web address"),
        ("http://exa%00mple.com/a.mp3", "not a valid web address"),
        ("http://foo/a.mp3", "not a full domain name"),
        ("http://intranet./a.mp3", "not a full domain name"),
        ("http://nas:8080/a.mp3", "not a full domain name"),
    ],
)
def test_links_that_are_not_plain_public_web_addresses_are_refused(url: str, sentence: str) -> None:
    with pytest.raises(SourceRejected, match=re.escape(sentence)):
        check_public_url(url)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://cdn.example.com/calls/monday.mp3", "https://cdn.example.com/calls/monday.mp3"),
        ("HTTPS://CDN.Example.COM/Calls/Monday.MP3", "https://cdn.example.com/Calls/Monday.MP3"),
        ("https://example.com:443/a.mp3", "https://example.com/a.mp3"),
        ("http://example.com:80/a.mp3", "http://example.com/a.mp3"),
        ("https://example.com:8443/a.mp3", "https://example.com:8443/a.mp3"),
        ("https://example.com/a.mp3#t=30", "https://example.com/a.mp3"),
        (
            "https://example.com/a.mp3?sig=Ab%2Fc&exp=1",
            "https://example.com/a.mp3?sig=Ab%2Fc&exp=1",
        ),
        ("https://example.com", "https://example.com/"),
        ("https://example.com./a.mp3", "https://example.com/a.mp3"),
        ("  https://example.com/a.mp3\n", "https://example.com/a.mp3"),
        ("https://8.8.8.8/a.mp3", "https://8.8.8.8/a.mp3"),
        ("http://0x08080808/a.mp3", "http://8.8.8.8/a.mp3"),
        ("http://134744072/a.mp3", "http://8.8.8.8/a.mp3"),
        ("https://[2606:4700:4700::1111]/a.mp3", "https://[2606:4700:4700::1111]/a.mp3"),
        ("https://[2606:4700:4700:0:0:0:0:1111]:8443/a", "https://[2606:4700:4700::1111]:8443/a"),
        ("https://bücher.example/hörbuch.mp3", "https://xn--bcher-kva.example/h%C3%B6rbuch.mp3"),
        (
            "https://s3.amazonaws.com/bucket/local/internal.mp3",
            "https://s3.amazonaws.com/bucket/local/internal.mp3",
        ),
        ("https://localhost.example.com/a.mp3", "https://localhost.example.com/a.mp3"),
        ("https://my_bucket.s3.example.com/a.mp3", "https://my_bucket.s3.example.com/a.mp3"),
        ("https://172.32.0.1/a.mp3", "https://172.32.0.1/a.mp3"),
    ],
)
def test_public_links_are_accepted_and_normalized(url: str, normalized: str) -> None:
    assert check_public_url(url) == normalized


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


# --- /recap -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RecapCommand("recap", None, None, "")),
        ("   ", RecapCommand("recap", None, None, "")),
        ("help", RecapCommand("help", None, None, "")),
        ("HELP", RecapCommand("help", None, None, "")),
        ("forget", RecapCommand("forget", None, None, "")),
        ("transcript", RecapCommand("transcript", None, None, "")),
        ("brief", RecapCommand("recap", "brief", None, "")),
        ("Actions", RecapCommand("recap", "actions", None, "")),
        (
            "topics focus on the budget",
            RecapCommand("recap", "topics", None, "focus on the budget"),
        ),
        (
            "what did Priya promise about hiring?",
            RecapCommand("recap", None, None, "what did Priya promise about hiring?"),
        ),
        (
            "forget the small talk, keep decisions",
            RecapCommand("recap", None, None, "forget the small talk, keep decisions"),
        ),
        (
            "<https://cdn.example.com/a.mp3>",
            RecapCommand("recap", None, "https://cdn.example.com/a.mp3", ""),
        ),
        (
            "bullets <https://cdn.example.com/a.mp3|a.mp3> only the decisions please",
            RecapCommand(
                "recap", "bullets", "https://cdn.example.com/a.mp3", "only the decisions please"
            ),
        ),
        (
            "chapters https://cdn.example.com/a.mp3 for new joiners",
            RecapCommand("recap", "chapters", "https://cdn.example.com/a.mp3", "for new joiners"),
        ),
        (
            "forget <https://acme.slack.com/archives/C0123ABCDEF/p1700000000123456>",
            RecapCommand(
                "forget", None, "https://acme.slack.com/archives/C0123ABCDEF/p1700000000123456", ""
            ),
        ),
        (
            "transcript https://acme.slack.com/archives/C1/p1700000000123456",
            RecapCommand(
                "transcript", None, "https://acme.slack.com/archives/C1/p1700000000123456", ""
            ),
        ),
        (
            "<https://cdn.example.com/a.mp3?x=1&amp;y=2> who owns the follow-ups",
            RecapCommand(
                "recap", None, "https://cdn.example.com/a.mp3?x=1&y=2", "who owns the follow-ups"
            ),
        ),
    ],
)
def test_recap_command_text(text: str, expected: RecapCommand) -> None:
    assert parse_command(text, STYLES) == expected


def test_a_lone_unknown_word_is_probably_a_mistyped_style() -> None:
    command = parse_command("topic", STYLES)
    assert command == RecapCommand(
        "recap",
        None,
        None,
        "",
        error="Unknown style “topic”. Try one of: topics, brief, bullets, actions, chapters — "
        "or add your own instructions, e.g. /recap topics focus on the budget.",
    )


def test_a_lone_unknown_word_with_a_link_still_gets_the_sentence_and_keeps_the_link() -> None:
    command = parse_command("sumary <https://cdn.example.com/a.mp3>", STYLES)
    assert command.error is not None and command.error.startswith("Unknown style “sumary”.")
    assert command.link == "https://cdn.example.com/a.mp3"


def test_the_unknown_word_is_escaped_in_the_sentence() -> None:
    command = parse_command("<!channel>", STYLES)
    assert command.error is not None and "“&lt;!channel&gt;”" in command.error


@pytest.mark.parametrize(
    ("url", "place"),
    [
        (
            "https://acme.slack.com/archives/C0123ABCDEF/p1700000000123456",
            ("C0123ABCDEF", "1700000000.123456"),
        ),
        (
            "https://acme.slack.com/archives/C1/p1700000000123456?thread_ts=1699999999.000100&cid=C1",
            ("C1", "1700000000.123456"),
        ),
        (
            "https://acme.enterprise.slack.com/archives/G9/p1700000000000001",
            ("G9", "1700000000.000001"),
        ),
        ("https://app.slack.com/archives/D42/p1700000000123456/", ("D42", "1700000000.123456")),
        ("https://acme.slack.com/archives/C1", None),
        ("https://acme.slack.com/archives/C1/p17000000001234", None),
        ("https://slack.com.evil.example/archives/C1/p1700000000123456", None),
        ("https://evil.example/acme.slack.com/archives/C1/p1700000000123456", None),
        ("https://cdn.example.com/a.mp3", None),
    ],
)
def test_message_permalinks(url: str, place: tuple[str, str] | None) -> None:
    assert parse_permalink(url) == place
