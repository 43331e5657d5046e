"""The Web API edge's modal and private message, against the Slack simulator: views.open with a
click's trigger_id (once, within 3 s, else a SlackRefused naming Slack's code), and
chat.postEphemeral into a thread."""

from __future__ import annotations

import pytest

from bot.core.people_blocks import speakers_view
from bot.edges.slack_api import SlackAPI
from bot.errors import SlackRefused
from bot.sim.slack import SlackSim

CHANNEL = "C0MEETINGS"


@pytest.fixture
async def sim():
    async with SlackSim() as server:
        yield server


@pytest.fixture
async def slack(sim):
    api = SlackAPI.connect(sim.bot_token, sim.api_url, 0.01)
    yield api
    await api.aclose()


def clicked(sim: SlackSim, user: str = "U0BOB") -> str:
    sim.bot_message(CHANNEL, "Recap of a.mp3")
    return str(sim.click_payload(channel=CHANNEL, message_ts=sim.bot_messages()[-1].ts,
                                 action_id="speakers", value="7", user=user)["trigger_id"])


async def test_a_modal_opens_for_the_clicker_once(sim, slack):
    trigger = clicked(sim)
    view = speakers_view(["A", "B"], {"A": "Priya"}, metadata={"job": 7})
    view_id = await slack.open_view(trigger, view, team="T0SIM")
    modal = sim.modal(view_id)
    assert modal.user == "U0BOB" and modal.view["callback_id"] == "recap_speakers"
    assert sim.violations == []
    with pytest.raises(SlackRefused) as refused:
        await slack.open_view(trigger, view, team="T0SIM")
    assert refused.value.code == "exchanged_trigger_id"
    assert "exchanged_trigger_id" in refused.value.message


async def test_an_expired_trigger_is_refused(sim, slack):
    now = [100.0]
    sim.clock = lambda: now[0]
    trigger = clicked(sim)
    now[0] += 3.5
    with pytest.raises(SlackRefused) as refused:
        await slack.open_view(trigger, speakers_view(["A"], {}, metadata={}), team="T0SIM")
    assert refused.value.code == "expired_trigger_id" and sim.modals() == []


async def test_a_private_message_goes_to_one_person_in_the_thread(sim, slack):
    await slack.post_private(CHANNEL, "U0BOB", "Nothing for you in this one.", team="T0SIM",
                             thread_ts="1700000000.000100")
    (shown,) = sim.ephemerals(CHANNEL)
    assert (shown.user, shown.thread_ts, shown.text) == (
        "U0BOB", "1700000000.000100", "Nothing for you in this one.")
    assert sim.messages(CHANNEL) == []
