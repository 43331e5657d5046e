"""When to look for a transcript, and when to stop waiting for one.

Pure: no clock and no I/O; the transcriber edge and the pipeline ask these questions with the
numbers they have (the audio's length, POLL_INTERVAL).
"""

from __future__ import annotations


def deadline_for(duration_ms: int | None, poll_interval: float = 3.0) -> float:
    """How long (seconds) to wait for a transcript before giving up on waiting.

    AssemblyAI usually needs 0.1-0.3x the audio's length, but jobs queue behind an
    account's concurrency limit (5 on free accounts), so we allow 3x the length and never
    less than 300 poll intervals (15 minutes at the default POLL_INTERVAL of 3 s).
    Unknown length (a link): 2400 poll intervals (2 hours), enough for 5 h+ of audio.
    The floors scale with POLL_INTERVAL so a test can shorten them through the environment.
    The id is kept either way, so a later Retry picks up a late completion.
    """
    if not duration_ms:
        return 2400 * poll_interval
    return max(300 * poll_interval, 3 * duration_ms / 1000)
