"""Events in the simulated workspace: what people post, mention and share, stored as messages
and wrapped as the Events API delivers them (the envelope `deliver` or `socket_send` carries).

May import: the standard library, bot.sim.slack.views, .model and .wire.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bot.sim.slack.model import Message
from bot.sim.slack.views import Views
from bot.sim.slack.wire import channel_type


class Events(Views):
    """People posting, mentioning the bot and sharing files (mixed into SlackSim)."""

    def event_envelope(self, event: dict[str, Any]) -> dict[str, Any]:
        """Wrap an inner event the way the Events API delivers it, for its channel's team."""
        event_id = self._new_id("Ev")
        team = self.team_of(str(event.get("channel") or event.get("channel_id") or ""))
        return {"token": "sim-verification-token", "team_id": team,
                "api_app_id": self.app_id, "event": event, "type": "event_callback",
                "event_id": event_id, "event_time": int(time.time()),
                "authorizations": [{"enterprise_id": None, "team_id": team,
                                    "user_id": self.bot_user_id, "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False, "event_context": f"4-sim-{event_id}"}

    def message_event(self, msg: Message) -> dict[str, Any]:
        """The `message` event Slack sends for a stored message."""
        event = self.message_json(msg)
        event.update(channel=msg.channel, event_ts=msg.ts, channel_type=channel_type(msg.channel))
        if msg.bot_id is None:
            event["client_msg_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, msg.channel + msg.ts))
        return self.event_envelope(event)

    def user_message(self, channel: str, text: str, *, user: str = "U0ALICE",
                     files: list[dict[str, Any] | str] | None = None,
                     thread_ts: str | None = None) -> dict[str, Any]:
        """Post as a person (with files: subtype file_share); returns the event envelope."""
        objs = [self._file(f).obj for f in files or []]
        for obj in objs:
            obj["channels"].append(channel)
        msg = self._store(Message(channel, self._next_ts(), text, [], user, None, thread_ts,
                                  "file_share" if objs else None, objs))
        return self.message_event(msg)

    def app_mention(self, channel: str, text: str, *, user: str = "U0ALICE",
                    thread_ts: str | None = None, files: list[dict[str, Any] | str] | None = None,
                    files_in_event: bool = False) -> dict[str, Any]:
        """Mention the bot; stores the message and returns the app_mention envelope.

        Whether Slack puts `files` on app_mention is unverified (API-NOTES §4.8), so
        they are left out unless `files_in_event`; `message_event(sim.find(...))`
        gives the parallel message event.
        """
        mention = f"<@{self.bot_user_id}>"
        text = text if mention in text else f"{mention} {text}"
        envelope = self.user_message(channel, text, user=user, files=files, thread_ts=thread_ts)
        msg_event = envelope["event"]
        event = {k: msg_event[k] for k in ("client_msg_id", "text", "user", "ts", "team",
                                           "channel", "event_ts", "thread_ts") if k in msg_event}
        event["type"] = "app_mention"
        if files_in_event and "files" in msg_event:
            event["files"] = msg_event["files"]
        envelope["event"] = event
        return envelope

    def file_shared_event(self, file: dict[str, Any] | str, channel: str, *,
                          user: str = "U0ALICE") -> dict[str, Any]:
        file_id = self._file(file).obj["id"]
        return self.event_envelope({"type": "file_shared", "channel_id": channel,
                                    "file_id": file_id, "user_id": user, "file": {"id": file_id},
                                    "event_ts": self._next_ts()})

    def bot_message(self, channel: str, text: str | None = None, *, ts: str | None = None,
                    thread_ts: str | None = None) -> dict[str, Any]:
        """The echo of the bot's own post (the message at `ts`, a new one with `text`,
        or its latest in `channel`), to check that the app ignores itself."""
        if text is not None:
            msg = self._post(channel, text, [], thread_ts=thread_ts, via="bot_message")
        else:
            found = [m for m in self.bot_messages(channel) if ts is None or m.ts == ts]
            if not found:
                raise LookupError(f"no bot message in {channel}")
            msg = found[-1]
        return self.message_event(msg)
