"""One module per outside system, each mapping its vendor's errors to bot.errors.

slack_api.py    every Slack Web API call (retries, the never-unfurl rule, refusals as sentences)
slack_files.py  Slack file downloads: the only code that sends the bot token to a file host
transcriber.py  AssemblyAI, through the official SDK's async client
                (transcript_replies.py reads its answers: a job's status, a completed
                transcript, a refusal; transcript_list.py finds a create whose answer was lost)
llm.py          OpenAI-compatible chat completions (AssemblyAI's LLM Gateway by default)
                (llm_replies.py reads its replies and error bodies; llm_formats.py writes
                the bodies that ask for JSON)
rate_window.py  the sliding-window rate limit the LLM edge keeps
retry.py        the one retry policy every edge shares
store/          what Recap keeps (SQLite), behind one Protocol
Edges import only bot.core, bot.errors and each other; callers import the module they need.
"""
