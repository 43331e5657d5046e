"""Modals in the Slack simulator: views.open with the trigger_ids the sim hands out, views.update,
and a person submitting the form to a Bolt app that answers with errors, an update or nothing."""

from __future__ import annotations

import json

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

CHANNEL = "C0GENERAL"
STYLE = {"type": "input", "block_id": "style", "label": {"type": "plain_text", "text": "Style"},
         "element": {"type": "static_select", "action_id": "pick", "options": [
             {"text": {"type": "plain_text", "text": "Short"}, "value": "short"},
             {"text": {"type": "plain_text", "text": "Detailed"}, "value": "detailed"}]}}
NOTES = {"type": "input", "block_id": "notes", "optional": True,
         "label": {"type": "plain_text", "text": "Instructions"},
         "element": {"type": "plain_text_input", "action_id": "text", "multiline": True}}
VIEW = {"type": "modal", "callback_id": "recap_style", "private_metadata": "job:7",
        "title": {"type": "plain_text", "text": "Restyle the recap"},
        "submit": {"type": "plain_text", "text": "Restyle"}, "blocks": [STYLE, NOTES]}


async def test_a_command_opens_a_modal_and_its_submission_reaches_bolt(sim, client, bolt):
    app = AsyncApp(client=client, signing_secret=sim.signing_secret)
    submitted: list[dict] = []

    @app.command("/recap")
    async def on_command(ack, body, client):
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    @app.view("recap_style")
    async def on_submit(ack, view, body):
        submitted.append(body)
        notes = view["state"]["values"]["notes"]["text"]["value"] or ""
        if "ping" in notes:
            await ack(response_action="errors", errors={"notes": "No pings, please"})
            return
        await ack(response_action="update", view={
            "type": "modal", "title": {"type": "plain_text", "text": "Restyling"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "On its way"}}]})

    async with bolt(app) as url:
        assert (await sim.command(url, "/recap", "style", channel=CHANNEL))[0] == 200
        modal, = await sim.wait_for(lambda: sim.modals(open_only=True))
        assert modal.user == "U0ALICE" and modal.view["callback_id"] == "recap_style"
        assert modal.view["id"].startswith("V") and modal.view["root_view_id"] == modal.id

        status, body = await sim.submit_view(url, modal.id, {
            "style": {"pick": "detailed"}, "notes": {"text": "ping <!channel>"}})
        assert status == 200 and json.loads(body)["response_action"] == "errors"
        assert modal.is_open and modal.errors == {"notes": "No pings, please"}

        await sim.submit_view(url, modal.id, {"style": {"pick": "short"}})
        assert modal.is_open and modal.view["title"]["text"] == "Restyling"
        assert [v["title"]["text"] for v in modal.versions] == ["Restyle the recap"]

    first = submitted[0]
    assert (first["type"], first["user"]["id"], first["team"]["id"]) == (
        "view_submission", "U0ALICE", "T0SIM")
    assert first["view"]["private_metadata"] == "job:7"
    assert first["view"]["state"]["values"]["style"]["pick"]["selected_option"]["value"] == (
        "detailed")
    assert submitted[1]["view"]["state"]["values"]["notes"]["text"] == {
        "type": "plain_text_input", "value": None}
    assert sim.calls("views.open")[0].response["view"]["state"] == {"values": {}}


async def test_trigger_ids_are_exchanged_once_within_three_seconds(sim, client):
    now = [50.0]
    sim.clock = lambda: now[0]
    command = sim.command_payload("/recap", "", channel=CHANNEL)
    sim.bot_message(CHANNEL, "recap")
    click = sim.click_payload(channel=CHANNEL, message_ts=sim.bot_messages()[0].ts,
                              action_id="restyle", value="7", user="U0BOB")
    opened = await client.views_open(trigger_id=click["trigger_id"], view=VIEW)
    assert sim.modal(opened["view"]["id"]).user == "U0BOB"
    for trigger, error in [(click["trigger_id"], "exchanged_trigger_id"),
                           ("12345.98765.abcdef", "invalid_trigger_id")]:
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id=trigger, view=VIEW)
        assert refused.value.response["error"] == error
    now[0] += 3.5
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        await client.views_open(trigger_id=command["trigger_id"], view=VIEW)
    assert len(sim.modals()) == 1


