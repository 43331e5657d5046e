"""create_app(deps, jobs) -> AsyncApp: the wiring, the listeners and the one error handler.

May import: slack_bolt, bot.listeners, bot.config, bot.deps, bot.jobs, bot.errors.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import listeners
from bot.config import withhold_from_libraries
from bot.deps import Deps
from bot.jobs import Jobs

log = logging.getLogger(__name__)


def create_app(deps: Deps, jobs: Jobs) -> AsyncApp:
    """The Slack app; `deps.slack` is its client, so SLACK_API_URL redirects every call."""
    assert deps.slack is not None
    withhold_from_libraries()  # bolt would read SLACK_BOT_TOKEN again, and warn it is unused
    app = AsyncApp(
        client=deps.slack,
        signing_secret=deps.config.slack_signing_secret or "",
        request_verification_enabled=not deps.config.socket_mode,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    async def inject(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context["deps"], context["jobs"] = deps, jobs
        await next()

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Job failures are told in their thread by the job runner; this is the last net.
        log.error("unhandled error in a listener: %s", type(error).__name__, exc_info=error)

    listeners.register(app)
    return app
