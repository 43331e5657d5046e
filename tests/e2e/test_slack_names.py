"""People, not letters, in Slack: talk time under every recap, `@Recap A is Priya Shah` renames
the speakers in place (no transcription, no LLM call), and later answers and exports use names."""

from __future__ import annotations

from tests.e2e.people import (
    ask,
    click,
    mention,
    recapped,
    recaps,
    text_of,
    wait_replies,
    with_button,
)


async def test_the_footer_shows_who_spoke_how_long(stage, app):
    ts = await recapped(stage, app)

    (recap,) = recaps(stage, ts)
    assert "Speakers: Speaker A " in text_of(recap) and " % · Speaker B " in text_of(recap)


async def test_a_rename_in_the_thread_edits_the_recap_in_place(stage, app):
    ts = await recapped(stage, app)
    (recap,) = recaps(stage, ts)
    creates, llm_calls = stage.assemblyai.creates, stage.llm.calls
    assert "Speaker A" in text_of(recap)

    asked = await mention(stage, app, "A is Priya Shah, B is Marcus", thread_ts=ts)
    (confirmation,) = await wait_replies(stage, ts, 1, after=asked)

    assert "A is Priya Shah" in text_of(confirmation)
    (renamed,) = recaps(stage, ts)  # the same message, edited: no second recap in the thread
    assert renamed.ts == recap.ts and renamed.edits >= 1
    assert "Priya Shah" in text_of(renamed) and "Speaker A" not in text_of(renamed)
    assert "Speaker C" in text_of(renamed)  # nobody named C: no guess
    assert stage.assemblyai.creates == creates and stage.llm.calls == llm_calls

    answer = await ask(stage, app, ts, "What did Priya Shah say?")
    assert answer
    prompt = stage.llm.completions[-1].request["messages"][0]["content"]
    assert "Priya Shah:" in prompt and "Speaker A:" not in prompt


async def test_a_restyle_after_a_rename_uses_the_names(stage, app):
    ts = await recapped(stage, app)
    await mention(stage, app, "C = Dana", thread_ts=ts)
    await stage.slack.wait_for(lambda: "Dana" in text_of(recaps(stage, ts)[0]), timeout=30)

    message = with_button(stage, ts, "restyle:brief")
    await click(stage, app, message, "restyle:brief")
    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) >= 2, timeout=30)
    newest = recaps(stage, ts)[-1]
    assert "Dana" in text_of(newest) and "Speaker C" not in text_of(newest)
