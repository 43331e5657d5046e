"""`recap demo`: the whole journey on one machine, with no accounts, keys or network.

Simulated Slack, AssemblyAI and LLM on loopback (bot.sim.stage), the real app (`recap run`, HTTP
mode, configured only through its environment) among them, the bundled sample stand-up dropped
in a channel, and the thread printed live as a person would see it. Every wait has a time limit
and any failure ends in one sentence and a non-zero exit, so it doubles as a smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any

from bot import config as config_module
from bot.cli.demo_report import intro, next_steps, receipts, still_running
from bot.errors import ConfigError, RecapError
from bot.sim.channel_view import ChannelView
from bot.sim.samples import SAMPLE_AUDIO, sample_utterances
from bot.sim.slack import Message
from bot.sim.stage import AppProcess, Stage
from bot.sim.terminal import BOLD, DIM, Terminal, style

CHANNEL, CHANNEL_NAME = "C0STANDUP", "standup"
# The channel's people, named as the sample stand-up's speakers are (bot.sim.samples
# SAMPLE_NAMES): Recap offers their names to Speaker Identification, so the recap says who.
PEOPLE = (("U0ALICE", "Alice"), ("U0BOB", "Bob"), ("U0CARMEN", "Carmen"))
DROP_TEXT = "Here's the recording of this morning's stand-up."
QUESTION = "When will Bob update the release plan?"
# Slow enough that the app's status message (edited at most every 2 s) shows each stage, and a
# small chunk budget so the summary is made in two parts, then merged, as for a long meeting.
# After the first recap the LLM speeds up: the answer and the restyle need no stages shown.
SIM_PACE = {"download_s": 2.2, "processing_s": 2.5, "llm_s": 2.0, "llm_later_s": 0.3}
SIM_APP_ENV = {"CHUNK_TOKENS": "600", "LLM_CONCURRENCY": "1", "POLL_INTERVAL": "0.25",
               "LLM_RPM": "1000"}
LLM_PATH = "/v1/chat/completions"


class DemoFailed(RecapError):
    """Shown on stderr: which step of the demo failed, and why."""


@dataclass(frozen=True)
class Limits:
    """Seconds each wait may take; a real LLM is given more."""

    recap: float = 25.0
    answer: float = 10.0
    restyle: float = 20.0


async def demo_command(args: argparse.Namespace) -> int:
    term = Terminal.for_stream(sys.stdout)
    llm_env = await real_llm_env() if args.real_llm else {}
    with tempfile.TemporaryDirectory(prefix="recap-demo-") as workdir:
        async with Stage(workdir=workdir) as stage:
            intro(term, llm_env)
            if not llm_env:
                stage.llm.delay(LLM_PATH, SIM_PACE["llm_s"])
            stage.assemblyai.processing_seconds = SIM_PACE["processing_s"]
            stage.slack.delay("download", SIM_PACE["download_s"])
            stage.slack.add_channel(CHANNEL, name=CHANNEL_NAME)
            for user, name in PEOPLE:
                stage.slack.add_member(user, name, channels=[CHANNEL])
            app = await start_app(stage, term, llm_env or SIM_APP_ENV)
            story = Story(stage, app, term, real_llm=bool(llm_env))
            try:
                await story.run()
                receipts(term, stage, llm_env)
                next_steps(term)
                if args.keep:
                    await keep_running(term, stage, app, story)
                if (code := await app.stop()) != 0:
                    raise DemoFailed(f"recap run exited with code {code} on SIGTERM, not 0.")
            except DemoFailed:
                print(_tail(app.logs()), file=sys.stderr)
                raise
    return 0


async def real_llm_env() -> dict[str, str]:
    """The LLM settings (read through bot.config) for the app, once the endpoint answers."""
    from bot.cli.doctor import check_llm

    config = config_module.load()
    if not config.llm_api_key:
        raise ConfigError(
            "recap demo --real-llm needs an LLM: set LLM_BASE_URL and LLM_API_KEY (any "
            "OpenAI-compatible endpoint), or ASSEMBLYAI_API_KEY for AssemblyAI's LLM Gateway, "
            "in the environment or .env."
        )
    check = await check_llm(config)
    if check.status != "ok":
        raise ConfigError(f"recap demo --real-llm: the LLM at {config.llm_base_url} does not "
                          f"answer. {check.detail}")
    return {f.name.upper(): str(getattr(config, f.name)) for f in fields(config)
            if f.name.startswith("llm_") and getattr(config, f.name) is not None}


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
        self.limits = Limits(recap=240.0, answer=120.0, restyle=240.0) if real_llm else Limits()
        self.paced = not real_llm
        self.view = ChannelView(self.slack, CHANNEL, term)
        self.thread_ts = ""

    async def run(self) -> None:
        duration_ms = max(end for _, _, end, _ in sample_utterances())
        self.term.say(style(f"#{CHANNEL_NAME}", BOLD) + style(
            f"  (simulated Slack channel; {SAMPLE_AUDIO.name} is a 10-second synthetic clip that "
            f"the simulated AssemblyAI hears as a {round(duration_ms / 60000)}-minute stand-up; "
            "times are mm:ss since the drop)", DIM))
        self.view.started = time.monotonic()
        file = self.slack.add_file(SAMPLE_AUDIO.name, SAMPLE_AUDIO.read_bytes(),
                                   duration_ms=duration_ms)
        envelope = self.slack.user_message(CHANNEL, DROP_TEXT, files=[file])
        self.thread_ts = envelope["event"]["ts"]
        await self.deliver(envelope)
        await self.until(self.recap_done, self.limits.recap, "the recap and the final status")
        if self.paced:
            self.stage.llm.delay(LLM_PATH, SIM_PACE["llm_later_s"])
        await self.wait_for_reply(self.ask(QUESTION), self.limits.answer,
                                  "the answer to the follow-up question")
        await self.wait_for_reply(self.command("brief"), self.limits.restyle, "the brief recap")

    async def ask(self, question: str) -> None:
        """A reply in the recap's thread, as alice."""
        await self.deliver(self.slack.user_message(CHANNEL, question, thread_ts=self.thread_ts))

    async def command(self, text: str) -> None:
        """`/recap TEXT` typed in the channel, as alice: a signed slash command."""
        self.view.note(f"alice typed /recap {text} in #{CHANNEL_NAME}")
        status, body = await self.slack.command(self.app.events_url, "/recap", text,
                                                channel=CHANNEL)
        if status != 200:
            raise DemoFailed(f"The app answered the /recap command with HTTP {status}.")
        if body.strip():
            self.view.note(f"recap (only visible to you): {self.term.mrkdwn(body.strip())}")

    async def wait_for_reply(self, action: Awaitable[None], limit: float, what: str) -> None:
        before = len(self.thread())
        await action
        await self.until(lambda: any(m.bot_id for m in self.thread()[before:]) and all(
            s.stopped for s in self.slack.streams(CHANNEL)), limit, what)

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

    async def until(self, done: Callable[[], bool], limit: float, what: str) -> None:
        """Print the thread as it changes until `done()`; a failure shown in Slack, a dead app
        or the time limit ends the demo with the reason."""
        deadline = time.monotonic() + limit
        while True:
            self.view.poll()
            if done():
                return
            if failure := self.failure():
                raise DemoFailed(f"Recap reported a failure while the demo waited for {what}: "
                                 f"{failure}")
            if (code := _exit_code(self.app)) is not None:
                raise DemoFailed(f"recap run exited (code {code}) while the demo waited for "
                                 f"{what}.")
            if time.monotonic() > deadline:
                raise DemoFailed(f"No {what} within {limit:g} s.")
            await asyncio.sleep(0.05)

    def failure(self) -> str | None:
        parent = self.slack.find(CHANNEL, self.thread_ts)
        for msg in self.thread():
            if msg.bot_id and msg.text.startswith((":x:", ":warning:")):
                return self.term.mrkdwn(msg.text.split(":", 2)[2].strip())
        if parent is not None and "x" in parent.reactions:
            return self.view.latest_bot_text() or "the recording got an :x: reaction"
        if self.slack.violations:
            return "Slack refused a call: " + "; ".join(self.slack.violations)
        return None


