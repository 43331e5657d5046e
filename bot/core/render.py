"""The Slack messages Recap posts: a recap (paginated within Slack's limits), its status, answers.

Pure: imports bot.core only (tests parse the blocks with slack_sdk; this module never does).
The pieces (escaping, fitting, sections, buttons) are bot.core.block_kit: all LLM text and every
echoed name pass escape_mrkdwn on the way into mrkdwn, so nothing posted can ping or link. The
text layouts (recap_markdown, recap_terminal, transcript_txt) live in bot.core.markdown. Both are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from bot.core.block_kit import (
    Block,
    button,
    context,
    escape_mrkdwn,
    fallback_text,
    fit,
    json_size,
    pack,
    plain,
    section,
)
from bot.core.markdown import (
    coverage,
    empty_note,
    evidence,
    is_empty,
    item_tail,
    stamp,
    talk_time,
    topic_heading,
)
from bot.core.prompts import STYLES, Style
from bot.core.transcript import format_timestamp

if TYPE_CHECKING:
    from bot.core.recap import Recap, Topic

MAX_BLOCKS = 50
MAX_MESSAGES = 10
SECTION_CHARS = 3000
HEADER_CHARS = 150
QUOTE_CHARS = 500
# Slack has answered msg_blocks_too_long near 13.2k chars of blocks, below the per-block limits
MESSAGE_CHARS = 12_000
ANSWER_CHARS = 11_000  # a markdown block holds 12,000; the rest of the message needs room too


class SlackMessage(NamedTuple):
    """One chat.postMessage: `text` is the escaped notification fallback, `blocks` the layout."""

    text: str
    blocks: list[Block]


def recap_messages_blocks(recap: Recap, *, job_id: int, file_name: str, model: str,
                          owners: Mapping[str, str] | None = None) -> list[SlackMessage]:
    """The recap as one or more messages within Slack's limits; the buttons end the last one.

    Returns SlackMessage(text, blocks) tuples to post in order: `text` is each message's
    escaped fallback. Long sections split at line ends; at most MAX_MESSAGES messages.
    `owners` ({owner text: mrkdwn}, from bot.core.owners.owner_marks) shows owners who are
    channel members by their Slack name or mention; any other owner is shown escaped.
    """
    length = f" ({format_timestamp(recap.duration_ms)})" if recap.duration_ms > 0 else ""
    title = f"Recap: {file_name}{length}"  # a plain-text transcript has no length to show
    units = [[{"type": "header", "text": plain(title, HEADER_CHARS)}],
             *_body_units(recap, owners or {})]
    pages = _paginate(units, [_footer(recap, model), _buttons(recap, job_id)])
    gist = recap.tldr or (recap.topics[0].title if recap.topics else "") or empty_note(recap)
    texts = [f"Recap of {file_name}: {gist}"]
    texts += [f"Recap of {file_name} (continued, {n} of {len(pages)})"
              for n in range(2, len(pages) + 1)]
    return [SlackMessage(fallback_text(t), page) for t, page in zip(texts, pages, strict=True)]


def status_blocks(text: str, *, job_id: int | None = None, failed: bool = False) -> list[Block]:
    """The one status message of a job; a failed job's carries a Retry button."""
    blocks = [section(fit(escape_mrkdwn(text), SECTION_CHARS))]
    if failed and job_id is not None:
        blocks.append({"type": "actions", "elements": [
            button("Retry", "retry", str(job_id), style="primary")]})
    return blocks


