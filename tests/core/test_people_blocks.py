"""The Speakers modal (prefilled, bounded, valid for Slack), reading its submission with errors
per field, and "My items": the clicker's items and decisions with their times and quotes."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.views import View

from bot.core.people_blocks import (
    NOTHING_FOR_YOU,
    SPEAKERS_VIEW,
    my_items,
    notice_view,
    read_metadata,
    speakers_view,
    submitted_names,
)
from bot.core.recap import ActionItem, Evidence, Recap
from bot.core.speakers import MAX_NAME


@dataclass(frozen=True)
class M:
    id: str
    real_name: str
    display_name: str = ""


META = {"job": 7, "channel": "C1", "thread_ts": "1.2", "transcript_id": "t-1"}


def submission(view: dict, typed: dict[str, str | None]) -> dict:
    """The view as Slack sends it back: every input in state.values."""
    values = {b["block_id"]: {"name": {"type": "plain_text_input", "value": None}}
              for b in view["blocks"] if b["type"] == "input"}
    for label, value in typed.items():
        values[f"speaker:{label}"]["name"]["value"] = value
    return {**view, "state": {"values": values}}


def test_the_modal_has_a_prefilled_field_per_speaker_and_is_valid() -> None:
    view = speakers_view(["A", "B", "C"], {"A": "Priya Shah"}, metadata=META)
    View(**view).validate_json()  # slack_sdk's own checks of a view
    assert view["callback_id"] == SPEAKERS_VIEW and view["type"] == "modal"
    fields = [b for b in view["blocks"] if b["type"] == "input"]
    assert [f["label"]["text"] for f in fields] == ["Speaker A", "Speaker B", "Speaker C"]
    assert fields[0]["element"]["initial_value"] == "Priya Shah"
    assert "initial_value" not in fields[1]["element"]
    assert fields[1]["element"]["placeholder"]["text"] == "Speaker B"
    assert {f["element"]["max_length"] for f in fields} == {MAX_NAME}
    assert all(f["optional"] for f in fields)
    assert read_metadata(view) == META


def test_many_speakers_stay_within_a_modal() -> None:
    view = speakers_view([f"S{n}" for n in range(300)], {}, metadata=META)
    assert len(view["blocks"]) <= 100
    View(**view).validate_json()


def test_the_submission_gives_the_names_typed_and_an_emptied_field_as_no_name() -> None:
    view = speakers_view(["A", "B", "C"], {"A": "Priya Shah", "C": "Alex"}, metadata=META)
    names, errors = submitted_names(
        submission(view, {"A": "  Priya   Shah ", "B": "Marcus", "C": "   "}), ["A", "B", "C"])
    assert names == {"A": "Priya Shah", "B": "Marcus", "C": ""} and errors == {}


def test_a_bad_name_is_an_error_under_its_field() -> None:
    view = speakers_view(["A", "B", "C"], {}, metadata=META)
    typed = {"A": "x" * (MAX_NAME + 1), "B": "<@U0BOB>", "C": "?!"}
    names, errors = submitted_names(submission(view, typed), ["A", "B", "C"])
    assert names == {}
    assert errors == {"speaker:A": f"At most {MAX_NAME} characters.",
                      "speaker:B": "Just the name, please: no < or >.",
                      "speaker:C": "A name needs at least one letter."}


def test_a_label_the_recording_does_not_have_is_ignored() -> None:
    view = speakers_view(["A", "Z"], {}, metadata=META)
    names, _ = submitted_names(submission(view, {"A": "Priya", "Z": "Zed"}), ["A"])
    assert names == {"A": "Priya"}
    assert read_metadata({"private_metadata": "not json"}) == {}
    assert read_metadata({}) == {}


RECAP = Recap(
    transcript_id="t-1", style="topics",
    action_items=[ActionItem("Send the budget", "Priya", "Friday", 754_000, "I'll send it"),
                  ActionItem("Book a room", "Marcus", None, 65_000, "Marcus, book a room"),
                  ActionItem("Call legal", "Priya Shah", None, None, None)],
    decisions=["Priya owns the launch", "Ship on March 3"],
    decision_evidence=[Evidence(20_000, "Priya, it's yours"), Evidence(30_000, "March 3")],
)


def test_my_items_are_the_clickers_with_times_and_quotes() -> None:
    text, blocks = my_items(RECAP, M("U1PRIYA", "Priya Shah", "priya"))
    shown = [b["text"]["text"] if b["type"] == "section" else b["elements"][0]["text"]
             for b in blocks]
    assert shown == ["*Your action items*\n• Send the budget — due Friday [12:34]",
                     "“I'll send it”", "• Call legal",
                     "*Decisions that name you*\n• Priya owns the launch [00:20]",
                     "“Priya, it's yours”"]
    assert text == "3 items for you in this recap"


def test_nothing_for_someone_the_recap_does_not_name() -> None:
    text, blocks = my_items(RECAP, M("U0BOB", "Bob Stone", "bob"))
    assert text == NOTHING_FOR_YOU == "Nothing for you in this one."
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": NOTHING_FOR_YOU}}]


def test_a_notice_replaces_the_form_when_there_is_nothing_to_name() -> None:
    view = notice_view("Deleted <!here>")
    View(**view).validate_json()
    assert "submit" not in view and view["blocks"][0]["text"]["text"] == "Deleted &lt;!here&gt;"
