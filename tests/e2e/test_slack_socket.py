"""Socket Mode: with SLACK_APP_TOKEN set Recap opens apps.connections.open's WebSocket and takes
events, commands and clicks from it (no signing secret, no public URL); each is acknowledged
on the socket and handled as over HTTP."""

from __future__ import annotations

import aiohttp

from tests.e2e.people import (
    CHANNEL,
    blocks_problems,
    bot_replies,
    button,
    recaps,
    share_event,
    text_of,
    wait_reaction,
)


async def test_socket_mode_takes_a_drop_a_command_and_a_click(stage):
    app = await stage.app(SLACK_APP_TOKEN=stage.slack.app_token, SLACK_SIGNING_SECRET="")
    envelope = share_event(stage)
    ts = envelope["event"]["ts"]

    ack = await stage.slack.socket_send("events_api", envelope)
    assert ack["envelope_id"] and "payload" not in ack
    await wait_reaction(stage, ts, "white_check_mark")
    status, recap = bot_replies(stage, ts)
    assert "Recap ready" in status.text and "Recap: standup.mp3" in text_of(recap)
    call = stage.slack.calls("apps.connections.open")[0]
    assert call.token == stage.slack.app_token  # the app-level token, only for the socket

    help_ack = await stage.slack.socket_send(
        "slash_commands", stage.slack.command_payload("/recap", "help", channel=CHANNEL))
    assert "/recap STYLE" in help_ack["payload"]["text"]

    click = stage.slack.click_payload(channel=CHANNEL, message_ts=recap.ts,
                                      action_id="restyle:brief",
                                      value=button(recap, "restyle:brief")["value"])
    click_ack = await stage.slack.socket_send("interactive", click)
    assert click_ack["envelope_id"]
    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 2)
    assert "*Topics*" not in text_of(recaps(stage, ts)[1])
    assert stage.assemblyai.creates == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []

    # Nothing is taken over HTTP: requests there are not signed in Socket Mode.
    async with aiohttp.ClientSession() as session, session.post(
        app.events_url, json=stage.slack.user_message(CHANNEL, "x")
    ) as response:
        assert response.status == 404
    assert "will be unused" not in app.logs()

