"""The recording's journey, knowing no Slack and no terminal: source -> transcript (cached) ->
recap (cached, judged when asked) -> answers.

transcripts.py  source -> transcript: one recording, one transcription
names.py        what Speaker Identification named, stored beside the transcript (a rename wins)
summaries.py    transcript -> recap: one call when it fits, else map-reduce
judging.py      the LLM judge and the one rewrite of a flagged recap
recaps.py       the recap cache, follow-up answers
progress.py     the callback every step calls; each face decides how to show it
Both faces (bot.slack_app, bot.cli) import from here.
"""

from __future__ import annotations

from bot.pipeline.judging import checked, judge
from bot.pipeline.progress import Progress, ProgressFn, quiet
from bot.pipeline.recaps import answer, forget_transcript, get_recap, recap_key
from bot.pipeline.summaries import summarize
from bot.pipeline.transcripts import get_transcript

__all__ = ["Progress", "ProgressFn", "answer", "checked", "forget_transcript", "get_recap",
           "get_transcript", "judge", "quiet", "recap_key", "summarize"]
