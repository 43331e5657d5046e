"""How late a loaded 2-core CI machine can be on either side of a loopback request.

The simulators run in the test's own event loop, so a request the client dated as written can be
counted by the server tens of milliseconds later when the OS preempts the process. Production
margins are a share of a minute-long window; tests that shrink the window to a fraction of a
second pass this margin instead, so they test the pacing, not the scheduler.
"""

JITTER_S = 0.15
