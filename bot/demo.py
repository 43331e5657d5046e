"""`recap demo`: the whole journey on one machine, with no accounts, keys or network.

Simulated Slack, AssemblyAI and LLM on loopback (bot.sim.stage), the real app (`recap run`, HTTP
mode, configured only through its environment) among them, the bundled sample stand-up dropped
in a channel, and the thread printed live as a person would see it. Every wait has a time limit
and any failure ends in one sentence and a non-zero exit, so it doubles as a smoke test.
May import: the standard library, bot.config, bot.errors, bot.doctor (the LLM check) and bot.sim.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from bot import config as config_module
from bot.errors import ConfigError, RecapError
from bot.sim.channel_view import ChannelView
from bot.sim.samples import SAMPLE_AUDIO, sample_utterances
from bot.sim.slack import Message
from bot.sim.stage import AppProcess, Stage
from bot.sim.terminal import BOLD, DIM, Terminal, style

CHANNEL, CHANNEL_NAME = "C0STANDUP", "standup"
DROP_TEXT = "Here's the recording of this morning's stand-up."
QUESTION = "When will Bob update the release plan?"
# Slow enough that the app's status message (edited at most every 2 s) shows each stage, and a
# small chunk budget so the summary is made in two parts, then merged, as for a long meeting.
# After the first recap the LLM speeds up: the answer and the restyle need no stages shown.
SIM_PACE = {"download_seconds": 2.2, "processing_seconds": 2.5, "llm_seconds": 2.0,
            "llm_seconds_after": 0.3}
SIM_APP_ENV = {"CHUNK_TOKENS": "600", "LLM_CONCURRENCY": "1", "POLL_INTERVAL": "0.25",
               "LLM_RPM": "1000"}
LLM_PATH = "/v1/chat/completions"


class DemoFailed(RecapError):
    """Shown on stderr: which step of the demo failed, and why."""


@dataclass(frozen=True)
class Limits:
    """Seconds each wait may take; a real LLM is given more."""

    start: float = 20.0
    recap: float = 25.0
    answer: float = 10.0
    restyle: float = 20.0

    @classmethod
    def real_llm(cls) -> Limits:
        return cls(recap=240.0, answer=120.0, restyle=240.0)


async def demo_command(args: argparse.Namespace) -> int:
    term = Terminal.for_stream(sys.stdout)
    llm_env = await real_llm_env() if args.real_llm else {}
    with tempfile.TemporaryDirectory(prefix="recap-demo-") as workdir:
        async with Stage(workdir=workdir) as stage:
            intro(term, llm_env)
            if not llm_env:
                stage.llm.delay(LLM_PATH, SIM_PACE["llm_seconds"])
            stage.assemblyai.processing_seconds = SIM_PACE["processing_seconds"]
            stage.slack.delay("download", SIM_PACE["download_seconds"])
            stage.slack.channel_names[CHANNEL] = CHANNEL_NAME
            app = await start_app(stage, term, llm_env or SIM_APP_ENV)
            story = Story(stage, app, term, real_llm=bool(llm_env))
            try:
                await story.run()
                receipts(term, stage, llm_env)
                next_steps(term)
                if args.keep:
                    await keep_running(term, stage, app, story.view)
                elif (code := await app.stop()) != 0:
                    raise DemoFailed(f"recap run exited with code {code} on SIGTERM, not 0.")
            except DemoFailed:
                print(_tail(app.logs()), file=sys.stderr)
                raise
    return 0


async def real_llm_env() -> dict[str, str]:
    """The LLM settings (read through bot.config) for the app, once the endpoint answers."""
    from bot.doctor import check_llm

    config = config_module.load()
    if not config.llm_api_key:
        raise ConfigError(
            "recap demo --real-llm needs an LLM: set LLM_BASE_URL and LLM_API_KEY (any "
            "OpenAI-compatible endpoint), or ASSEMBLYAI_API_KEY for AssemblyAI's LLM Gateway, "
            "in the environment or .env."
        )
    check = await check_llm(config)
    if check.status != "ok":
        raise ConfigError(f"recap demo --real-llm: the LLM does not answer. {check.detail}")
    return {f.name.upper(): str(getattr(config, f.name)) for f in fields(config)
            if f.name.startswith("llm_") and getattr(config, f.name) is not None}


def intro(term: Terminal, llm_env: dict[str, str]) -> None:
    if llm_env:
        term.say(style("Recap demo: Slack and AssemblyAI are simulated on this machine; the LLM "
                       f"is real ({llm_env['LLM_MODEL']} at {llm_env['LLM_BASE_URL']}).", BOLD))
    else:
        term.say(style("Recap demo: Slack, AssemblyAI and the LLM are simulated on this machine "
                       "(127.0.0.1).", BOLD))
        term.say("No accounts, no keys, no network.")
    term.say("Recap itself is the real app (`recap run` in HTTP mode), configured only through "
             "its settings to use the simulators, exactly as it would use the real services.")
    term.say()


async def start_app(stage: Stage, term: Terminal, env: dict[str, str]) -> AppProcess:
    term.say("Starting the simulators and Recap… ", end="")
    started = time.monotonic()
    try:
        app = await stage.app(None, **env)
    except RuntimeError as error:
        last = str(error).strip().splitlines()[-1:]
        raise DemoFailed(f"Recap did not start: {' '.join(last) or error}") from None
    term.say(f"ready in {time.monotonic() - started:.1f} s.\n")
    return app


class Story:
    """What a person does in the channel, with the thread printed as it changes."""

    def __init__(self, stage: Stage, app: AppProcess, term: Terminal, *, real_llm: bool) -> None:
        self.stage, self.slack, self.app, self.term = stage, stage.slack, app, term
        self.limits, self.paced = (Limits.real_llm(), False) if real_llm else (Limits(), True)
        self.view = ChannelView(self.slack, CHANNEL, term)
        self.thread_ts = ""

    async def run(self) -> None:
        audio = SAMPLE_AUDIO.read_bytes()
        duration_ms = max(end for _, _, end, _ in sample_utterances())
        self.term.say(style(f"#{CHANNEL_NAME}", BOLD) + style(
            f"  (simulated Slack channel; {SAMPLE_AUDIO.name} is a 10-second synthetic clip that "
            f"the simulated AssemblyAI hears as a {round(duration_ms / 60000)}-minute stand-up; "
            "times are mm:ss since the drop)", DIM))
        self.view.started = time.monotonic()
        file = self.slack.add_file(SAMPLE_AUDIO.name, audio, duration_ms=duration_ms)
        envelope = self.slack.user_message(CHANNEL, DROP_TEXT, files=[file])
        self.thread_ts = envelope["event"]["ts"]
        await self.deliver(envelope)
        await self.until(self.recap_done, self.limits.recap, "the recap and the final status")
        if self.paced:
            self.stage.llm.delay(LLM_PATH, SIM_PACE["llm_seconds_after"])
        await self.ask(QUESTION)
        await self.command("brief")

    async def ask(self, question: str) -> None:
        before = len(self.thread())
        await self.deliver(self.slack.user_message(CHANNEL, question, thread_ts=self.thread_ts))
        await self.until(lambda: self._bot_reply_after(before), self.limits.answer,
                         "the answer to the follow-up question")

    async def command(self, text: str) -> None:
        before = len(self.thread())
        self.view.note(f"alice typed /recap {text} in #{CHANNEL_NAME}")
        status, body = await self.slack.command(self.app.events_url, "/recap", text,
                                                channel=CHANNEL)
        if status != 200:
            raise DemoFailed(f"The app answered the /recap command with HTTP {status}.")
        if body.strip():
            self.view.note(f"recap (only visible to you): {body.strip()}")
        await self.until(lambda: self._bot_reply_after(before), self.limits.restyle,
                         f"the {text} recap")

    async def deliver(self, envelope: dict[str, Any]) -> None:
        self.view.poll()
        status, _, _ = await self.slack.deliver(self.app.events_url, envelope)
        if status != 200:
            raise DemoFailed(f"The app answered a Slack event with HTTP {status}.")

    def thread(self) -> list[Message]:
        return self.slack.thread(CHANNEL, self.thread_ts)

    def recap_done(self) -> bool:
        parent = self.slack.find(CHANNEL, self.thread_ts)
        posted = any(_has_action(m, "transcript") for m in self.thread())
        return posted and parent is not None and "white_check_mark" in parent.reactions

    def _bot_reply_after(self, count: int) -> bool:
        return any(m.bot_id for m in self.thread()[count:])

    async def until(self, done: Callable[[], bool], limit: float, what: str) -> None:
        """Print the thread as it changes until `done()`; a failure shown in Slack, a dead app
        or the time limit ends the demo with the reason."""
        deadline = time.monotonic() + limit
        while True:
            self.view.poll()
            if done():
                return
            if failure := self._failure():
                raise DemoFailed(f"Recap reported a failure while waiting for {what}: {failure}")
            if self.app.process is not None and self.app.process.returncode is not None:
                raise DemoFailed(f"recap run exited (code {self.app.process.returncode}) "
                                 f"while the demo waited for {what}.")
            if time.monotonic() > deadline:
                raise DemoFailed(f"No {what} within {limit:g} s.")
            await asyncio.sleep(0.05)

    def _failure(self) -> str | None:
        parent = self.slack.find(CHANNEL, self.thread_ts)
        for msg in self.thread():
            if msg.bot_id and msg.text.startswith((":x:", ":warning:")):
                return self.term.mrkdwn(msg.text)
        if parent is not None and "x" in parent.reactions:
            return self.view.latest_bot_text() or "the recording got an :x: reaction"
        if self.slack.violations:
            return "Slack refused a call: " + "; ".join(self.slack.violations)
        return None


def _has_action(msg: Message, action_id: str) -> bool:
    return any(e.get("action_id") == action_id for b in msg.blocks if b.get("type") == "actions"
               for e in b.get("elements") or [])


def receipts(term: Terminal, stage: Stage, llm_env: dict[str, str]) -> None:
    """What each service received, counted by the simulators themselves."""
    aai, llm, slack = stage.assemblyai, stage.llm, stage.slack
    uploaded = sum(u.size for u in aai.uploaded)
    summaries = sum(c.schema == "recap" for c in llm.completions)
    answers = sum(c.schema is None for c in llm.completions)
    downloaded = sum(d.bytes_sent for d in slack.downloads)
    reactions = slack.count("reactions.add") + slack.count("reactions.remove")
    rows = [
        ("AssemblyAI", f"{aai.uploads} upload ({uploaded:,} bytes), {aai.creates} transcript "
                       f"created, {aai.gets} status checks"),
        ("LLM", f"{llm.calls} calls ({summaries} summary parts and merges, {answers} answer), "
                f"{llm.input_tokens:,} tokens in, {llm.output_tokens:,} out"),
        ("Slack", f"{slack.count('chat.postMessage')} messages posted, "
                  f"{slack.count('chat.update')} edits, {reactions} reaction changes, "
                  f"{len(slack.downloads)} file download ({downloaded:,} bytes); "
                  f"the app's Block Kit passed Slack's checks"),
    ]
    if llm_env:
        rows[1] = ("LLM", f"the real {llm_env['LLM_MODEL']} at {llm_env['LLM_BASE_URL']} "
                          "(not counted here)")
    term.say()
    term.say(style("What each service received", BOLD))
    for name, text in rows:
        label = f"{name} ({'real' if name == 'LLM' and llm_env else 'simulated'})"
        term.say(f"  {label:<24}{text}", hang=" " * 26)


NEXT_STEPS = """\
1. On https://api.slack.com/apps: Create New App → From a manifest → paste manifest.yml (in the
   Recap repository) → Install to your workspace.
