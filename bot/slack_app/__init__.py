"""The Slack face: Bolt wiring, listeners, what people did, and the durable jobs behind them.

app.py             create_app: the listeners, the once-per-event middleware, the one error handler
listeners/         one register(app) per kind of request; each unpacks and calls handlers
handlers.py        what people did (share, reply, mention, /recap, click) and what Recap does
recordings.py      how a shared recording or link becomes one job
candidates.py      who could be speaking: the names a job offers Speaker Identification
recap_thread.py    what is done in one recap's thread: restyle, answer, transcript, forget
runner.py          the durable job runner: submit, resume, retry, shutdown
status_message.py  a job's one status message, posted once and edited in place
"""
