"""Modals in the simulated workspace, Slack's side: views.open and views.update, with the
trigger_ids the sim hands out in slash commands and clicks.

A trigger_id is exchangeable once within `trigger_ttl` (3 s, docs.slack.dev views.open) for a
modal; the view is checked as Slack would (slack_sdk.models.views.View's validators, plus what
they miss: a modal needs a plain_text `title`, a `submit` when it holds input blocks, known
top-level fields only, at most 100 blocks each passing check_blocks) and answered as the view
object of the docs' example (id, team_id, state, hash, root_view_id, app_id, bot_id...).
Errors from slack-ruby/slack-api-ref `docs.slack.dev/methods/views.open.json` / views.update:
invalid_trigger_id, expired_trigger_id, exchanged_trigger_id, view_too_large (over 250 kB),
duplicate_external_id, not_found, hash_conflict, and invalid_arguments for a bad view. Each
opened view is a `Modal` (surfaces.py) that tests read with `sim.modals()` / `sim.modal(id)`.

May import: the standard library, slack_sdk.models, bot.sim.slack.views, .blocks, .model,
.surfaces.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from slack_sdk.models.views import View

from bot.sim.slack.blocks import check_blocks
from bot.sim.slack.model import ApiError
from bot.sim.slack.surfaces import Modal
from bot.sim.slack.views import Views

MAX_VIEW_BYTES = 250_000
VIEW_FIELDS = {"type", "title", "blocks", "close", "submit", "private_metadata", "callback_id",
               "clear_on_close", "notify_on_close", "external_id", "submit_disabled"}


class Modals(Views):
    """views.open / views.update (mixed into SlackSim)."""

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view("views.open", args.get("view"))
        trigger_id = str(args.get("trigger_id") or args.get("interactivity_pointer") or "")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.exchanged:
            raise ApiError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.exchanged = True
        return {"ok": True, "view": self._open_modal(view, trigger.user, trigger.team).view}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = str(args.get("view_id") or ""), str(args.get("external_id") or "")
        modal = self._modals.get(view_id) if view_id else next(
            (m for m in self._modals.values()
             if external_id and m.view["external_id"] == external_id), None)
        if modal is None or not modal.is_open:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != modal.view["hash"]:
            raise ApiError("hash_conflict")
        self._replace_view(modal, self._checked_view("views.update", args.get("view"), modal))
        return {"ok": True, "view": modal.view}

    def _open_modal(self, view: dict[str, Any], user: str, team: str,
                    previous: Modal | None = None) -> Modal:
        view_id = self._new_id("V")
        root = previous.view["root_view_id"] if previous else view_id
        modal = Modal(view_id, user, team, {})
        modal.view = self._view_object(view, modal, root,
                                       previous.id if previous else None)
        self._modals[view_id] = modal
        return modal

    def _replace_view(self, modal: Modal, view: dict[str, Any]) -> None:
        modal.versions.append(modal.view)
        modal.view = self._view_object(view, modal, modal.view["root_view_id"],
                                       modal.view["previous_view_id"])
        modal.errors = {}

    def _view_object(self, view: dict[str, Any], modal: Modal, root: str,
                     previous: str | None) -> dict[str, Any]:
        """The view as Slack answers and later submits it (docs.slack.dev views.open)."""
        return {"id": modal.id, "team_id": modal.team, "type": "modal",
                "private_metadata": "", "callback_id": "", "external_id": "",
                "clear_on_close": False, "notify_on_close": False, "close": None,
                "submit": None, **view, "blocks": _with_ids(view["blocks"]),
                "state": {"values": {}},
                "hash": f"{int(self.clock())}.{uuid.uuid4().hex[:8]}",
                "previous_view_id": previous, "root_view_id": root, "app_id": self.app_id,
                "app_installed_team_id": modal.team, "bot_id": self.bot_id}

    def _checked_view(self, method: str, raw: Any, current: Modal | None = None) -> dict[str, Any]:
        """The view argument as Slack would accept it; the refusal is kept in `violations`."""
        try:
            view = json.loads(raw) if isinstance(raw, str) else raw
            if len(json.dumps(view)) > MAX_VIEW_BYTES:
                raise ApiError("view_too_large")
            if problems := _view_problems(view, self.refused_blocks):
                raise ApiError("invalid_arguments",
                               response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})
            external_id = view.get("external_id")
            if external_id and any(m.view["external_id"] == external_id and m is not current
                                   for m in self._modals.values()):
                raise ApiError("duplicate_external_id")
        except ValueError:
            self._violation(method, "invalid_arguments", "view is not JSON")
            raise ApiError("invalid_arguments") from None
        except ApiError as e:
            detail = "; ".join(e.body.get("response_metadata", {}).get("messages", []))
            self._violation(method, e.body["error"], detail)
            raise
        return dict(view)


def _with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocks with the block_id / action_id Slack makes up for those that have none."""
    out = []
    for i, block in enumerate(blocks):
        block = {"block_id": f"sim{i}", **block}
        element = block.get("element")
        if isinstance(element, dict) and "action_id" not in element:
            block["element"] = {**element, "action_id": f"sim{i}a"}
        out.append(block)
    return out


def _view_problems(view: Any, refused: set[str]) -> list[str]:
    if not isinstance(view, dict):
        return ["view must be an object"]
    problems = [f"unknown field {k!r}" for k in view if k not in VIEW_FIELDS]
    if view.get("type") != "modal":
        problems.append("type must be modal")
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if (text is not None or key == "title") and (
                not isinstance(text, dict) or text.get("type") != "plain_text"):
            problems.append(f"{key} must be a plain_text object")
    blocks = view.get("blocks")
    if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks or []) and (
            view.get("submit") is None):
        problems.append("a view with input blocks needs submit")
    problems += check_blocks(blocks, max_blocks=100, refused=refused)
    if not problems:
        try:
            View(**view).validate_json()
        except Exception as e:  # slack_sdk raises several kinds for malformed input
            problems.append(str(e))
    return problems
