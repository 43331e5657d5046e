"""The whole cast on loopback: simulated Slack, AssemblyAI and LLM, and the real app among them.

Used by `recap demo` and the end-to-end tests alike. The app is started as `python -m bot run`
in a child process and configured only through its environment, as in production.
May import: the standard library, aiohttp, the simulators, bot.config (for the child's environment).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from types import TracebackType

import aiohttp

from bot.config import ENV_NAMES, inherited_environment
from bot.sim.assemblyai import AssemblyAISim
from bot.sim.llm import LLMSim
from bot.sim.slack import SlackSim


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class AppProcess:
    """`recap run` in a child process: start, wait until it answers, SIGTERM or kill -9 it."""

    env: dict[str, str]
    port: int
    log_path: str
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    async def start(self, timeout: float = 60.0) -> AppProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it until it exits
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env={**self.env, "PORT": str(self.port)},
            stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL,
        )
        log.close()
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(f"recap run exited early:\n{self.logs()[-3000:]}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"recap run did not start:\n{self.logs()[-3000:]}")
                await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait: returns the exit code (a clean shutdown is 0)."""
        if self.process is None:
            return 0
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def kill(self) -> None:
        """kill -9: no chance to clean up, as in a crash."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def logs(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return ""


@dataclass
class Stage:
    """Three simulators and a work folder; `app()` starts Recap against them."""

    workdir: str = ""
    slack: SlackSim = field(default_factory=SlackSim)
    assemblyai: AssemblyAISim = field(default_factory=AssemblyAISim)
    llm: LLMSim = field(default_factory=LLMSim)
    apps: list[AppProcess] = field(default_factory=list)

    async def __aenter__(self) -> Stage:
        self.workdir = self.workdir or tempfile.mkdtemp(prefix="recap-stage-")
        await self.slack.start()
        await self.assemblyai.start()
        await self.llm.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        for app in self.apps:
            await app.kill()
        await self.llm.stop()
        await self.assemblyai.stop()
        await self.slack.stop()

    def env(self, **overrides: str) -> dict[str, str]:
        """Recap's settings, pointing every outside system at a simulator.

        Every other Recap setting is set empty, so a `.env` in the child's folder (which
        `python -m bot` loads without overriding) cannot reach a simulation either."""
        return {
            **inherited_environment(),
            **dict.fromkeys(ENV_NAMES, ""),
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_SIGNING_SECRET": self.slack.signing_secret,
            "SLACK_API_URL": self.slack.api_url,
            "ASSEMBLYAI_API_KEY": self.assemblyai.api_key,
            "ASSEMBLYAI_BASE_URL": self.assemblyai.base_url,
            "LLM_BASE_URL": f"{self.llm.base_url}/v1",
            "LLM_API_KEY": self.llm.api_key,
            "DATABASE_PATH": os.path.join(self.workdir, "recap.db"),
            "POLL_INTERVAL": "0.05",
            "LOG_LEVEL": "INFO",
            **overrides,
        }

    async def app(self, port: int | None = None, **overrides: str) -> AppProcess:
        """Start `recap run` (HTTP mode) against the simulators and wait until it answers."""
        process = AppProcess(env=self.env(**overrides), port=port or free_port(),
                             log_path=os.path.join(self.workdir, "app.log"))
        self.apps.append(process)
        return await process.start()
