"""Slack file downloads against the Slack simulator: the token goes to Slack and nowhere else,
the bytes stream, and what is not a file (a login page, an oversized stream) is refused."""

from __future__ import annotations

import hashlib
import time

import aiohttp
import psutil
import pytest
from aiohttp import web

from bot.edges.slack_files import is_allowed, open_download, slack_file_hosts
from bot.edges.transcriber import Transcriber
from bot.errors import DownloadFailed, ServiceUnavailable, SourceRejected
from bot.sim.assemblyai import AssemblyAISim
from bot.sim.slack import SlackSim

MIB = 1 << 20


@pytest.fixture
async def slack():
    async with SlackSim() as sim:
        yield sim


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as client:
        yield client


class Elsewhere:
    """Another loopback host: records who knocked, answers with a stream of `size` bytes."""

    def __init__(self, size: int = 0, chunked: bool = False) -> None:
        self.size, self.chunked, self.seen = size, chunked, []

    async def _get(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(dict(request.headers))
        response = web.StreamResponse(headers={"Content-Type": "audio/mpeg"})
        if self.chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = self.size
        await response.prepare(request)
        for _ in range(self.size // MIB):
            await response.write(b"\0" * MIB)
        await response.write_eof()
        return response

    async def __aenter__(self) -> Elsewhere:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._get)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/recording.mp3"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()


def opened(session, slack, url, *, token=None, max_bytes=100 * MIB):
    """open_download as Recap calls it for a Slack file: the bot token, Slack's hosts only."""
    return open_download(
        session,
        url,
        token=token or slack.bot_token,
        allowed_hosts=slack_file_hosts(slack.api_url),
        max_bytes=max_bytes,
        backoff=0.001,
    )


async def download(session, slack, url, *, token=None, max_bytes=100 * MIB) -> bytes:
    async with opened(session, slack, url, token=token, max_bytes=max_bytes) as got:
        return b"".join([chunk async for chunk in got.chunks])


async def test_a_file_is_fetched_with_the_bot_token(slack, session):
    file = slack.add_file("standup.mp3", size=3 * MIB + 123)
    async with opened(session, slack, file["url_private_download"], max_bytes=10 * MIB) as got:
        assert (got.size, got.content_type) == (3 * MIB + 123, "audio/mpeg")
        digest = hashlib.sha256()
        async for chunk in got.chunks:
            digest.update(chunk)
    assert digest.hexdigest() == slack.file_sha256(file)
    assert slack.downloads[0].auth_ok


async def test_slacks_login_page_is_recognised_before_any_byte(slack, session):
    file = slack.add_file("standup.mp3")
    with pytest.raises(DownloadFailed) as caught:
        await download(session, slack, file["url_private_download"], token="xoxb-not-valid")
    assert str(caught.value) == (
        "Slack did not let Recap download the file (it answered with a web page); check that "
        "the app has the files:read scope and is in this channel."
    )


async def test_a_web_page_with_a_media_content_type_is_recognised_too(slack, session):
    page = b"\n<!DOCTYPE html><html><body>Found</body></html>"
    file = slack.add_file("standup.mp3", content=page, mimetype="application/octet-stream")
    with pytest.raises(DownloadFailed, match="answered with a web page"):
        await download(session, slack, file["url_private_download"])


async def test_a_redirect_to_another_host_never_gets_the_token(slack, session):
    async with Elsewhere(size=MIB) as other:
        file = slack.add_file("standup.mp3", redirect_to=other.url)
        with pytest.raises(DownloadFailed, match="away from its own file hosts"):
            await download(session, slack, file["url_private_download"])
    assert slack.downloads[0].status == 302
    assert all("Authorization" not in headers for headers in other.seen)
    assert other.seen == []  # refused before connecting at all


async def test_a_redirect_inside_slack_is_followed(slack, session):
    target = slack.add_file("standup.mp3", size=MIB)
    file = slack.add_file("moved.mp3", redirect_to=target["url_private_download"])
    data = await download(session, slack, file["url_private_download"])
    assert hashlib.sha256(data).hexdigest() == slack.file_sha256(target)
    assert [d.auth_ok for d in slack.downloads] == [True, True]


async def test_a_url_on_another_host_gets_nothing(slack, session):
    async with Elsewhere(size=MIB) as other:
        with pytest.raises(SourceRejected, match="not on a Slack file host"):
            await download(session, slack, other.url)
    assert other.seen == []


async def test_an_announced_size_over_the_limit_is_refused_before_reading(slack, session):
    file = slack.add_file("all-hands.mp4", size=5 * MIB)
    with pytest.raises(SourceRejected) as caught:
        await download(session, slack, file["url_private_download"], max_bytes=2 * MIB)
    assert str(caught.value) == "This file is over the 2 MB limit."


async def test_a_stream_running_past_the_limit_is_cut(slack, session):
    received = 0
    async with Elsewhere(size=4 * MIB, chunked=True) as other:
        with pytest.raises(SourceRejected, match="over the 2 MB limit"):
            async with open_download(
                session,
                other.url,
                token="xoxb-t",
                allowed_hosts={other.url.split("/")[2]},
                max_bytes=2 * MIB,
            ) as got:
                assert got.size is None
                async for chunk in got.chunks:
                    received += len(chunk)
    assert received <= 2 * MIB


@pytest.mark.parametrize(("real", "announced", "max_mib", "error"), [
    (4 * MIB, MIB // 2, 2, "over the 2 MB limit"),  # longer than said, and over the limit
    (2 * MIB, MIB, 8, "another size than it announced"),  # longer than said, within the limit
    (MIB, 2 * MIB, 8, "another size than it announced"),  # shorter than said
])
async def test_a_body_of_another_size_than_announced_passes_nothing_past_it(
        session, real, announced, max_mib, error):
    passed = []

    async def relay(other) -> None:
        async with open_download(session, other.url, token="xoxb-t",
                                 allowed_hosts={other.url.split("/")[2]},
                                 max_bytes=max_mib * MIB, announced=announced) as got:
            async for chunk in got.chunks:
                passed.append(len(chunk))

    async with Elsewhere(size=real, chunked=True) as other:
        with pytest.raises((SourceRejected, DownloadFailed), match=error):
            await relay(other)
    assert sum(passed) <= min(real, announced)  # an upload's Content-Length is never overrun


async def test_a_body_of_its_announced_size_passes_whole(session):
    async with Elsewhere(size=2 * MIB, chunked=True) as other, open_download(
            session, other.url, token="xoxb-t", allowed_hosts={other.url.split("/")[2]},
            max_bytes=8 * MIB, announced=2 * MIB) as got:
        assert sum([len(chunk) async for chunk in got.chunks]) == 2 * MIB


async def test_a_missing_file_and_a_flaky_host(slack, session):
    file = slack.add_file("standup.mp3", size=MIB)
    slack.fail_next("download", 503)
    assert len(await download(session, slack, file["url_private_download"])) == MIB
    slack.fail_next("download", 503, times=4)
    with pytest.raises(ServiceUnavailable, match=r"kept failing \(HTTP 503\) after 4 attempts"):
        await download(session, slack, file["url_private_download"])
    gone = file["url_private_download"].replace(file["id"], "F0GONE")
    with pytest.raises(DownloadFailed, match="HTTP 404"):
        await download(session, slack, gone)


async def test_memory_stays_flat_for_a_1_gib_file(slack, session):
    size = 1024 * MIB
    file = slack.add_file("town-hall.mp4", size=size)
    process = psutil.Process()
    before, peak, received = process.memory_info().rss, 0, 0
    started = time.monotonic()
    async with opened(session, slack, file["url_private_download"], max_bytes=2048 * MIB) as got:
        async for chunk in got.chunks:
            received += len(chunk)
            if received % (64 * MIB) < len(chunk):
                peak = max(peak, process.memory_info().rss)
    assert received == size
    assert peak - before < 64 * MIB, f"grew {(peak - before) / MIB:.0f} MiB"
    assert time.monotonic() - started < 15


def test_hosts_that_may_see_the_token():
    assert slack_file_hosts("https://slack.com/api/") == {
        "https://files.slack.com",
        "https://slack.com",
        "https://*.slack.com",
        "https://slack-files.com",
    }
    assert "http://127.0.0.1:4000" in slack_file_hosts("http://127.0.0.1:4000/api/")
    assert "https://slack.com" in slack_file_hosts("http://slack.com/api/")  # never plain http


def test_the_token_goes_to_slacks_hosts_over_https_only():
    hosts = slack_file_hosts("https://slack.com/api/")
    assert is_allowed("https://files.slack.com/files-pri/T1-F1/standup.mp3", hosts)
    assert is_allowed("https://acme.slack.com/files/U1/F1/standup.mp3", hosts)
    for url in ("http://files.slack.com/files-pri/T1-F1/standup.mp3",
                "http://acme.slack.com/files/U1/F1/standup.mp3",
                "http://slack-files.com/T1-F1-abc"):
        assert not is_allowed(url, hosts), url
    assert not is_allowed("http://files.slack.com/x.mp3", {"files.slack.com"})  # any list
    local = slack_file_hosts("http://127.0.0.1:4000/api/")
    assert is_allowed("http://127.0.0.1:4000/files-pri/T1-F1/standup.mp3", local)
    assert not is_allowed("http://127.0.0.1:4001/files-pri/T1-F1/standup.mp3", local)


async def test_a_plain_http_slack_url_and_a_redirect_to_one_never_get_the_token(slack, session):
    with pytest.raises(SourceRejected, match="not on a Slack file host"):
        await download(session, slack, "http://files.slack.com/files-pri/T1-F1/standup.mp3")
    file = slack.add_file("standup.mp3", redirect_to="http://files.slack.com/files-pri/T1-F1/x")
    with pytest.raises(DownloadFailed, match="away from its own file hosts"):
        await download(session, slack, file["url_private_download"])
    assert [d.status for d in slack.downloads] == [302]  # the only request: to the simulator


async def test_a_slack_file_streams_into_an_assemblyai_upload(slack, session):
    file = slack.add_file("standup.mp3", size=8 * MIB + 5)

    async def chunks():
        async with opened(session, slack, file["url_private_download"]) as got:
            async for chunk in got.chunks:
                yield chunk

    async with AssemblyAISim() as aai:
        aai.fail_next("/v2/upload", 500)  # the retry opens the Slack download again
        transcriber = Transcriber(
            api_key=aai.api_key,
            base_url=aai.base_url,
            speech_models=["universal-3-pro"],
            backoff=0.001,
        )
        try:
            await transcriber.upload(chunks, file["size"])
        finally:
            await transcriber.aclose()
    assert [u.sha256 for u in aai.uploaded] == [slack.file_sha256(file)]
    assert len(slack.downloads) == 2