async def keep_running(term: Terminal, stage: Stage, app: AppProcess, story: Story) -> None:
    """--keep: everything stays up and the channel keeps printing until Ctrl-C (or SIGTERM).
    On a terminal, each line typed is posted in the recap's thread (or run, if a /recap)."""
    stage.slack.enable_tiers()  # from here on Slack's own rate limits apply, as in a workspace
    loop, stop = asyncio.get_running_loop(), asyncio.Event()
    typed: asyncio.Queue[str] = asyncio.Queue()
    typing = sys.stdin.isatty()
    still_running(term, stage, app, typing=typing)
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if typing:
        loop.add_reader(sys.stdin.fileno(), lambda: _read_line(loop, typed))
    try:
        while not stop.is_set():
            story.view.poll()
            if (code := _exit_code(app)) is not None:
                with contextlib.suppress(TimeoutError):  # Ctrl-C reaches the app too
                    await asyncio.wait_for(stop.wait(), 0.5)
                if not stop.is_set():
                    raise DemoFailed(f"recap run exited (code {code}).")
            while not typed.empty():
                line = typed.get_nowait().strip()
                words = line.split(maxsplit=1)
                if words and words[0] == "/recap":
                    await story.command(words[1] if len(words) > 1 else "")
                elif line:
                    await story.ask(line)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if typing:
            loop.remove_reader(sys.stdin.fileno())
    term.say("Stopping…")


def _read_line(loop: asyncio.AbstractEventLoop, typed: asyncio.Queue[str]) -> None:
    line = sys.stdin.readline()
    if line:
        typed.put_nowait(line)
    else:  # Ctrl-D: no more typing, but keep running until Ctrl-C
        loop.remove_reader(sys.stdin.fileno())


def _has_action(msg: Message, action_id: str) -> bool:
    return any(e.get("action_id") == action_id for b in msg.blocks if b.get("type") == "actions"
               for e in b.get("elements") or [])


def _exit_code(app: AppProcess) -> int | None:
    return None if app.process is None else app.process.returncode


def _tail(log: str, lines: int = 15) -> str:
    last = log.strip().splitlines()[-lines:]
    return "Last lines of the app's log:\n" + "\n".join(last)
