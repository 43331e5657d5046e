"""What people type: /recap arguments, links in message text, message permalinks."""

from __future__ import annotations

import pytest

from bot.core.command import RecapCommand, find_links, parse_command, parse_permalink

STYLES = ("topics", "brief", "bullets", "actions", "chapters")


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


def test_a_link_with_another_scheme_is_refused_as_only_http_links_are_taken() -> None:
    for word in ("file:///etc/passwd", "ftp://host/x.mp3", "s3://bucket/call.m4a"):
        command = parse_command(word, STYLES)
        assert command.error is not None, word
        assert "only http" in command.error and "Unknown style" not in command.error
        assert command.link is None


def test_a_scheme_link_among_instructions_is_refused_too() -> None:
    command = parse_command("brief file:///etc/passwd in Spanish", STYLES)
    assert command.error is not None and "only http" in command.error


def test_words_with_colons_are_not_links() -> None:
    assert parse_command("focus on: budget, hiring", STYLES).error is None
    assert parse_command("topics time 10:30 onwards", STYLES).error is None


def test_a_slack_wrapped_link_of_another_scheme_is_refused_and_cannot_ping() -> None:
    command = parse_command("<ftp://host/x.mp3|<!channel>>", STYLES)
    assert command.error is not None and command.error.startswith("Recap takes only http(s)")
    assert "<!channel>" not in command.error
