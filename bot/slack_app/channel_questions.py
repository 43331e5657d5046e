"""`/recap ask` and `/recap search`: a channel's recordings as something to query. Answers go
privately to the person who asked, each source named with its [mm:ss] and a link to its recap
thread; search makes no LLM call. `@Recap QUESTION` outside a recap's thread is answered in the
mention's thread, streamed as it is written (bot.slack_app.answer_stream), its sources under it.
A private answer cannot stream: Slack streams only replies in a thread (chat.startStream needs
thread_ts) and has no ephemeral stream."""

from __future__ import annotations

from bot.core.block_kit import escape_mrkdwn, fit, section
from bot.core.feedback import feedback_block
from bot.core.retrieval import terms as terms_of
from bot.deps import Deps
from bot.pipeline.ask import NOTHING, Moment, ask, moments
from bot.slack_app.answer_stream import AnswerStream

SHOWN = 8
ANSWER_CHARS = 2900  # a streamed answer, like a posted one, fits a 3,000-character section


async def channel_ask(deps: Deps, team_id: str, channel: str, user_id: str,
                      question: str) -> None:
    """`/recap ask`: privately to the asker, with 👍/👎 (job 0: no one recording)."""
    answer, used = await ask(deps, team_id, channel, question)
    text = _with_sources(answer, await _sources(deps, channel, used))
    blocks = [section(text), feedback_block("answer", 0)] if used else None
    await deps.slack.post_private(channel, user_id, text, team=team_id, blocks=blocks)


async def mention_ask(deps: Deps, team_id: str, channel: str, thread_ts: str | None,
                      question: str, *, user_id: str | None = None) -> None:
    """`@Recap QUESTION` outside a recap's thread: in the mention's thread, as it was asked,
    streamed to `user_id` where the workspace can, with 👍/👎 (job 0: no one recording)."""
    stream = AnswerStream(deps, channel, thread_ts, team=team_id, user=user_id,
                          render=escape_mrkdwn, limit=ANSWER_CHARS)
    answer, used = await ask(deps, team_id, channel, question, on_text=stream.sink)
    sources = await _sources(deps, channel, used)
    under = [section(f"*Sources*\n{sources}")] if sources else []
    whole = _with_sources(answer, sources)
    await stream.finish(fit(escape_mrkdwn(answer), ANSWER_CHARS),
                        [*under, feedback_block("answer", 0)],
                        whole, [section(whole), feedback_block("answer", 0)])


def _with_sources(answer: str, sources: str) -> str:
    return fit(escape_mrkdwn(answer) + (f"\n\n*Sources*\n{sources}" if sources else ""), 3000)


async def channel_search(deps: Deps, team_id: str, channel: str, user_id: str,
                         terms: str) -> None:
    found = (await moments(deps, team_id, channel, terms, limit=SHOWN))[:SHOWN]
    text = await _sources(deps, channel, found, matching=terms_of(terms)) if found else NOTHING
    await deps.slack.post_private(channel, user_id, fit(text, 3000))


async def _sources(deps: Deps, channel: str, found: list[Moment], *,
                   matching: list[str] | None = None) -> str:
    """One line a moment: recording, [mm:ss], speaker (and the line matching), thread link."""
    links: dict[str | None, str | None] = {}
    out = []
    for moment in found:
        if moment.thread_ts not in links:
            links[moment.thread_ts] = (await deps.slack.permalink(channel, moment.thread_ts)
                                       if moment.thread_ts else None)
        link = links[moment.thread_ts]
        said_lines = moment.passage.text.split("\n")
        line = next((x for x in said_lines if any(t in x.lower() for t in matching or ())),
                    said_lines[0])
        who, said = (line.split(": ", 1) + [""])[:2]
        said = said if matching else ""
        where = f"<{link}|recap thread>" if link else ""
        quote = f" — {escape_mrkdwn(fit(said, 200))}" if said else ""
        out.append(f"• *{escape_mrkdwn(moment.name)}* {escape_mrkdwn(who)}{quote} {where}".rstrip())
    return "\n".join(dict.fromkeys(out))
