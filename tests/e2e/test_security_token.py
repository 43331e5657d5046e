"""The bot token goes to Slack and nowhere else: not across a redirect, not to a file on another
host. A person sees one clear sentence in the thread; AssemblyAI hears nothing at all."""

from __future__ import annotations

from aiohttp import web

from tests.e2e.people import share, statuses, text_of


class Elsewhere:
    """A second loopback host: records the Authorization header of every request it gets."""

    def __init__(self) -> None:
        self.authorization: list[str | None] = []

    async def _any(self, request: web.Request) -> web.StreamResponse:
        self.authorization.append(request.headers.get("Authorization"))
        return web.Response(body=b"ID3" + b"\0" * 4096, content_type="audio/mpeg")

    async def __aenter__(self) -> Elsewhere:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/standup.mp3"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()


async def failure_in_thread(stage, thread_ts: str) -> str:
    """The job's status message once it shows a failure (a cross)."""

    failed = await stage.slack.wait_for(
        lambda: [m for m in statuses(stage, thread_ts) if m.text.startswith(":x:")], timeout=10)
    return text_of(failed[0])


async def test_a_download_redirected_off_slack_never_carries_the_token(stage, app):
    async with Elsewhere() as elsewhere:
        file = stage.slack.add_file("standup.mp3", redirect_to=elsewhere.url)
        said = await failure_in_thread(stage, await share(stage, app, file))

        assert "redirected the download away from its own file hosts" in said
        slack_got = [d for d in stage.slack.downloads if d.file_id == file["id"]]
        assert slack_got and all(d.auth_ok for d in slack_got)  # Slack itself got the token
        assert [a for a in elsewhere.authorization if a] == []  # the other host never did
        # The upload opened beside the download was cut before a byte of the file: nothing
        # uploaded, nothing submitted.
        assert stage.assemblyai.uploaded == [] and stage.assemblyai.creates == 0
        assert all(r.path == "/v2/upload" and r.body_size == 0 for r in stage.assemblyai.requests)


async def test_a_file_whose_url_names_another_host_is_not_fetched_with_the_token(stage, app):
    async with Elsewhere() as elsewhere:
        file = stage.slack.add_file("standup.mp3")
        file["url_private_download"] = file["url_private"] = elsewhere.url  # a forged file object
        said = await failure_in_thread(stage, await share(stage, app, file))

        assert "not on a Slack file host" in said
        assert elsewhere.authorization == []
        assert stage.assemblyai.requests == []
        assert all(d.file_id != file["id"] for d in stage.slack.downloads)
