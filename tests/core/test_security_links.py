"""Which links are an unsupported link: pages and documents Recap can tell apart by their text
alone (it never fetches a link). Anything else public may be media, and AssemblyAI decides."""

from __future__ import annotations

import pytest

from bot.core.sources import UNSUPPORTED_LINK, url_source
from bot.errors import SourceRejected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=abc",
        "https://youtu.be/abc",
        "https://vimeo.com/12345",
        "https://www.loom.com/share/abc",
        "https://docs.google.com/document/d/abc/edit",
        "https://acme.slack.com/files/U1/F1/standup.mp3",  # needs a Slack login
        "https://example.com/minutes.PDF",
        "https://example.com/notes.html?x=1",
        "https://example.com/slides.pptx",
        "https://example.com/transcript.vtt",
        "https://example.com/photo.jpeg",
    ],
)
def test_pages_and_documents_are_unsupported_links(url: str) -> None:
    with pytest.raises(SourceRejected) as refused:
        url_source("T1", url)
    assert str(refused.value) == UNSUPPORTED_LINK


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/calls/standup.mp3",
        "https://media.example.com/stream?id=42",  # no extension: may well be media
        "https://example.com/podcast/episode-12",
        "https://notyoutube.com/talk.mp4",
    ],
)
def test_links_that_may_be_media_are_taken(url: str) -> None:
    assert url_source("T1", url).url
