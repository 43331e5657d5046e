"""No secret leaves in a log line, an exception or a message: the whole flow (drop, recap,
follow-up, restyle, transcript, failures, forget) at LOG_LEVEL=DEBUG, in HTTP mode with webhooks
and in Socket Mode, then every log line, posted message, request body and the database file is
searched for every credential."""

from __future__ import annotations

import glob
import json
import sqlite3

from bot.sim.assemblyai import AssemblyAISim
from bot.sim.llm import LLMSim
from bot.sim.slack import SlackSim
from bot.sim.stage import Stage, free_port
from tests.e2e.people import (
    CHANNEL,
    actions,
    bot_replies,
    button,
    click,
    share,
    text_of,
    wait_for_recap,
    wait_replies,
    with_button,
)

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-SECRETBOTTOKENq7Zr3Kp9",
    "SLACK_APP_TOKEN": "xapp-1-A0RECAP-3333-SECRETAPPTOKENm4Wd8Lx2",
    "SLACK_SIGNING_SECRET": "SECRETSIGNINGn5Tb2Vq8Hj6Fc1Ry4",
    "ASSEMBLYAI_API_KEY": "SECRETASSEMBLYAIu7Pk3Ms9Dw2Ne5",
    "LLM_API_KEY": "SECRETLLMKEYa8Gh4Xt1Zv6Qb3",
    "WEBHOOK_SECRET": "SECRETWEBHOOKc2Jn7Yr5Lk9Ws4",
}


