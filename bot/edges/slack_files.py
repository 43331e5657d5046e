"""Slack file downloads: the only code that sends the bot token to a file host.

The token goes only to Slack's own hosts (slack_file_hosts), never across a redirect to
any other host; redirects are followed by hand for that reason. Slack's hosts are named with
"https://": the token never crosses plain http to them (Slack serves files only over https:
https://api.slack.com/types/file, url_private). The configured SLACK_API_URL host (a loopback
simulator) is allowed with the scheme it was configured with. The bytes are streamed
(memory stays flat for a 2 GB file) and checked as they pass: a size over the limit is
refused before reading, a stream that runs past it is cut, and the web page Slack answers
with when it will not hand over a file is recognised before a single byte is passed on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from bot.edges.retry import Transient, with_retries
from bot.errors import DownloadFailed, SourceRejected

MAX_REDIRECTS = 3
SNIFF_BYTES = 64
REDIRECTS = (301, 302, 303, 307, 308)
WRONG_SIZE = (
    "Slack sent this file with another size than it announced, so Recap stopped the upload; "
    "try again."
)
HTML_PAGE = (
    "Slack did not let Recap download the file (it answered with a web page); check that "
    "the app has the files:read scope and is in this channel."
)


@dataclass
class Download:
    """An open download: its announced size (None if not sent) and its bytes, once."""

    size: int | None
    content_type: str
    chunks: AsyncIterator[bytes]


SLACK_HOSTS = ("files.slack.com", "slack.com", "*.slack.com", "slack-files.com")


def _is_slack_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host in ("slack.com", "slack-files.com") or host.endswith(".slack.com")


def slack_file_hosts(slack_api_url: str) -> set[str]:
    """Hosts that may receive the bot token: Slack's (https only), plus SLACK_API_URL's (with
    its port and scheme; https whenever it is one of Slack's own hosts)."""
    api = urlsplit(slack_api_url)
    own = api.hostname or "slack.com"
    scheme = "https" if _is_slack_host(own) or api.scheme != "http" else "http"
    return {
        *(f"https://{host}" for host in SLACK_HOSTS),
        f"{scheme}://{own}:{api.port}" if api.port else f"{scheme}://{own}",
    }


def is_allowed(url: str, allowed_hosts: Collection[str]) -> bool:
    """Whether `url` is on one of `allowed_hosts` ("host", "host:port", "*.domain", each
    optionally "scheme://"-prefixed: then only that scheme; else http or https). Plain http
    to one of Slack's own hosts is never allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if parts.scheme != "https" and _is_slack_host(host):
        return False
    for entry in allowed_hosts:
        entry = entry.lower()
        allowed = urlsplit(entry if "://" in entry else f"//{entry}")
        if allowed.scheme and allowed.scheme != parts.scheme:
            continue
        name = allowed.hostname or ""
        if allowed.port is not None and allowed.port != port:
            continue
        if allowed.port is None and parts.port not in (None, 80, 443):
            continue
        if host == name or (name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


def check_host(url: str, allowed_hosts: Collection[str]) -> None:
    """Refuse a file URL off `allowed_hosts` (SourceRejected): known before any request."""
    if not is_allowed(url, allowed_hosts):
        raise SourceRejected(
            "This file is not on a Slack file host, so Recap will not "
            "download it with its Slack token."
        )


def _too_big(max_bytes: int) -> SourceRejected:
    return SourceRejected(f"This file is over the {max_bytes / 1048576:g} MB limit.")


@asynccontextmanager
async def open_download(
    session: aiohttp.ClientSession,
    url: str,
    *,
    token: str,
    allowed_hosts: Collection[str],
    max_bytes: int,
    chunk_size: int = 1 << 20,
    backoff: float = 1.0,
    announced: int | None = None,
) -> AsyncIterator[Download]:
    """Open `url` with the bot token; opening is retried (429, 5xx, dropped connections).

    `announced`: the file's size as Slack's file object gave it, when the bytes go on with
    that Content-Length (see _chunks)."""
    check_host(url, allowed_hosts)
    response, first = await with_retries(
        lambda: _open(session, url, token, allowed_hosts, max_bytes, chunk_size),
        service="Slack's file host",
        backoff=backoff,
    )
    try:
        yield Download(
            response.content_length,
            response.content_type,
            _chunks(response, first, max_bytes, chunk_size, announced),
        )
    finally:
        response.close()


async def _open(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    allowed_hosts: Collection[str],
    max_bytes: int,
    chunk_size: int,
) -> tuple[aiohttp.ClientResponse, bytes]:
    """One attempt: follow redirects inside Slack, check the answer, sniff the first bytes."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if not is_allowed(current, allowed_hosts):  # checked before the token leaves
            raise DownloadFailed(
                "Slack redirected the download away from its own file "
                "hosts, so Recap stopped rather than send its token there."
            )
        try:
            response = await session.get(
                current,
                headers={"Authorization": f"Bearer {token}"},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=None, connect=30, sock_read=120),
            )
        except TimeoutError:
            raise Transient("timed out") from None
        except aiohttp.ClientError as error:
            raise Transient(f"connection failed: {type(error).__name__}") from None
        if response.status not in REDIRECTS:
            try:
                return response, await _check(response, max_bytes, chunk_size)
            except BaseException:
                response.close()
                raise
        location = response.headers.get("Location", "")
        response.close()
        current = str(URL(current).join(URL(location)))
    raise DownloadFailed("Slack redirected the download too many times; try again later.")


