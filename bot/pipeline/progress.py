"""How a long job reports where it is: the callback every step of the pipeline calls.

Callers decide how to show a step (a Slack status
message edited in place, a line on stderr, nothing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One step of a job, worded for a person: "Transcribing 12 minutes of audio"."""

    stage: str
    detail: str
    part: int = 0
    total: int = 0


ProgressFn = Callable[[Progress], Awaitable[None]]
SubmittedFn = Callable[[str], Awaitable[None]]


async def quiet(_: Progress) -> None:
    return None