def leaks(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


async def deliver(stage, app, envelope, socket: bool) -> None:
    if socket:
        await stage.slack.socket_send("events_api", envelope)
    else:
        assert (await stage.slack.deliver(app.events_url, envelope))[0] == 200


async def answered(stage, thread_ts: str, after: str, starting: str = "") -> str:
    """Recap's first message in the thread after `after` (that starts with `starting`)."""
    found = await stage.slack.wait_for(lambda: [
        m for m in bot_replies(stage, thread_ts, after=after) if m.text.startswith(starting)])
    return text_of(found[0])


async def click_in_thread(stage, app, thread_ts: str, action_id: str,
                          socket: bool = False) -> None:
    """Click the thread's latest button with this action, over HTTP or the socket."""
    message = with_button(stage, thread_ts, action_id)
    if socket:
        payload = stage.slack.click_payload(channel=CHANNEL, message_ts=message.ts,
                                            action_id=action_id,
                                            value=button(message, action_id)["value"])
        await stage.slack.socket_send("interactive", payload)
    else:
        await click(stage, app, message, action_id)


async def test_no_secret_in_any_log_line_exception_or_message(tmp_path):
    slack = SlackSim(bot_token=SECRETS["SLACK_BOT_TOKEN"], app_token=SECRETS["SLACK_APP_TOKEN"],
                     signing_secret=SECRETS["SLACK_SIGNING_SECRET"])
    assemblyai = AssemblyAISim(api_key=SECRETS["ASSEMBLYAI_API_KEY"])
    llm = LLMSim(api_key=SECRETS["LLM_API_KEY"])
    async with Stage(workdir=str(tmp_path), slack=slack, assemblyai=assemblyai, llm=llm) as stage:
        port = free_port()
        env = {"LOG_LEVEL": "DEBUG", "WEBHOOK_SECRET": SECRETS["WEBHOOK_SECRET"]}
        app = await stage.app(port=port, PUBLIC_URL=f"http://127.0.0.1:{port}", **env)

        # HTTP mode, AssemblyAI calling back: a recap, a question, a restyle, the transcript.
        file = stage.slack.add_file("standup.mp3")
        thread = await share(stage, app, file)
        await wait_for_recap(stage, thread)
        assert stage.assemblyai.webhooks  # the webhook path ran
        question = stage.slack.user_message(CHANNEL, "Who owns the launch?", thread_ts=thread)
        await deliver(stage, app, question, socket=False)
        await answered(stage, thread, question["event"]["ts"])
        await click_in_thread(stage, app, thread, "restyle:brief")
        await click_in_thread(stage, app, thread, "transcript")
        await stage.slack.wait_for(lambda: stage.slack.uploaded_files())

        # Failures: AssemblyAI refuses a recording; then the LLM refuses the key.
        broken = stage.slack.add_file("broken.mp3", content=b"ID3 broken")
        stage.assemblyai.script(stage.slack.file_sha256(broken), error="Audio file is corrupt")
        failing = await share(stage, app, broken)
        said = await answered(stage, failing, failing, ":x:")
        assert "Audio file is corrupt" in said
        stage.llm.api_key = "rotated-key"
        await click_in_thread(stage, app, thread, "restyle:chapters")
        said = await answered(stage, thread, question["event"]["ts"], ":x:")
        assert "LLM_API_KEY" in said  # the failure names the setting, never its value
        stage.llm.api_key = SECRETS["LLM_API_KEY"]
        # An unexpected error in a listener: logged with its traceback.
        stage.slack.error_next("files.info", "fatal_error")
        await deliver(stage, app, stage.slack.file_shared_event(file, CHANNEL), socket=False)
        await stage.slack.wait_for(lambda: "Traceback" in app.logs())
        assert await app.stop() == 0

        # Socket Mode: a question, then forget (the mention, then the confirmed button).
        app = await stage.app(SLACK_APP_TOKEN=SECRETS["SLACK_APP_TOKEN"], **env)
        question = stage.slack.user_message(CHANNEL, "What was decided?", thread_ts=thread)
        await deliver(stage, app, question, socket=True)
        # The answer streams: the next message must come after it, not while it is written.
        await wait_replies(stage, thread, 1, after=question["event"]["ts"], timeout=30)
        forget = stage.slack.app_mention(CHANNEL, "forget", thread_ts=thread)
        await deliver(stage, app, forget, socket=True)
        await stage.slack.wait_for(lambda: [  # the reply to "forget" holds its button
            m for m in bot_replies(stage, thread, after=forget["event"]["ts"])
            if "forget" in actions(m)], timeout=30)
        deletes = stage.assemblyai.deletes  # a failed transcript above may be unlinked too
        await click_in_thread(stage, app, thread, "forget", socket=True)
        # DEBUG logging of every request is slow on a busy machine: a longer deadline.
        await stage.slack.wait_for(lambda: stage.assemblyai.deletes == deletes + 1, timeout=30)
        await stage.slack.wait_for(lambda: any(
            "deleted" in m.text for m in stage.slack.thread(CHANNEL, thread)), timeout=30)
        assert await app.stop() == 0

        logs = app.logs()
        assert "DEBUG slack_sdk" in logs and "DEBUG httpcore" in logs and "Socket Mode" in logs
        assert leaks(logs) == []
        seen = [json.dumps(c.args) for c in stage.slack.calls()]
        seen += [json.dumps([m.text, m.blocks]) for m in stage.slack.messages(CHANNEL)]
        seen += [e.text for e in stage.slack.ephemerals()]
        seen += [stage.slack.file_bytes(f).decode(errors="replace")
                 for f in stage.slack.uploaded_files()]
        seen += [json.dumps(r.json) for r in stage.llm.requests]
        assert leaks("\n".join(seen)) == []
        bodies = [json.dumps(r.json) for r in stage.assemblyai.requests]
        # AssemblyAI is the one place the webhook secret must go: the header it sends back.
        assert leaks("\n".join(bodies)) == ["WEBHOOK_SECRET"]
        with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
            errors = [r[0] or "" for r in db.execute("SELECT error FROM jobs")]
        assert "Audio file is corrupt" in " ".join(errors) and leaks(" ".join(errors)) == []
        files = b"".join(open(p, "rb").read() for p in glob.glob(f"{stage.workdir}/recap.db*"))
        assert leaks(files.decode(errors="replace")) == []
