"""create_app(deps, jobs) -> AsyncApp: the wiring, the listeners and the one error handler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.config import withhold_from_libraries
from bot.core import notices
from bot.deps import Deps
from bot.errors import RecapError, SlackRefused
from bot.slack_app import listeners
from bot.slack_app.runner import Runner

log = logging.getLogger(__name__)


def create_app(deps: Deps, jobs: Runner) -> AsyncApp:
    """The Slack app; Bolt gets the Slack edge's client, so SLACK_API_URL redirects every call."""
    withhold_from_libraries()  # bolt would read SLACK_BOT_TOKEN again, and warn it is unused
    app = AsyncApp(
        client=deps.slack.client,
        signing_secret=deps.config.slack_signing_secret or "",
        request_verification_enabled=not deps.config.socket_mode,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    async def inject(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context["deps"], context["jobs"] = deps, jobs
        await next()

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond) -> None:
        """The last net (jobs tell their own failures): one sentence to whoever asked."""
        log.error("unhandled error in a listener: %s", type(error).__name__, exc_info=error)
        ours = isinstance(error, RecapError) and not isinstance(error, SlackRefused)
        sentence = str(error) if ours else notices.UNEXPECTED  # Slack's refusal: logged
        try:
            await _tell(deps, body, respond, f":warning: {sentence}")
        except Exception as failure:  # Slack itself may be what failed
            log.warning("could not tell anyone about it: %s", type(failure).__name__)

    listeners.register(app)
    return app


async def _tell(deps: Deps, body: dict[str, Any], respond: AsyncRespond, sentence: str) -> None:
    """Privately to whoever typed the command or clicked; in the thread of a recording or a
    mention. A failure on a plain message says nothing: it was not addressed to Recap."""
    if body.get("command") or body.get("type") == "block_actions":
        await respond(sentence)
        return
    event = body.get("event") or {}
    if event.get("type") == "app_mention" or event.get("files"):
        await deps.slack.post(event["channel"], sentence,
                              thread_ts=event.get("thread_ts") or event["ts"])
