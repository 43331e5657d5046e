"""A sliding-window request limit with the headers AssemblyAI's LLM Gateway sends, shared by the
chat limit (`x-ratelimit-service: llmgw`) and Speech Understanding's (`speech-understanding`,
`x-ratelimit-feature: understanding`): `x-ratelimit-limit`, `-remaining`, `-reset` (seconds),
and `retry-after` on a refusal (API-NOTES §2.5; live run 10c, A5 and G2).
May import: the standard library only.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

__all__ = ["SlidingWindow"]


@dataclass
class SlidingWindow:
    """At most `requests` per `period_s`; off until `set()` is given a positive count."""

    service: str
    feature: str | None = None
    _limit: tuple[int, float] | None = field(default=None, repr=False)
    _times: deque[float] = field(default_factory=deque, repr=False)

    def set(self, requests: int, period_s: float = 60.0) -> None:
        """Allow `requests` (0 to 10,000; 0 is off) per `period_s` (0.01 to 3,600 s)."""
        requests, period_s = max(0, min(10_000, requests)), max(0.01, min(3600.0, period_s))
        self._limit = (requests, period_s) if requests > 0 else None
        self._times.clear()

    def take(self, now: float) -> tuple[bool, dict[str, str]]:
        """(allowed, x-ratelimit-* headers) for one request at loop time `now`."""
        if self._limit is None:
            return True, {}
        limit, period = self._limit
        while self._times and self._times[0] <= now - period:
            self._times.popleft()
        allowed = len(self._times) < limit
        if allowed:
            self._times.append(now)
        reset = max(1, math.ceil(self._times[0] + period - now)) if self._times else 0
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - len(self._times))),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-service": self.service,
        }
        if self.feature:
            headers["x-ratelimit-feature"] = self.feature
        if not allowed:
            headers["retry-after"] = str(reset)
        return allowed, headers
