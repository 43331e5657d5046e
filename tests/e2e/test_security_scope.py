"""Each answer stays inside its scope: a thread's follow-ups use that thread's recording only,
/recap without a link sees only its channel, and two workspaces never share a transcript or a
recap, even of the very same file."""

from __future__ import annotations

import asyncio

from tests.e2e.people import (
    CHANNEL,
    ask,
    block_text,
    click,
    command,
    share,
    text_of,
    wait_for_recap,
    with_button,
)

OTHER = "C0PRIVATE"
FALCON = [("A", 0, 5000, "The orange falcon budget is forty thousand dollars this quarter."),
          ("B", 5000, 9000, "Dana, can you send the orange falcon numbers by Friday?")]
HERON = [("A", 0, 5000, "The purple heron launch is set for Monday morning."),
         ("B", 5000, 9000, "Eli, can you brief support about the purple heron launch tomorrow?")]


async def recap_in(stage, channel: str, thread_ts: str) -> str:
    """The thread's text once its job is done (the status message says so)."""

    def done():
        thread = stage.slack.thread(channel, thread_ts)
        return any("Recap ready" in m.text for m in thread) and any(
            "Transcript" in block_text(m.blocks) for m in thread)

    await stage.slack.wait_for(done, timeout=15)
    return "\n".join(text_of(m) for m in stage.slack.thread(channel, thread_ts))


async def ask_and_prompt(stage, app, thread_ts: str, question: str) -> tuple[str, str]:
    """Bob asks in the thread; returns Recap's answer and the prompt the LLM got for it."""
    before = len(stage.llm.completions)
    answer = await ask(stage, app, thread_ts, question)
    (call,) = stage.llm.completions[before:]
    return answer, "\n".join(m["content"] for m in call.request["messages"])


async def test_a_follow_up_reads_only_its_own_threads_recording(stage, app):
    falcon = await share(stage, app, "budget.mp3", utterances=FALCON)
    heron = await share(stage, app, "launch.mp3", utterances=HERON)
    await wait_for_recap(stage, falcon)
    await wait_for_recap(stage, heron)

    answer, prompt = await ask_and_prompt(stage, app, heron,
                                          "What was said about the budget and the launch?")

    assert "purple heron" in prompt and "orange falcon" not in prompt
    assert "purple heron" in answer and "falcon" not in answer
    assert all("purple heron" not in m.text for m in stage.slack.thread(CHANNEL, falcon))


async def test_recap_without_a_link_sees_only_its_own_channel(stage, app):
    private = await share(stage, app, "budget.mp3", utterances=FALCON, channel=OTHER)
    await recap_in(stage, OTHER, private)
    calls = len(stage.llm.completions)
    permalink = f"https://recap-sim.slack.com/archives/{OTHER}/p{private.replace('.', '')}"

    for text in ("brief", "forget", "transcript", f"brief {permalink}", "what was the budget?"):
        status, ack, _ = await command(stage, app, text)
        assert status == 200 and "no recording in this channel" in ack["text"]  # shown privately

    await asyncio.sleep(0.3)  # room for anything that was (wrongly) started
    assert stage.slack.messages(CHANNEL) == [] and len(stage.llm.completions) == calls
    assert [m.text for m in stage.slack.thread(OTHER, private) if "Delete" in m.text] == []


async def test_two_workspaces_never_share_a_transcript_or_a_recap(stage, app):
    first = await share(stage, app, "standup.mp3", utterances=FALCON, file_id="F0SAME")
    first_text = await recap_in(stage, CHANNEL, first)
    first_recap = with_button(stage, first, "restyle:brief")

    stage.slack.team_id = "T0SECOND"  # the same app installed in a second workspace
    # The very same file.
    second = await share(stage, app, "standup.mp3", utterances=FALCON, file_id="F0SAME")
    second_text = await recap_in(stage, CHANNEL, second)

    assert "transcribed)" in first_text and "transcribed)" in second_text  # not a cache hit
    assert stage.assemblyai.uploads == 2 and stage.assemblyai.creates == 2
    assert len({c.request["messages"][1]["content"] for c in stage.llm.completions}) == 1
    assert len([c for c in stage.llm.completions if c.schema == "recap"]) == 2  # no shared recap

    # A click from the second workspace on the first one's button does nothing at all.
    def said() -> int:  # messages Recap put in a thread: posted, or streamed in
        return len(stage.slack.calls("chat.postMessage")) + len(
            stage.slack.calls("chat.startStream"))

    posted = said()
    await click(stage, app, first_recap, "restyle:brief")
    answer, prompt = await ask_and_prompt(stage, app, second, "What about the budget?")
    assert "orange falcon" in answer and "orange falcon" in prompt  # its own copy answers
    assert said() == posted + 1  # the answer, nothing else
    assert [c.style for c in stage.llm.completions if c.schema == "recap"] == ["topics", "topics"]
