"""The people in the simulated workspace, as the app hears them: slash commands and button
clicks, and every request (events too) signed and POSTed to the app over HTTP as Slack does.
Commands and clicks carry the channel's team and a trigger_id views.open can exchange. A click
on a `feedback_buttons` element sends the action Slack sends for it (docs.slack.dev bolt-js
reference `FeedbackButtonsAction`): type feedback_buttons, the chosen button's `text` and
`value`, with the element's action_id and its block's block_id.

May import: the standard library, aiohttp, bot.sim.slack.events and .wire.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.sim.slack.events import Events
from bot.sim.slack.wire import signature


class People(Events):
    """Commands, clicks and signed HTTP delivery (mixed into SlackSim)."""

    def sign(self, body: bytes, timestamp: int | str | None = None) -> dict[str, str]:
        """The X-Slack-* headers for `body`, signed now (or at `timestamp`)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {"X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(self.signing_secret, ts, body)}

    def command_payload(self, command: str, text: str, *, channel: str,
                        user: str = "U0ALICE") -> dict[str, str]:
        """A slash command's fields (form-encoded over HTTP, JSON in Socket Mode)."""
        team = self.team_of(channel)
        return {"token": "sim-verification-token", "team_id": team,
                "team_domain": self.domain(team), "channel_id": channel,
                "channel_name": self.channel_names.get(channel, channel.lower()),
                "user_id": user, "user_name": self.users.get(user, {}).get("name", user),
                "command": command, "text": text, "api_app_id": self.app_id,
                "is_enterprise_install": "false",
                "response_url": self._response_url_for(channel, user),
                "trigger_id": self._new_trigger(user, team)}

    def click_payload(self, *, channel: str, message_ts: str, action_id: str, value: str,
                      user: str = "U0ALICE") -> dict[str, Any]:
        """A block_actions payload for a button in a stored message, or in an ephemeral that
        `user` was shown (its container says is_ephemeral, and no `message` comes with it); for
        feedback buttons `value` is the chosen button's value (or "positive" / "negative")."""
        msg = self.find(channel, message_ts)
        private = None if msg else next((e for e in self._ephemerals if e.channel == channel
                                         and e.ts == message_ts and e.user == user), None)
        if msg is None and private is None:
            raise LookupError(f"no message {message_ts} in {channel} that {user} can see")
        team, name = self.team_of(channel), self.users.get(user, {}).get("name", user)
        action = {"action_id": action_id, "block_id": "sim_block",
                  "text": {"type": "plain_text", "text": action_id}, "value": value,
                  "type": "button", "action_ts": f"{time.time():.6f}"}
        shown = msg.blocks if msg is not None else private.blocks if private else []
        for block in shown:
            for element in block.get("elements") or []:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    action["block_id"] = block.get("block_id", action["block_id"])
                    action.update(_pressed(element, value))
        container = {"type": "message", "message_ts": message_ts, "channel_id": channel,
                     "is_ephemeral": msg is None}
        if msg is not None and msg.is_reply:
            container["thread_ts"] = msg.thread_ts
        payload: dict[str, Any] = {"type": "block_actions", "api_app_id": self.app_id,
                   "token": "sim-verification-token", "container": container,
                   "trigger_id": self._new_trigger(user, team),
                   "team": {"id": team, "domain": self.domain(team)}, "enterprise": None,
                   "is_enterprise_install": False,
                   "user": {"id": user, "username": name, "name": name,
                            "team_id": self.team_of_user(user, channel)},
                   "channel": {"id": channel,
                               "name": self.channel_names.get(channel, channel.lower())},
                   "state": {"values": {}},
                   "response_url": self._response_url_for(channel, user, message_ts),
                   "actions": [action]}
        if msg is not None:  # an ephemeral's click carries no `message`, only the container
            payload["message"] = self.message_json(msg)
        return payload

    async def deliver(self, app_url: str, envelope: dict[str, Any], *,
                      retry_num: int | None = None, retry_reason: str = "http_timeout",
                      bad_signature: bool = False,
                      timestamp: int | None = None) -> tuple[int, str, float]:
        """POST an Events API body to the app as Slack does; returns (status, body, seconds)."""
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json", **self.sign(body, timestamp)}
        if bad_signature:
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return await self._send(app_url, body, headers)

    async def command(self, app_url: str, command: str, text: str, *, channel: str,
                      user: str = "U0ALICE") -> tuple[int, str]:
        """Run a slash command against the app over HTTP; returns (status, ack body)."""
        body = urlencode(self.command_payload(command, text, channel=channel, user=user)).encode()
        status, text_body, _ = await self._send(app_url, body, self._form_headers(body))
        return status, text_body

    async def click(self, app_url: str, *, channel: str, message_ts: str, action_id: str,
                    value: str, user: str = "U0ALICE") -> tuple[int, str]:
        """Click a button in a stored message; returns (status, ack body)."""
        payload = self.click_payload(channel=channel, message_ts=message_ts,
                                     action_id=action_id, value=value, user=user)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        status, text_body, _ = await self._send(app_url, body, self._form_headers(body))
        return status, text_body

    def _form_headers(self, body: bytes) -> dict[str, str]:
        return {"Content-Type": "application/x-www-form-urlencoded", **self.sign(body)}

    async def _send(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, float]:
        assert self._session is not None, "start the sim first"
        started = time.monotonic()
        async with self._session.post(url, data=body, headers=headers) as response:
            text = await response.text()
        return response.status, text, time.monotonic() - started


def _pressed(element: dict[str, Any], value: str) -> dict[str, Any]:
    """What the pressed element adds to the action: a button's label, or the chosen one of a
    feedback_buttons pair (by its value, or by "positive" / "negative")."""
    if element.get("type") != "feedback_buttons":
        return {"text": element.get("text") or {"type": "plain_text", "text": value}}
    pair = {side: element.get(f"{side}_button") or {} for side in ("positive", "negative")}
    chosen = next((b for b in pair.values() if b.get("value") == value), None) or pair.get(value)
    if not chosen:
        raise LookupError(f"feedback button {value!r} is neither value of {element['action_id']}")
    return {"type": "feedback_buttons", "text": chosen.get("text"), "value": chosen["value"]}