def answer_blocks(answer: str) -> list[Block]:
    """A follow-up answer: the LLM's markdown as written, in Slack's `markdown` block.

    Slack renders the markdown (no converter of ours in between). It stays inert: &, < and >
    become entities, Slack's documented escape, which markdown shows as the characters, so a
    <!channel> or <@U…> is text; "](" gets a zero-width space, so no label can hide a link.
    Cut to fit one message (12,000 chars across its markdown blocks).
    """
    text = escape_mrkdwn(answer.strip()) or "_(no answer)_"
    for markup in ("](", "][", "]:"):
        text = text.replace(markup, f"{markup[0]}\u200b{markup[1]}")
    if json_size(text) > ANSWER_CHARS:
        text = fit(text, len(text) * ANSWER_CHARS // json_size(text) - 40)
        text += "\n\n_(the answer was cut short)_"
    return [{"type": "markdown", "text": text},
            context("AI-generated from the transcript, check important details")]


def help_text(styles: Mapping[str, Style] | Iterable[Style]) -> str:
    """What `/recap help` shows (mrkdwn)."""
    listed = styles.values() if isinstance(styles, Mapping) else styles
    lines = "\n".join(f"    ◦ `{s.name}`: {s.description}" for s in listed)
    return ("*Recap* turns recordings into threaded recaps: a TL;DR, topics with times and "
            "speakers, action items and decisions.\n"
            "• Share an audio or video file, or a link to one, in a channel I am in.\n"
            f"• `/recap STYLE` recaps the channel's latest recording again in another style:\n"
            f"{lines}\n"
            "• `/recap` followed by your own words recaps it following them, "
            "e.g. `/recap only the budget, in Spanish`.\n"
            "• Add a message link to aim at another recording than the latest.\n"
            "• Reply in a recap's thread to ask about the recording.\n"
            "• The buttons under a recap restyle it, fetch the transcript, name the speakers, "
            "show you your own items or forget it.")


def _body_units(recap: Recap, owners: Mapping[str, str]) -> list[list[Block]]:
    """Groups of blocks that stay in one message: sections, or an item with its quote."""
    units: list[list[Block]] = []
    if recap.tldr:
        units += [[section(c)] for c in pack([f"*TL;DR*\n{escape_mrkdwn(recap.tldr)}"],
                                              SECTION_CHARS)]
    if recap.topics:
        entries = [_topic(t) for t in recap.topics]
        entries[0] = f"*{topic_heading(recap)}*\n{entries[0]}"
        units += [[section(c)] for c in pack(entries, SECTION_CHARS, sep="\n\n")]
    for n, a in enumerate(recap.action_items):
        owner = a.owner and (owners.get(a.owner) or f"*{escape_mrkdwn(a.owner)}*")
        due = a.due and escape_mrkdwn(a.due)
        line = f"• {escape_mrkdwn(a.text)}{item_tail(owner, due)}{stamp(a.start_ms)}"
        units.append(_item(line, a.quote, "*Action items*" if n == 0 else ""))
    for n, (d, e) in enumerate(zip(recap.decisions, evidence(recap), strict=True)):
        line = f"• {escape_mrkdwn(d)}{stamp(e.start_ms if e else None)}"
        units.append(_item(line, e.quote if e else None, "*Decisions*" if n == 0 else ""))
    if is_empty(recap):
        units.append([section(f"_{empty_note(recap)}_")])
    return units


def _topic(t: Topic) -> str:
    who = f" ({escape_mrkdwn(', '.join(t.speakers))})" if t.speakers else ""
    title = escape_mrkdwn(t.title.replace("*", ""))
    return f"*[{format_timestamp(t.start_ms)}] {title}*{who}\n{escape_mrkdwn(t.summary)}".rstrip()


def _item(line: str, quote: str | None, heading: str) -> list[Block]:
    """An item's section, and its evidence quote in small print right under it."""
    blocks = [section(fit(f"{heading}\n{line}" if heading else line, SECTION_CHARS))]
    if quote:
        blocks.append(context(fit(f"“{escape_mrkdwn(quote)}”", QUOTE_CHARS)))
    return blocks


def _footer(recap: Recap, model: str) -> Block:
    notes = [" · ".join(p for p in (coverage(recap), escape_mrkdwn(model),
                                    "AI-generated, check important details") if p)]
    if talk_time(recap):
        notes.append(escape_mrkdwn(talk_time(recap)))
    dropped = (recap.grounding or {}).get("dropped", 0)
    if dropped:
        notes.append(f"{dropped} item{'s' if dropped != 1 else ''} without evidence in the "
                     f"transcript {'were' if dropped != 1 else 'was'} dropped")
    doubts = [str(h) for h in (recap.judge or {}).get("hallucinations") or [] if str(h).strip()]
    if doubts:
        listed = "; ".join(f"“{escape_mrkdwn(fit(d, 150))}”" for d in doubts[:5])
        more = f" and {len(doubts) - 5} more" if len(doubts) > 5 else ""
        notes.append(f":warning: A second check could not find these in the recording: "
                     f"{listed}{more}")
    if recap.instructions:
        notes.append(f"Instructions: {escape_mrkdwn(fit(recap.instructions, 300))}")
    return context(*notes)


def forget_button(job_id: int) -> Block:
    """Forget, behind Slack's confirm dialog: the one confirmation before deleting for good."""
    return button("Forget", "forget", str(job_id), style="danger", confirm={
        "title": plain("Forget this recording?", 100),
        "text": plain("Its transcript and recaps are deleted for good, here and at "
                       "AssemblyAI. Posted messages stay.", 300),
        "confirm": plain("Forget", 30), "deny": plain("Cancel", 30), "style": "danger"})


def _buttons(recap: Recap, job_id: int) -> Block:
    value = str(job_id)
    restyles = [button(s.label, f"restyle:{s.name}", value) for s in STYLES.values()
                if s.name != recap.style or recap.instructions]
    people = [button("Speakers", "speakers", value)] if recap.speakers else []
    elements = [*restyles, button("Transcript", "transcript", value), *people,
                button("My items", "my_items", value), forget_button(job_id)]
    return {"type": "actions", "elements": elements[-25:]}


def _paginate(units: Sequence[list[Block]], tail: list[Block]) -> list[list[Block]]:
    """Fill messages in order, never splitting a unit, within the block and size budgets.

    At most MAX_MESSAGES, so a runaway recap cannot flood a thread: the last one keeps room
    for `tail` (footer and buttons) and a note saying what was left out.
    """
    pages: list[list[Block]] = [[]]
    size = shown = 0
    reserve = (len(tail) + 1, sum(_weight(b) for b in tail) + 300)
    for unit in units:
        unit_size = sum(_weight(b) for b in unit)
        last = len(pages) == MAX_MESSAGES
        blocks, chars = reserve if last else (0, 0)
        if pages[-1] and (len(pages[-1]) + len(unit) + blocks > MAX_BLOCKS
                          or size + unit_size + chars > MESSAGE_CHARS):
            if last:
                break
            pages.append([])
            size = 0
        pages[-1] += unit
        size += unit_size
        shown += 1
    if shown < len(units):
        tail = [section(f"_The rest of this recap ({len(units) - shown} more parts) did not "
                         "fit in Slack. The Brief or Bullets style gives a shorter one._"), *tail]
    if (len(pages[-1]) + len(tail) > MAX_BLOCKS
            or size + sum(_weight(b) for b in tail) > MESSAGE_CHARS):
        pages.append([])
    pages[-1] += tail
    return pages


def _weight(block: Block) -> int:
    """A block's share of the message's blocks JSON: itself and the ", " before the next."""
    return json_size(block) + 2