@pytest.mark.parametrize("change", [
    {"title": {"type": "plain_text", "text": "A title far longer than Slack takes"}},
    {"submit": None}, {"type": "home"}, {"colour": "blue"}, {"blocks": []},
    {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]},
])
async def test_views_slack_would_refuse_are_invalid_arguments(sim, client, change):
    trigger = sim.command_payload("/recap", "", channel=CHANNEL)["trigger_id"]
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id=trigger, view={**VIEW, **change})
    assert refused.value.response["error"] == "invalid_arguments"
    assert refused.value.response["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert sim.modals() == [] and len(sim.violations) == 1
    await client.views_open(trigger_id=trigger, view=VIEW)  # a refusal does not use it up


async def test_views_update_checks_the_hash_and_the_id(sim, client):
    trigger = sim.command_payload("/recap", "", channel=CHANNEL)["trigger_id"]
    view = (await client.views_open(trigger_id=trigger, view={**VIEW, "external_id": "job7"}))
    view = view["view"]
    waiting = {**VIEW, "title": {"type": "plain_text", "text": "Working"}}
    updated = await client.views_update(external_id="job7", view=waiting, hash=view["hash"])
    assert updated["view"]["id"] == view["id"] and updated["view"]["hash"] != view["hash"]
    for args, error in [({"view_id": view["id"], "hash": view["hash"]}, "hash_conflict"),
                        ({"view_id": "V0NOPE"}, "not_found")]:
        with pytest.raises(SlackApiError) as refused:
            await client.views_update(view=waiting, **args)
        assert refused.value.response["error"] == error
    assert len(sim.modal(view["id"]).versions) == 1


async def test_the_person_cannot_submit_what_slack_would_not_send(sim, client):
    trigger = sim.command_payload("/recap", "", channel=CHANNEL)["trigger_id"]
    view_id = (await client.views_open(trigger_id=trigger, view=VIEW))["view"]["id"]
    with pytest.raises(ValueError, match="required"):
        sim.view_submission_payload(view_id, {"notes": {"text": "only notes"}})
    with pytest.raises(ValueError, match="no input"):
        sim.view_submission_payload(view_id, {"style": {"pick": "short"}, "nope": {"a": "b"}})
    with pytest.raises(ValueError, match="no option"):
        sim.view_submission_payload(view_id, {"style": {"pick": "medium"}})

    pushed = {"type": "modal", "title": {"type": "plain_text", "text": "Sure?"},
              "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Sure?"}}]}
    sim.apply_view_response(view_id, {"response_action": "push", "view": pushed})
    top = sim.modals(open_only=True)[-1]
    assert top.view["previous_view_id"] == view_id and top.view["root_view_id"] == view_id
    sim.apply_view_response(top.id, "")
    assert [m.id for m in sim.modals(open_only=True)] == [view_id]
    sim.apply_view_response(view_id, {"response_action": "clear"})
    assert sim.modals(open_only=True) == []


async def test_a_modal_round_trip_over_socket_mode(sim, client):
    app = AsyncApp(client=client, signing_secret=sim.signing_secret)

    @app.command("/recap")
    async def on_command(ack, body, client):
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    @app.view("recap_style")
    async def on_submit(ack, view):
        style = view["state"]["values"]["style"]["pick"]["selected_option"]["value"]
        if style == "detailed":
            await ack(response_action="errors", errors={"style": "Not today"})
        else:
            await ack()

    handler = AsyncSocketModeHandler(app, sim.app_token)
    await handler.connect_async()
    try:
        await sim.socket_send("slash_commands",
                              sim.command_payload("/recap", "", channel=CHANNEL))
        modal, = await sim.wait_for(lambda: sim.modals(open_only=True))
        ack = await sim.socket_submit_view(modal.id, {"style": {"pick": "detailed"}})
        assert ack["payload"] == {"response_action": "errors", "errors": {"style": "Not today"}}
        assert modal.is_open and modal.errors == {"style": "Not today"}
        await sim.socket_submit_view(modal.id, {"style": {"pick": "short"}})
        assert not modal.is_open and len(modal.submissions) == 2
    finally:
        await handler.close_async()
