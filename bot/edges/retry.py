"""Retries for calls to outside systems: one policy, shared by every edge.

A call is retried when it raises `Transient` (a 429, a 5xx, a time-out, a dropped
connection); anything else passes straight through, so a refusal (401, 400) is never
repeated. Waits honour the server's Retry-After when it sent one, else grow
exponentially from `backoff` with jitter, capped, so many workers do not retry in step.
After the last attempt the caller's user sees one sentence: errors.ServiceUnavailable.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from bot.errors import ServiceUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 4
# A server asking for more than this is treated as asking for this much: a job
# should fail with a clear sentence rather than hang for an hour.
MAX_RETRY_AFTER = 120.0


class Transient(Exception):
    """A failure another attempt may cure. `what` is short and safe to show ("HTTP 503")."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _wait(backoff: float, cap: float) -> Callable[[RetryCallState], float]:
    exponential = wait_exponential_jitter(initial=backoff, max=cap, jitter=backoff)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), MAX_RETRY_AFTER)
        return exponential(state)

    return wait


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    service: str,
    attempts: int = ATTEMPTS,
    backoff: float = 1.0,
    cap: float | None = None,
) -> T:
    """Run `call` until it succeeds, raises a non-Transient error, or runs out of attempts.

    `service` starts the failure sentence ("The LLM endpoint", "AssemblyAI"). `backoff` is
    the first wait in seconds (tests pass a few ms); waits are capped at `cap`
    (30 x backoff by default).
    """

    def note(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s failed (%s); retrying in %.2f s (attempt %d of %d).",
            service,
            getattr(error, "what", error),
            pause,
            state.attempt_number + 1,
            attempts,
        )

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=_wait(backoff, cap if cap is not None else 30 * backoff),
        retry=retry_if_exception_type(Transient),
        before_sleep=note,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await call()
    except Transient as error:
        raise ServiceUnavailable(
            f"{service} kept failing ({error.what}) after {attempts} attempts."
        ) from None
    raise AssertionError("unreachable: tenacity either returns or raises")