2. Copy .env.example to .env and fill in:
     SLACK_BOT_TOKEN     OAuth & Permissions → Bot User OAuth Token (xoxb-…)
     SLACK_APP_TOKEN     Basic Information → App-Level Tokens, scope connections:write (xapp-…)
     ASSEMBLYAI_API_KEY  your AssemblyAI dashboard; it also pays for the LLM Gateway
     LLM_BASE_URL, LLM_API_KEY, LLM_MODEL  only to use another OpenAI-compatible LLM
3. recap doctor checks them; recap run starts Recap. Then /invite @recap in a channel and drop a
   recording. The README walks through it (HTTP mode, webhooks, settings)."""


def next_steps(term: Terminal) -> None:
    term.say()
    term.say(style("Next: Recap in your own Slack workspace", BOLD))
    term.say(NEXT_STEPS, "  ", hang="")


async def keep_running(term: Terminal, stage: Stage, app: AppProcess, view: ChannelView) -> None:
    """Leave everything up for poking at, printing the channel as it changes, until Ctrl-C."""
    rows = [
        ("Slack Web API", f"{stage.slack.api_url}  (bot token {stage.slack.bot_token})"),
        ("AssemblyAI", f"{stage.assemblyai.base_url}  (key {stage.assemblyai.api_key})"),
        ("LLM", f"{app.env['LLM_BASE_URL']}"
                + ("" if app.env["LLM_BASE_URL"].startswith(stage.llm.base_url)
                   else "  (the real one)")),
        ("Recap (the app)", f"{app.events_url}  (events, commands and clicks)"),
        ("Signing secret", f"{stage.slack.signing_secret}  (sign requests to the app with it)"),
        ("Database", os.path.join(stage.workdir, "recap.db")),
        ("App log", app.log_path),
    ]
    term.say()
    term.say(style("Still running; Ctrl-C stops it all (the folder above is then deleted).", BOLD))
    for name, value in rows:
        term.say(f"  {name:<17}{value}")
    while app.process is not None and app.process.returncode is None:
        view.poll()
        await asyncio.sleep(0.2)
    raise DemoFailed(f"recap run exited (code {app.process.returncode if app.process else '?'}).")


def _tail(log: str, lines: int = 15) -> str:
    last = log.strip().splitlines()[-lines:]
    return "Last lines of the app's log:\n" + "\n".join(last)
