"""A recap as people read it outside Slack: markdown (the `text` field), terminal text, a .txt.

Pure: imports bot.core only. bot.core.render, the Slack Block Kit builders, reuses the small
helpers below so both layouts say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.core.block_kit import fit
from bot.core.transcript import Utterance, format_timestamp, utterance_line

if TYPE_CHECKING:
    from bot.core.recap import Evidence, Recap, Topic

_TOPIC_HEADINGS = {"bullets": "Key points", "chapters": "Chapters"}


def topic_heading(recap: Recap) -> str:
    return _TOPIC_HEADINGS.get(recap.style, "Topics")


def coverage(recap: Recap) -> str:
    """"Covered 2:14:05 of 2:14:05"; empty when the length is unknown."""
    if recap.duration_ms <= 0:
        return ""
    covered = recap.covered_ms or recap.duration_ms
    return f"Covered {format_timestamp(covered)} of {format_timestamp(recap.duration_ms)}"


def empty_note(recap: Recap) -> str:
    """What a recap with nothing in it says instead."""
    if recap.style == "actions":
        return "No action items or decisions were found."
    return "The recording held nothing to recap."


def is_empty(recap: Recap) -> bool:
    return not (recap.tldr or recap.topics or recap.action_items or recap.decisions)


def stamp(ms: int | None) -> str:
    return f" [{format_timestamp(ms)}]" if ms is not None else ""


def item_tail(owner: str | None, due: str | None) -> str:
    """" — owner, due X" (owner already emphasised/escaped by the caller); empty without both."""
    parts = [owner] if owner else []
    parts += [f"due {due}"] if due else []
    return f" — {', '.join(parts)}" if parts else ""


def evidence(recap: Recap) -> list[Evidence | None]:
    """decision_evidence padded to match decisions (older cached recaps may lack it)."""
    found: list[Evidence | None] = list(recap.decision_evidence[: len(recap.decisions)])
    return found + [None] * (len(recap.decisions) - len(found))


def talk_time(recap: Recap) -> str:
    """`Speakers: Priya 41 % · Marcus 35 %`, from the utterances ('' for one or no speaker)."""
    if len(recap.speakers) < 2:
        return ""
    return "Speakers: " + " · ".join(f"{s['name']} {s['share']} %" for s in recap.speakers)


def _topic_md(t: Topic) -> str:
    who = f" ({', '.join(t.speakers)})" if t.speakers else ""
    summary = f" — {t.summary}" if t.summary else ""
    return f"- **[{format_timestamp(t.start_ms)}] {t.title}**{who}{summary}"


def recap_markdown(recap: Recap) -> str:
    """The whole recap as markdown: what `text` holds, the CLI prints and the judge reads."""
    parts = [f"## TL;DR\n{recap.tldr}"] if recap.tldr else []
    if recap.topics:
        lines = "\n".join(_topic_md(t) for t in recap.topics)
        parts.append(f"## {topic_heading(recap)}\n{lines}")
    if recap.action_items:
        lines = "\n".join(
            f"- [ ] {a.text}{item_tail(a.owner and f'*{a.owner}*', a.due)}{stamp(a.start_ms)}"
            for a in recap.action_items)
        parts.append(f"## Action items\n{lines}")
    if recap.decisions:
        lines = "\n".join(f"- {d}{stamp(e.start_ms if e else None)}"
                          for d, e in zip(recap.decisions, evidence(recap), strict=True))
        parts.append(f"## Decisions\n{lines}")
    if is_empty(recap):
        parts.append(f"_{empty_note(recap)}_")
    if talk_time(recap):
        parts.append(f"_{talk_time(recap)}_")
    if coverage(recap):
        parts.append(f"_{coverage(recap)}_")
    return "\n\n".join(parts)


def doubts_note(recap: Recap, quote: Callable[[str], str] = str) -> str:
    """The judge's doubtful items, as the Slack post lists them (render._footer's wording);
    empty when the judge found none or did not run. `quote` escapes each item for its layout."""
    doubts = [str(h) for h in (recap.judge or {}).get("hallucinations") or [] if str(h).strip()]
    if not doubts:
        return ""
    listed = "; ".join(f"“{quote(fit(d, 150))}”" for d in doubts[:5])
    more = f" and {len(doubts) - 5} more" if len(doubts) > 5 else ""
    return f"A second check could not find these in the recording: {listed}{more}"


def shown_markdown(recap: Recap) -> str:
    """The recap's markdown as shown to people (`--json` `text`): with the judge's warning.

    `recap.text` (recap_markdown) stays without it: that is what a judge reads again."""
    note = doubts_note(recap)
    return f"{recap_markdown(recap)}\n\n_⚠️ {note}_" if note else recap_markdown(recap)


def recap_terminal(recap: Recap) -> str:
    """What `recap summarize` prints: plain text, quotes under their items to check them."""
    out: list[str] = []
    if recap.tldr:
        out += ["TL;DR", f"  {recap.tldr}", ""]
    if recap.topics:
        out.append(topic_heading(recap))
        for t in recap.topics:
            who = f" ({', '.join(t.speakers)})" if t.speakers else ""
            out.append(f"  [{format_timestamp(t.start_ms)}] {t.title}{who}")
            out += [f"      {t.summary}"] if t.summary else []
        out.append("")
    if recap.action_items:
        out.append("Action items")
        for a in recap.action_items:
            out.append(f"  [ ] {a.text}{item_tail(a.owner, a.due)}{stamp(a.start_ms)}")
            out += [f"      “{a.quote}”"] if a.quote else []
        out.append("")
    if recap.decisions:
        out.append("Decisions")
        for d, e in zip(recap.decisions, evidence(recap), strict=True):
            out.append(f"  • {d}{stamp(e.start_ms if e else None)}")
            out += [f"      “{e.quote}”"] if e and e.quote else []
        out.append("")
    if is_empty(recap):
        out += [empty_note(recap), ""]
    out += [talk_time(recap)] if talk_time(recap) else []
    out += [coverage(recap)] if coverage(recap) else []
    out += ["", f"Warning: {doubts_note(recap)}"] if doubts_note(recap) else []
    return "\n".join(out).strip() + "\n"


def transcript_txt(utterances: Sequence[Utterance]) -> str:
    """The speaker-labelled .txt behind the Transcript button: `[12:34] Speaker A: text` lines."""
    return "".join(f"{utterance_line(u)}\n" for u in utterances)