async def _check(response: aiohttp.ClientResponse, max_bytes: int, chunk_size: int) -> bytes:
    """Refuse a bad answer before any byte is passed on; return the bytes already read."""
    status = response.status
    if status == 429 or status >= 500:
        raise Transient(f"HTTP {status}")
    if status != 200:
        raise DownloadFailed(
            f"Slack refused the download (HTTP {status}); check that the app "
            "has the files:read scope and is in this channel."
        )
    if (response.content_length or 0) > max_bytes:
        raise _too_big(max_bytes)
    if response.content_type == "text/html":
        raise DownloadFailed(HTML_PAGE)
    first = b""
    try:
        while len(first) < SNIFF_BYTES and (piece := await response.content.read(chunk_size)):
            first += piece
    except TimeoutError:
        raise Transient("timed out") from None
    except aiohttp.ClientError as error:
        raise Transient(f"connection failed: {type(error).__name__}") from None
    if first.lstrip()[:9].lower().startswith((b"<!doctype", b"<html")):
        raise DownloadFailed(HTML_PAGE)
    return first


async def _chunks(
    response: aiohttp.ClientResponse, first: bytes, max_bytes: int, chunk_size: int,
    announced: int | None = None,
) -> AsyncIterator[bytes]:
    """The body as it arrives; past `max_bytes` it stops with SourceRejected.

    With `announced` (the size an upload's Content-Length promised) no byte past it is passed
    on: a longer body is read on, unpassed, to `max_bytes` to say which limit it broke, and a
    body of another size ends with DownloadFailed, never with a malformed upload.
    """
    seen, passed = 0, True
    try:
        async for piece in _body(response, first, chunk_size):
            seen += len(piece)
            if seen > max_bytes:
                raise _too_big(max_bytes)
            passed = passed and (announced is None or seen <= announced)
            if passed:
                yield piece
    except (aiohttp.ClientError, TimeoutError) as error:
        raise DownloadFailed(
            f"The download from Slack broke off ({type(error).__name__}); try again."
        ) from None
    if announced is not None and seen != announced:
        raise DownloadFailed(WRONG_SIZE)


async def _body(
    response: aiohttp.ClientResponse, first: bytes, chunk_size: int
) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for piece in response.content.iter_chunked(chunk_size):
        yield piece
