"""Modals in the simulated workspace, the person's side: filling in a modal the app opened and
pressing its submit button, delivered as Slack delivers it, then what the app's answer does.

The `view_submission` payload has the fields of bolt-python's own test
(tests/scenario_tests_async/test_view_submission.py): type, team, user, api_app_id, token,
trigger_id, the view with `state.values[block_id][action_id]`, response_urls. Over HTTP it is
a signed form body `payload=<json>`; `view_submission_payload` gives it for Socket Mode. Slack
fills a state value by the element's type (`value` for text inputs, `selected_option` for
selects...), lists every input block, and will not send a form whose required input is
empty (here: ValueError). The app's ack decides what happens next (docs.slack.dev "Modals"):
`response_action` errors (the modal stays open and shows them), update, push, clear, or an
empty 200 that closes it.

May import: the standard library, bot.sim.slack.people, .socket_mode and .modals.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.sim.slack.modals import Modals
from bot.sim.slack.people import People
from bot.sim.slack.socket_mode import SocketMode

TEXT = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
ONE = {"static_select": "selected_option", "external_select": "selected_option",
       "radio_buttons": "selected_option", "users_select": "selected_user",
       "conversations_select": "selected_conversation", "channels_select": "selected_channel",
       "datepicker": "selected_date", "timepicker": "selected_time"}
MANY = {"multi_static_select": "selected_options", "multi_external_select": "selected_options",
        "checkboxes": "selected_options", "multi_users_select": "selected_users",
        "multi_conversations_select": "selected_conversations",
        "multi_channels_select": "selected_channels"}


class Submissions(People, SocketMode, Modals):
    """Submitting modals (mixed into SlackSim)."""

    def view_submission_payload(self, view_id: str, values: dict[str, dict[str, Any]] | None = None,
                                *, user: str | None = None) -> dict[str, Any]:
        """The view_submission body for `values` ({block_id: {action_id: text or option
        value(s)}}) typed into the open modal `view_id`."""
        modal = self.modal(view_id)
        if not modal.is_open:
            raise ValueError(f"view {view_id} is closed")
        user = user or modal.user
        name = self.users.get(user, {}).get("name", user)
        state = _state(modal.view["blocks"], values or {})
        return {"type": "view_submission",
                "team": {"id": modal.team, "domain": self.domain(modal.team)},
                "user": {"id": user, "username": name, "name": name,
                         "team_id": self.team_of_user(user)},
                "api_app_id": self.app_id, "token": "sim-verification-token",
                "trigger_id": self._new_trigger(user, modal.team),
                "view": {**modal.view, "state": {"values": state}}, "response_urls": [],
                "is_enterprise_install": False, "enterprise": None}

    async def submit_view(self, app_url: str, view_id: str,
                          values: dict[str, dict[str, Any]] | None = None, *,
                          user: str | None = None) -> tuple[int, str]:
        """Press submit in the modal; returns the app's (status, body) after applying it."""
        payload = self.view_submission_payload(view_id, values, user=user)
        self.modal(view_id).submissions.append(payload)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        status, text, _ = await self._send(app_url, body, self._form_headers(body))
        if status == 200:
            self.apply_view_response(view_id, text)
        return status, text

    async def socket_submit_view(self, view_id: str,
                                 values: dict[str, dict[str, Any]] | None = None, *,
                                 user: str | None = None) -> dict[str, Any]:
        """Press submit with the app on Socket Mode; returns the envelope's ack after applying
        the response it carries."""
        payload = self.view_submission_payload(view_id, values, user=user)
        self.modal(view_id).submissions.append(payload)
        ack = await self.socket_send("interactive", payload)
        self.apply_view_response(view_id, ack.get("payload"))
        return ack

    def apply_view_response(self, view_id: str, body: dict[str, Any] | str | None) -> None:
        """What the app's ack to a submission does to the modal (also for Socket Mode acks)."""
        modal = self.modal(view_id)
        try:
            parsed = json.loads(body) if isinstance(body, str) and body.strip() else body or {}
        except ValueError:
            self._violation("view_submission", "invalid_response", "ack body is not JSON")
            return
        answer: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
        action = answer.get("response_action")
        if action == "errors":
            inputs = {b.get("block_id") for b in modal.view["blocks"] if b.get("type") == "input"}
            if unknown := [k for k in answer.get("errors") or {} if k not in inputs]:
                self._violation("view_submission", "invalid_errors", f"not inputs: {unknown}")
            modal.errors = dict(answer.get("errors") or {})
        elif action == "update":
            self._replace_view(modal, self._checked_view("response_action", answer.get("view")))
        elif action == "push":
            view = self._checked_view("response_action", answer.get("view"))
            self._open_modal(view, modal.user, modal.team, previous=modal)
        elif action == "clear":
            for m in self._modals.values():
                if m.view["root_view_id"] == modal.view["root_view_id"]:
                    m.is_open = False
        else:
            modal.is_open = False


def _state(blocks: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """view.state.values: every input block, and other blocks' elements the person set."""
    elements = {(b.get("block_id"), e.get("action_id")): (b, e) for b in blocks
                for e in [b.get("element"), b.get("accessory"), *(b.get("elements") or [])]
                if isinstance(e, dict) and e.get("action_id")}
    given: dict[tuple[Any, Any], Any] = {
        (bid, aid): v for bid, actions in values.items() for aid, v in actions.items()}
    if unknown := [k for k in given if k not in elements]:
        raise ValueError(f"no input {unknown} in the view")
    state: dict[str, Any] = {}
    for (bid, aid), (block, element) in elements.items():
        if block.get("type") != "input" and (bid, aid) not in given:
            continue
        value = given.get((bid, aid))
        if block.get("type") == "input" and not block.get("optional") and value in (None, "", []):
            raise ValueError(f"{bid}/{aid} is required: Slack will not submit the form")
        state.setdefault(str(bid), {})[str(aid)] = _state_value(element, value)
    return state


def _state_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = str(element.get("type"))
    if isinstance(value, dict):
        return {"type": kind, **value}
    if kind in TEXT:
        return {"type": kind, "value": value or None}
    options = [*(element.get("options") or []),
               *(o for g in element.get("option_groups") or [] for o in g.get("options") or [])]
    if kind in ONE:
        field = ONE[kind]
        chosen = _option(options, value) if field == "selected_option" and value else value
        return {"type": kind, field: chosen or None}
    if kind in MANY:
        field, picked = MANY[kind], [] if value is None else list(value)
        chosen = [_option(options, v) for v in picked] if field == "selected_options" else picked
        return {"type": kind, field: chosen}
    raise ValueError(f"the sim cannot type into a {kind}; pass the state value as a dict")


def _option(options: list[dict[str, Any]], value: Any) -> dict[str, Any]:
    found = next((o for o in options if o.get("value") == value), None)
    if found is None:
        raise ValueError(f"no option {value!r}")
    return found
