"""What the Speakers and My items buttons show: the speakers modal and its answers, and a
person's own action items and decisions, privately.

Pure: no I/O. Shapes follow Slack's docs: a modal view (`type`, `callback_id`, `title` and
`submit` as plain_text of at most 24 chars, `private_metadata` up to 3000 chars, input blocks
holding a `plain_text_input` with `initial_value`, `placeholder` and `max_length`), and the
`view_submission` payload's `view.state.values[block_id][action_id].value`, answered with
`response_action: "errors"` and {block_id: message} to keep the modal open (docs.slack.dev
reference/views/modal-views, reference/interaction-payloads/view-interactions-payload;
bolt-js ViewErrorsResponseAction; bolt-python tests/scenario_tests_async/
test_view_submission.py). At most 100 blocks per view.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.block_kit import Block, context, escape_mrkdwn, fit, plain, section
from bot.core.markdown import evidence, item_tail, stamp
from bot.core.owners import Person, mentions_name, names_person
from bot.core.recap import Recap
from bot.core.speakers import MAX_NAME, display

SPEAKERS_VIEW = "recap_speakers"
MAX_SPEAKERS = 50  # a modal holds 100 blocks; nobody names fifty speakers by hand
NAME_ACTION = "name"
NOTHING_FOR_YOU = "Nothing for you in this one."
_PREFIX = "speaker:"


def speakers_view(labels: Sequence[str], names: Mapping[str, str], *,
                  metadata: Mapping[str, Any]) -> Block:
    """The modal: one optional text field per speaker, prefilled with the name they have.

    `metadata` (job id, channel, thread, transcript id: never a secret) comes back unchanged
    in the submission as private_metadata.
    """
    fields = []
    for label in labels[:MAX_SPEAKERS]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": NAME_ACTION,
                                   "max_length": MAX_NAME,
                                   "placeholder": plain(display(label), 150)}
        if names.get(label):
            element["initial_value"] = names[label][:MAX_NAME]
        fields.append({"type": "input", "block_id": _PREFIX + label[:200], "optional": True,
                       "label": plain(display(label), 2000), "element": element})
    return {"type": "modal", "callback_id": SPEAKERS_VIEW, "title": plain("Speakers", 24),
            "submit": plain("Save", 24), "close": plain("Cancel", 24),
            "private_metadata": json.dumps(dict(metadata))[:3000],
            "blocks": [context("Names replace the letters in this recap, its answers and its "
                               "transcript. Empty a field to show that speaker's letter again."),
                       *fields]}


def notice_view(text: str) -> Block:
    """What a submitted modal turns into when there is nothing left to name (response_action
    "update"): the sentence, and a Close button only."""
    return {"type": "modal", "title": plain("Speakers", 24), "close": plain("Close", 24),
            "blocks": [section(fit(escape_mrkdwn(text), 3000))]}


def read_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """The private_metadata speakers_view wrote ({} when it is not ours)."""
    try:
        found = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def submitted_names(view: Mapping[str, Any], labels: Sequence[str],
                    ) -> tuple[dict[str, str], dict[str, str]]:
    """({label: name} typed in, {block_id: error}) from a submitted speakers view.

    Only this recording's labels count; an emptied field is "" (no name: the letter again,
    where the speaker had one). A name is at most MAX_NAME characters, has a letter or digit,
    and holds no < or > (names are shown as text).
    """
    known = {_PREFIX + label[:200]: label for label in labels}
    values = ((view.get("state") or {}).get("values") or {})
    names: dict[str, str] = {}
    errors: dict[str, str] = {}
    for block_id, actions in values.items():
        label = known.get(block_id)
        raw = ((actions or {}).get(NAME_ACTION) or {}).get("value") if label else None
        name = " ".join(str(raw or "").split())
        if label is None:
            continue
        if not name:
            names[label] = ""
        elif len(name) > MAX_NAME:
            errors[block_id] = f"At most {MAX_NAME} characters."
        elif "<" in name or ">" in name:
            errors[block_id] = "Just the name, please: no < or >."
        elif not any(c.isalnum() for c in name):
            errors[block_id] = "A name needs at least one letter."
        else:
            names[label] = name
    return names, errors


def my_items(recap: Recap, person: Person) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for the clicker: the action items whose owner names them and the
    decisions that mention them, each with its [mm:ss] and quote; else NOTHING_FOR_YOU."""
    blocks: list[Block] = []
    items = [a for a in recap.action_items if names_person(a.owner, person)]
    for n, a in enumerate(items):
        due = a.due and escape_mrkdwn(a.due)
        line = f"• {escape_mrkdwn(a.text)}{item_tail(None, due)}{stamp(a.start_ms)}"
        blocks += _item(line, a.quote, "*Your action items*" if n == 0 else "")
    decisions = [(d, e) for d, e in zip(recap.decisions, evidence(recap), strict=True)
                 if mentions_name(d, person)]
    for n, (d, e) in enumerate(decisions):
        line = f"• {escape_mrkdwn(d)}{stamp(e.start_ms if e else None)}"
        blocks += _item(line, e.quote if e else None, "*Decisions that name you*" if n == 0
                        else "")
    if not blocks:
        return NOTHING_FOR_YOU, [section(NOTHING_FOR_YOU)]
    count = len(items) + len(decisions)
    return f"{count} item{'s' if count != 1 else ''} for you in this recap", blocks[:50]


def _item(line: str, quote: str | None, heading: str) -> list[Block]:
    blocks = [section(fit(f"{heading}\n{line}" if heading else line, 3000))]
    if quote:
        blocks.append(context(fit(f"“{escape_mrkdwn(quote)}”", 500)))
    return blocks
