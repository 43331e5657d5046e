"""When to look for a transcript, and when to stop waiting for one.

Pure: no clock and no I/O; the transcriber edge and the pipeline ask these questions with the
numbers they have (the audio's length, POLL_INTERVAL, how long and how often they have looked).

Polling is shaped by AssemblyAI's published turnaround, which grows with the audio's duration
(https://www.assemblyai.com/docs/concepts/faq, "How long does transcription take?": "a 1h3min
meeting in 35 seconds, a 3h15min podcast in 133 seconds, an 8h21min video course in 300
seconds"; every submission also takes a minimum to transcode). So a job is looked at sparsely
early, densely in a window around its expected completion, and as before (5 % of the wait) once
the window has passed; a token bucket holds every job to one GET per MIN_GAP_SHARE x
POLL_INTERVAL on average (2 s at the default 3 s). Every time constant scales with
POLL_INTERVAL, as deadline_for's floors do, so a test or the bench can shorten them all.
"""

from __future__ import annotations

# (audio minutes, AssemblyAI's turnaround in seconds): its FAQ's figures, with a floor for
# short files (transcoding and queueing dominate them).
TURNAROUND = ((0.0, 12.0), (63.0, 35.0), (195.0, 133.0), (501.0, 300.0))
DEFAULT_POLL_S = 3.0  # the POLL_INTERVAL the turnaround figures are stated against
WINDOW = (0.6, 1.5)  # the dense window, as shares of the expected turnaround
MIN_GAP_SHARE = 2 / 3  # at most one GET per this x POLL_INTERVAL on average (2 s at 3 s)
LATE_SHARE = 0.05  # past the window: a completion is noticed within 5 % of the wait so far
LATE_MAX = 5.0  # ... and within 5 poll intervals


def expected_turnaround(duration_ms: int | None, poll_interval: float = DEFAULT_POLL_S) -> float:
    """Seconds AssemblyAI is expected to take for audio of this length (None: unknown -> 0).

    Linear between the published points; past the last one at its rate (RTF ~0.0087).
    """
    if not duration_ms or duration_ms <= 0:
        return 0.0
    minutes = duration_ms / 60_000
    scale = poll_interval / DEFAULT_POLL_S
    for (m0, s0), (m1, s1) in zip(TURNAROUND, TURNAROUND[1:], strict=False):
        if minutes <= m1:
            return scale * (s0 + (s1 - s0) * (minutes - m0) / (m1 - m0))
    (m0, s0), (m1, s1) = TURNAROUND[-2], TURNAROUND[-1]
    return scale * (s1 + (s1 - s0) * (minutes - m1) / (m1 - m0))


def next_poll_in(
    elapsed: float, polls: int, expected: float, poll_interval: float = DEFAULT_POLL_S
) -> float:
    """Seconds from now to the next GET of a job submitted `elapsed` seconds ago.

    `polls` is how many GETs this job has had; `expected` its expected turnaround (0: unknown,
    then every poll_interval, later 5 % of the wait). Never sooner than the bucket allows:
    after n GETs the next waits until n x MIN_GAP_SHARE x poll_interval, so n GETs by time t
    are at most 1 + t / (MIN_GAP_SHARE x poll_interval).
    """
    poll_interval = max(poll_interval, 1e-3)
    gap = MIN_GAP_SHARE * poll_interval
    late = min(LATE_MAX * poll_interval, max(poll_interval, LATE_SHARE * elapsed))
    if expected > 0:
        low, high = WINDOW[0] * expected, WINDOW[1] * expected
        # The window's step spends exactly the bucket's allowance by its end.
        step = max(poll_interval / 20, (high - low) * gap / high)
        if elapsed < low:
            at = low
        elif elapsed < high:
            at = elapsed + step
        else:
            at = elapsed + late
    else:
        at = elapsed + late
    return max(at, polls * gap) - elapsed


def safety_delay(duration_ms: int | None, poll_interval: float = DEFAULT_POLL_S) -> float:
    """Webhook mode: how long to wait for the webhook before polling for a lost one.

    Well after the expected completion: twice the turnaround plus 10 poll intervals (at least
    20 intervals, a minute at the default), so a delivered webhook is never pre-empted by a GET.
    """
    expected = expected_turnaround(duration_ms, poll_interval)
    return max(20 * poll_interval, 2 * expected + 10 * poll_interval)


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
