"""Slack edge only: each module unpacks one kind of request and calls bot.slack_app.handlers."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack_app.listeners import actions, commands, events, views


def register(app: AsyncApp) -> None:
    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
