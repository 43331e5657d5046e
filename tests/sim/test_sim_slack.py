"""The Slack simulator against Slack's own SDKs: if slack_sdk and bolt are happy with it,
the app's tests can trust it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sim.slack import MIB, SlackSim

FIXTURES = Path("/work/shared/fixtures")
CHANNEL = "C0GENERAL"
BUTTONS = [{"type": "actions", "block_id": "recap_actions", "elements": [
    {"type": "button", "action_id": "transcript", "value": "7",
     "text": {"type": "plain_text", "text": "Transcript"}}]}]


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_the_bot_threads_a_status_message_and_edits_it_in_place(sim, client):
    auth = await client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("U0RECAP", "B0RECAP", "T0SIM")

    parent = sim.user_message(CHANNEL, "standup recording")["event"]
    status = await client.chat_postMessage(channel=CHANNEL, thread_ts=parent["ts"],
                                           text="Transcribing…")
    assert status["message"]["thread_ts"] == parent["ts"]
    await client.chat_update(channel=CHANNEL, ts=status["ts"], text="Summarising…")
    await client.chat_update(channel=CHANNEL, ts=status["ts"], text="Done", blocks=BUTTONS)
    await client.reactions_add(channel=CHANNEL, name="white_check_mark", timestamp=parent["ts"])
    with pytest.raises(SlackApiError) as again:
        await client.reactions_add(channel=CHANNEL, name="white_check_mark",
                                   timestamp=parent["ts"])
    assert again.value.response["error"] == "already_reacted"

    root, reply = sim.thread(CHANNEL, status["ts"])
    assert (root.text, root.reactions) == ("standup recording", {"white_check_mark": ["U0RECAP"]})
    assert (reply.text, reply.edits, reply.blocks) == ("Done", 2, BUTTONS)
    assert [v["text"] for v in reply.versions] == ["Transcribing…", "Summarising…"]
    assert len(sim.bot_messages(CHANNEL)) == 1

    replies = await client.conversations_replies(channel=CHANNEL, ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["standup recording", "Done"]
    assert replies["messages"][0]["reply_count"] == 1
    link = await client.chat_getPermalink(channel=CHANNEL, message_ts=status["ts"])
    assert link["permalink"].endswith(f"thread_ts={parent['ts']}&cid={CHANNEL}")
    await client.reactions_remove(channel=CHANNEL, name="white_check_mark",
                                  timestamp=parent["ts"])
    assert sim.find(CHANNEL, parent["ts"]).reactions == {}


async def test_every_method_answers_the_way_slack_sdk_sends_it(sim, client):
    first = sim.user_message(CHANNEL, "one")["event"]["ts"]
    second = (await client.chat_postMessage(channel=CHANNEL, text="two"))["ts"]
    history = await client.conversations_history(channel=CHANNEL, limit=1)
    assert [m["text"] for m in history["messages"]] == ["two"] and history["has_more"]
    rest = await client.conversations_history(channel=CHANNEL,
                                              cursor=history["response_metadata"]["next_cursor"])
    assert [m["ts"] for m in rest["messages"]] == [first]

    shown = await client.chat_postEphemeral(channel=CHANNEL, user="U0ALICE", text="just you")
    assert sim.ephemerals(CHANNEL)[0].text == "just you" and shown["message_ts"]
    assert (await client.users_info(user="U0ALICE"))["user"]["name"] == "alice"
    await client.chat_delete(channel=CHANNEL, ts=second)
    assert [m.ts for m in sim.messages(CHANNEL)] == [first]
    with pytest.raises(SlackApiError, match="cant_update_message"):
        await client.chat_update(channel=CHANNEL, ts=first, text="not mine")
    with pytest.raises(SlackApiError, match="thread_not_found"):
        await client.conversations_replies(channel=CHANNEL, ts="1.000000")

    forms = {c.method: (c.http_method, c.content_type) for c in sim.calls()}
    assert forms["conversations.history"][0] == forms["users.info"][0] == "GET"
    assert forms["chat.postMessage"] == ("POST", "application/json")
    assert forms["chat.delete"][0] == "POST"
    assert sim.calls("chat.delete")[0].args == {"channel": CHANNEL, "ts": second}


async def test_tokens_are_checked_like_slack(sim):
    for token, error in [(None, "not_authed"), ("xoxb-wrong", "invalid_auth"),
                         (sim.app_token, "not_allowed_token_type")]:
        with pytest.raises(SlackApiError) as failed:
            await AsyncWebClient(token=token, base_url=sim.api_url).auth_test()
        assert failed.value.response["error"] == error
    opened = await AsyncWebClient(token=sim.app_token, base_url=sim.api_url).apps_connections_open(
        app_token=sim.app_token)
    assert opened["url"].startswith(f"ws://127.0.0.1:{sim.port}/link")


async def test_rate_limit_is_retried_once_by_slack_sdk(sim):
    client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url,
                            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    sim.fail_next("chat.postMessage", status=429, retry_after=0)
    await client.chat_postMessage(channel=CHANNEL, text="after the limit")
    assert [c.status for c in sim.calls("chat.postMessage")] == [429, 200]
    assert sim.calls("chat.postMessage")[0].error == "ratelimited"
    assert [m.text for m in sim.bot_messages()] == ["after the limit"]


async def test_server_errors_dropped_connections_and_chosen_errors(sim, client):
    sim.fail_next("chat.update", status=500)
    with pytest.raises(SlackApiError):
        await client.chat_update(channel=CHANNEL, ts="1.0", text="x")
    sim.drop_next("chat.postMessage")  # slack_sdk retries connection errors by default
    await client.chat_postMessage(channel=CHANNEL, text="made it")
    assert [c.status for c in sim.calls("chat.postMessage")] == [0, 200]
    sim.error_next("reactions.add", "too_many_reactions")
    with pytest.raises(SlackApiError, match="too_many_reactions"):
        await client.reactions_add(channel=CHANNEL, name="eyes", timestamp="1.0")


@pytest.mark.parametrize(("blocks", "text", "error"), [
    ([section("x")] * 51, "fallback", "invalid_blocks"),
    ([section("x" * 3001)], "fallback", "invalid_blocks"),
    ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "f",
     "invalid_blocks"),
    ([{"type": "markdown", "text": "m" * 12_001}], "fallback", "invalid_blocks"),
    ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "f",
     "invalid_blocks"),
    ([{"type": "actions", "elements": BUTTONS[0]["elements"] * 26}], "f", "invalid_blocks"),
    ([{"type": "section"}], "fallback", "invalid_blocks"),
    ([{"type": "not_a_block"}], "fallback", "invalid_blocks"),
    (None, "t" * 40_001, "msg_too_long"),
    (None, "", "no_text"),
])
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_messages_over_slacks_limits_are_refused(sim, client, blocks, text, error):
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=CHANNEL, text=text, blocks=blocks)
    assert refused.value.response["error"] == error
    assert sim.violations and sim.violations[0].startswith(f"chat.postMessage: {error}")
    assert sim.bot_messages() == []


async def test_limits_at_the_edge_are_accepted(sim, client):
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
              {"type": "markdown", "text": "m" * 12_000}] + [section("s" * 3000)] * 48
    await client.chat_postMessage(channel=CHANNEL, text="t" * 40_000, blocks=blocks)
    assert sim.violations == [] and len(sim.bot_messages()[0].blocks) == 50


async def test_downloads_need_the_bot_token_or_get_a_login_page(sim):
    audio = sim.add_file("here we go again.mp3", b"ID3" + b"\x01" * 1000)
    assert (audio["media_display_type"], audio["mimetype"], audio["size"]) == (
        "audio", "audio/mpeg", 1003)
    assert audio["url_private_download"].startswith(f"{sim.url}/files-pri/T0SIM-F")
    async with aiohttp.ClientSession() as http:
        url = audio["url_private_download"]
        async with http.get(url, headers={"Authorization": f"Bearer {sim.bot_token}"}) as r:
            assert (r.status, r.content_type, await r.read()) == (200, "audio/mpeg",
                                                                  sim.file_bytes(audio))
        for headers in ({}, {"Authorization": "Bearer xoxb-other"}):
            async with http.get(url, headers=headers) as r:
                assert (r.status, r.content_type) == (200, "text/html")
                assert "Sign in" in await r.text()
        moved = sim.add_file("talk.mp4", size=10, redirect_to="http://example.invalid/cdn")
        async with http.get(moved["url_private_download"], allow_redirects=False,
                            headers={"Authorization": f"Bearer {sim.bot_token}"}) as r:
            assert (r.status, r.headers["Location"]) == (302, "http://example.invalid/cdn")
    assert [(d.has_auth, d.auth_ok, d.served) for d in sim.downloads] == [
        (True, True, "file"), (False, False, "login"), (True, False, "login"),
        (True, True, "redirect")]
    info = await AsyncWebClient(token=sim.bot_token, base_url=sim.api_url).files_info(
        file=audio["id"])
    assert info["file"] == audio


async def test_generated_files_stream_in_chunks_with_a_stable_hash(sim):
    video = sim.add_file("allhands.mp4", size=8 * MIB + 123)
    digest, size, chunks = hashlib.sha256(), 0, 0
    async with aiohttp.ClientSession() as http:
        async with http.get(video["url_private_download"],
                            headers={"Authorization": f"Bearer {sim.bot_token}"}) as r:
            assert r.content_length == 8 * MIB + 123
            async for chunk in r.content.iter_chunked(MIB):
                digest.update(chunk)
                size, chunks = size + len(chunk), chunks + 1
                if chunks == 1:
                    assert chunk[4:8] == b"ftyp"  # passes a magic-byte sniff
    assert (size, digest.hexdigest()) == (8 * MIB + 123, sim.file_sha256(video))
    assert sim.downloads[0].bytes_sent == size


async def test_files_upload_v2_lands_in_the_thread(sim, client):
    parent = sim.user_message(CHANNEL, "recording")["event"]["ts"]
    await client.files_upload_v2(channel=CHANNEL, thread_ts=parent, filename="recap.md",
                                 content=b"# Recap\n", initial_comment="Full transcript")
    _, reply = sim.thread(CHANNEL, parent)
    assert (reply.text, reply.files[0]["name"]) == ("Full transcript", "recap.md")
    assert sim.file_bytes(reply.files[0]) == b"# Recap\n"
    assert sim.uploaded_files() == reply.files


def test_signatures_match_slacks_test_vector_and_sdk_verifier():
    vector = json.loads((FIXTURES / "slack_signing_test_vector.json").read_text())
    sim = SlackSim(signing_secret=vector["signing_secret"])
    headers = sim.sign(vector["raw_body"].encode(), vector["x_slack_request_timestamp"])
    assert headers["X-Slack-Signature"] == vector["x_slack_signature"]

    body = json.dumps(sim.user_message(CHANNEL, "hi")).encode()
    verifier = SignatureVerifier(sim.signing_secret)
    assert verifier.is_valid_request(body, sim.sign(body))
    assert not verifier.is_valid_request(body + b" ", sim.sign(body))


async def test_events_commands_and_clicks_reach_a_bolt_app(sim):
    app = AsyncApp(client=AsyncWebClient(token=sim.bot_token, base_url=sim.api_url),
                   signing_secret=sim.signing_secret)

    @app.event({"type": "message", "subtype": "file_share"})
    async def on_file(event, client):
        await client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"],
                                      text=f"Got {event['files'][0]['name']}", blocks=BUTTONS)

    @app.command("/recap")
    async def on_command(ack, respond, command):
        await ack(f"Looking for {command['text']}…")
        await respond(response_type="in_channel", text="Here is the recap")

    @app.action("transcript")
    async def on_click(ack, respond, body):
        await ack()
        job = body["actions"][0]["value"]
        await respond(replace_original=True, text=f"Transcript of job {job}")

    runner = web.AppRunner(app.web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    app_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    try:
        audio = sim.add_file("standup.m4a", size=1000)
        event = sim.user_message(CHANNEL, "", files=[audio])
        assert event["event"]["files"][0]["url_private_download"] == audio["url_private_download"]
        assert (await sim.deliver(app_url, event, bad_signature=True))[0] == 401
        status, _, elapsed = await sim.deliver(app_url, event)
        assert status == 200 and elapsed < 3
        reply = await sim.wait_for(lambda: sim.bot_messages(CHANNEL))
        assert reply[0].thread_ts == event["event"]["ts"] and reply[0].text == "Got standup.m4a"

        status, _, _ = await sim.deliver(app_url, sim.bot_message(CHANNEL))
        assert status == 200  # bolt drops its own echo

        status, ack = await sim.command(app_url, "/recap", "yesterday", channel=CHANNEL)
        assert (status, ack) == (200, "Looking for yesterday…")
        await sim.wait_for(lambda: len(sim.bot_messages(CHANNEL)) == 2)

        status, _ = await sim.click(app_url, channel=CHANNEL, message_ts=reply[0].ts,
                                    action_id="transcript", value="7")
        assert status == 200
        await sim.wait_for(lambda: reply[0].edits == 1)
        assert reply[0].text == "Transcript of job 7"
        assert sim.count("auth.test") == 1
    finally:
        await runner.cleanup()


async def test_socket_mode_round_trip_with_bolt(sim):
    app = AsyncApp(client=AsyncWebClient(token=sim.bot_token, base_url=sim.api_url),
                   signing_secret=sim.signing_secret)

    @app.event("app_mention")
    async def on_mention(event, say):
        await say(text="On it", thread_ts=event["ts"])

    @app.command("/recap")
    async def on_command(ack):
        await ack("Queued")

    handler = AsyncSocketModeHandler(app, sim.app_token)
    await handler.connect_async()
    try:
        mention = sim.app_mention(CHANNEL, "recap this please")
        assert mention["event"]["text"] == "<@U0RECAP> recap this please"
        ack = await sim.socket_send("events_api", mention)
        assert set(ack) == {"envelope_id"}
        posted = await sim.wait_for(lambda: sim.bot_messages(CHANNEL))
        assert (posted[0].text, posted[0].thread_ts) == ("On it", mention["event"]["ts"])

        ack = await sim.socket_send("slash_commands",
                                    sim.command_payload("/recap", "", channel=CHANNEL))
        assert ack["payload"] == {"text": "Queued"}
    finally:
        await handler.close_async()


async def test_the_channel_reads_like_slack_for_the_demo(sim, client):
    sim.channel_names[CHANNEL] = "general"
    clip = sim.add_file("standup.mp3", size=2048)
    parent = sim.user_message(CHANNEL, "<@U0RECAP> recap please", files=[clip])["event"]["ts"]
    shared = sim.file_shared_event(clip, CHANNEL)["event"]
    assert (shared["type"], shared["file_id"]) == ("file_shared", clip["id"])
    assert (await client.files_info(file=clip["id"]))["file"]["channels"] == [CHANNEL]
    header = {"type": "header", "text": {"type": "plain_text", "text": "Standup"}}
    await client.chat_postMessage(channel=CHANNEL, thread_ts=parent, text="Recap",
                                  blocks=[header, section("Ship on Friday.")])
    assert sim.render(CHANNEL) == (
        "#general\n"
        "alice: @recap recap please [file: standup.mp3]\n"
        "  └ recap: Standup\n"
        "           Ship on Friday.")


async def test_delays_hold_an_answer_back(sim, client):
    sim.delay("auth.test", 0.2)
    started = asyncio.get_running_loop().time()
    await client.auth_test()
    assert asyncio.get_running_loop().time() - started >= 0.2
