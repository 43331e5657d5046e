"""👍/👎 on recaps and answers: the Block Kit that carries them, the value a click sends back,
a vote as stored, and the tally `recap eval` / `recap doctor` print.

The block is Slack's `context_actions` block holding one `feedback_buttons` element
(docs.slack.dev reference/block-kit/blocks/context-actions-block and
reference/block-kit/block-elements/feedback-buttons-element): `positive_button` and
`negative_button`, each {text: plain_text of at most 75 chars, value: at most 2000 chars,
accessibility_label: at most 75}. A workspace that refuses it (`invalid_blocks`) gets the same
pair as two plain buttons in an `actions` block (`plain_feedback`), with the same values, so one
handler reads both. A value says everything a click needs: "up:recap:7" (direction, what was
rated, the job id); an answer outside any recap's thread names job 0.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Block = dict[str, Any]
Kind = Literal["recap", "answer"]
Direction = Literal["up", "down"]
KINDS: tuple[Kind, ...] = ("recap", "answer")
DIRECTIONS: tuple[Direction, ...] = ("up", "down")
ACTION_ID = "feedback"  # the feedback_buttons element; the plain fallback adds ":up" / ":down"
ACTION_PATTERN = r"^feedback(:up|:down)?$"
BLOCK_ID = "feedback"
THANKS = "Thanks for the feedback: it helps make Recap's recaps and answers better."
_FACES = {"up": "👍", "down": "👎"}
_LABELS = {("up", "recap"): "This recap was helpful", ("down", "recap"): "This recap missed",
           ("up", "answer"): "This answer was helpful", ("down", "answer"): "This answer missed"}


class Rated(NamedTuple):
    """What a click's value says: which way, about what, and the job it belongs to (0: none)."""

    direction: Direction
    kind: Kind
    job_id: int


@dataclass(frozen=True)
class Vote:
    """One person's vote on one message (a second click replaces it): ids only, no text."""

    team_id: str
    channel: str
    message_ts: str
    kind: Kind
    job_id: int | None
    transcript_id: str | None
    style: str
    user_id: str
    direction: Direction
    at: float


class Tally(NamedTuple):
    """How many votes one (kind, style, direction) got."""

    kind: str
    style: str
    direction: str
    votes: int


def vote_value(direction: Direction, kind: Kind, job_id: int) -> str:
    return f"{direction}:{kind}:{job_id}"


def parse_vote(value: str) -> Rated | None:
    """The vote a button's value carries; None for anything Recap did not put there."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[2].isdigit() or len(parts[2]) > 18:
        return None
    direction, kind, job = parts
    if direction not in DIRECTIONS or kind not in KINDS:
        return None
    return Rated(direction, kind, int(job))  # type: ignore[arg-type]


def _pair(kind: Kind, job_id: int) -> dict[str, Block]:
    return {f"{'positive' if d == 'up' else 'negative'}_button": {
        "text": {"type": "plain_text", "text": _FACES[d]}, "value": vote_value(d, kind, job_id),
        "accessibility_label": _LABELS[(d, kind)]} for d in DIRECTIONS}


def feedback_block(kind: Kind, job_id: int) -> Block:
    """👍/👎 under a recap or an answer: Slack's context_actions block with feedback_buttons."""
    return {"type": "context_actions", "block_id": BLOCK_ID, "elements": [
        {"type": "feedback_buttons", "action_id": ACTION_ID, **_pair(kind, job_id)}]}


def plain_feedback_block(kind: Kind, job_id: int) -> Block:
    """The same pair as two ordinary buttons, for a workspace that refuses context_actions."""
    return _as_buttons(feedback_block(kind, job_id))


def _as_buttons(block: Block) -> Block:
    buttons = []
    for element in block.get("elements") or []:
        if isinstance(element, dict) and element.get("type") == "feedback_buttons":
            for side, direction in (("positive_button", "up"), ("negative_button", "down")):
                pressed = element.get(side) or {}
                buttons.append({"type": "button", "action_id": f"{ACTION_ID}:{direction}",
                                "text": pressed.get("text") or {"type": "plain_text",
                                                                "text": _FACES[direction]},
                                "value": str(pressed.get("value") or ""),
                                **({"accessibility_label": pressed["accessibility_label"]}
                                   if pressed.get("accessibility_label") else {})})
    return {"type": "actions", "block_id": block.get("block_id", BLOCK_ID), "elements": buttons}


def has_context_actions(blocks: Sequence[Block] | None) -> bool:
    return any(b.get("type") == "context_actions" for b in blocks or ())


def plain_feedback(blocks: Sequence[Block]) -> list[Block]:
    """The message with each context_actions block turned into plain buttons (an empty one
    dropped): what is posted where Slack answers invalid_blocks for context_actions."""
    out = []
    for block in blocks:
        if block.get("type") != "context_actions":
            out.append(block)
        elif (plain := _as_buttons(block))["elements"]:
            out.append(plain)
    return out


def tally_summary(tallies: Iterable[Tally]) -> dict[str, Any]:
    """Votes as `--json` prints them: totals and per kind and style, up and down."""
    total = {"up": 0, "down": 0}
    by: dict[str, dict[str, int]] = {}
    for t in tallies:
        if t.direction not in total:
            continue
        total[t.direction] += t.votes
        row = by.setdefault(f"{t.kind} {t.style}", {"up": 0, "down": 0})
        row[t.direction] += t.votes
    return {**total, "by": dict(sorted(by.items()))}


def tally_lines(summary: dict[str, Any], days: int) -> list[str]:
    """A few lines for a terminal: the total, then one line per kind and style."""
    up, down = summary["up"], summary["down"]
    if not up + down:
        return [f"Feedback (last {days} days): no votes yet"]
    lines = [f"Feedback (last {days} days): {up} 👍 · {down} 👎 ({_share(up, down)} helpful)"]
    lines += [f"  {name}: {row['up']} 👍 · {row['down']} 👎"
              for name, row in summary["by"].items()]
    return lines


def _share(up: int, down: int) -> str:
    return f"{round(100 * up / (up + down))} %"
