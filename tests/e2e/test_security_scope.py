"""Each answer stays inside its scope: a thread's follow-ups use that thread's recording only,
/recap without a link sees only its channel, and two workspaces never share a transcript or a
recap, even of the very same file."""

from __future__ import annotations

import asyncio

from tests.e2e.people import CHANNEL, block_text, wait_for_recap

OTHER = "C0PRIVATE"
FALCON = [("A", 0, 5000, "The orange falcon budget is forty thousand dollars this quarter."),
          ("B", 5000, 9000, "Dana, can you send the orange falcon numbers by Friday?")]
HERON = [("A", 0, 5000, "The purple heron launch is set for Monday morning."),
         ("B", 5000, 9000, "Eli, can you brief support about the purple heron launch tomorrow?")]


async def drop(stage, app, name: str, utterances, channel: str = CHANNEL, **file_args) -> str:
    file = stage.slack.add_file(name, content=f"ID3 {name}".encode(), **file_args)
    stage.assemblyai.script(stage.slack.file_sha256(file), utterances)
    envelope = stage.slack.user_message(channel, "", files=[file])
    assert (await stage.slack.deliver(app.events_url, envelope))[0] == 200
    return envelope["event"]["ts"]


async def recap_in(stage, channel: str, thread_ts: str) -> str:
    """The thread's text once its job is done (the status message says so)."""

    def done():
        thread = stage.slack.thread(channel, thread_ts)
        return any("Recap ready" in m.text for m in thread) and any(
            "Transcript" in block_text(m.blocks) for m in thread)

    await stage.slack.wait_for(done, timeout=15)
    return "\n".join(f"{m.text}\n{block_text(m.blocks)}"
                     for m in stage.slack.thread(channel, thread_ts))


async def ask(stage, app, thread_ts: str, question: str,
              channel: str = CHANNEL) -> tuple[str, str]:
    """Bob asks in the thread; returns Recap's answer and the prompt the LLM got for it."""
    before = len(stage.llm.completions)
    envelope = stage.slack.user_message(channel, question, thread_ts=thread_ts, user="U0BOB")
    assert (await stage.slack.deliver(app.events_url, envelope))[0] == 200
    asked = float(envelope["event"]["ts"])
    answer = await stage.slack.wait_for(lambda: [
        m for m in stage.slack.thread(channel, thread_ts) if m.bot_id and float(m.ts) > asked])
    (call,) = stage.llm.completions[before:]
    return answer[0].text, "\n".join(m["content"] for m in call.request["messages"])


async def test_a_follow_up_reads_only_its_own_threads_recording(stage, app):
    falcon = await drop(stage, app, "budget.mp3", FALCON)
    heron = await drop(stage, app, "launch.mp3", HERON)
    await wait_for_recap(stage, falcon)
    await wait_for_recap(stage, heron)

    answer, prompt = await ask(stage, app, heron, "What was said about the budget and the launch?")

    assert "purple heron" in prompt and "orange falcon" not in prompt
    assert "purple heron" in answer and "falcon" not in answer
    assert all("purple heron" not in m.text for m in stage.slack.thread(CHANNEL, falcon))


async def test_recap_without_a_link_sees_only_its_own_channel(stage, app):
    private = await drop(stage, app, "budget.mp3", FALCON, channel=OTHER)
    await recap_in(stage, OTHER, private)
    calls = len(stage.llm.completions)
    permalink = f"https://recap-sim.slack.com/archives/{OTHER}/p{private.replace('.', '')}"

    for text in ("brief", "forget", "transcript", f"brief {permalink}", "what was the budget?"):
        status, ack = await stage.slack.command(app.events_url, "/recap", text, channel=CHANNEL)
        assert status == 200 and "no recording in this channel" in ack  # shown privately

    await asyncio.sleep(0.3)  # room for anything that was (wrongly) started
    assert stage.slack.messages(CHANNEL) == [] and len(stage.llm.completions) == calls
    assert [m.text for m in stage.slack.thread(OTHER, private) if "Delete" in m.text] == []


async def test_two_workspaces_never_share_a_transcript_or_a_recap(stage, app):
    first = await drop(stage, app, "standup.mp3", FALCON, file_id="F0SAME")
    first_text = await recap_in(stage, CHANNEL, first)
    jobs_button = [e for m in stage.slack.thread(CHANNEL, first) for b in m.blocks
                   if b.get("type") == "actions" for e in b["elements"]
                   if e["action_id"] == "restyle:brief"][0]

    stage.slack.team_id = "T0SECOND"  # the same app installed in a second workspace
    second = await drop(stage, app, "standup.mp3", FALCON, file_id="F0SAME")  # the same file
    second_text = await recap_in(stage, CHANNEL, second)

    assert "transcribed)" in first_text and "transcribed)" in second_text  # not a cache hit
    assert stage.assemblyai.uploads == 2 and stage.assemblyai.creates == 2
    assert len({c.request["messages"][1]["content"] for c in stage.llm.completions}) == 1
    assert len([c for c in stage.llm.completions if c.schema == "recap"]) == 2  # no shared recap

    # A click from the second workspace on the first one's button does nothing at all.
    posted = len(stage.slack.calls("chat.postMessage"))
    status, _ = await stage.slack.click(app.events_url, channel=CHANNEL, message_ts=[
        m for m in stage.slack.thread(CHANNEL, first) if "Transcript" in block_text(m.blocks)
    ][0].ts, action_id="restyle:brief", value=jobs_button["value"])
    assert status == 200
    answer, prompt = await ask(stage, app, second, "What about the budget?")
    assert "orange falcon" in answer and "orange falcon" in prompt  # its own copy answers
    assert len(stage.slack.calls("chat.postMessage")) == posted + 1  # the answer, nothing else
    assert [c.style for c in stage.llm.completions if c.schema == "recap"] == ["topics", "topics"]
