"""Running `recap ...` as a person does: a child process configured only by its environment."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sim.samples import sample_utterances
from bot.sim.stage import Stage

FAST = {"LLM_RPM": "1000", "POLL_INTERVAL": "0.05"}
PROGRESS_LINE = re.compile(r"^\[\d\d:\d\d\] \S")  # "[00:03] Summarizing part 2 of 3"


@dataclass
class Ran:
    """One finished `recap ...` command: what the terminal showed."""

    code: int
    out: str
    err: str

    @property
    def progress(self) -> list[str]:
        """The progress lines on stderr."""
        return [line for line in self.err.splitlines() if PROGRESS_LINE.match(line)]

    @property
    def complaint(self) -> str:
        """Everything on stderr that is not a progress line: a failure's one sentence."""
        return "\n".join(line for line in self.err.splitlines() if not PROGRESS_LINE.match(line))

    @property
    def flat(self) -> str:
        """stdout as one line: wrapping and the message gutter (│) do not split phrases."""
        lines = (line.strip().lstrip("│") for line in self.out.splitlines())
        return re.sub(r"\s+", " ", " ".join(lines))

    def recap(self) -> dict[str, Any]:
        """stdout read as the JSON of `--json`."""
        return json.loads(self.out)


async def run_cli(*args: str, env: dict[str, str], cwd: str | Path, stdin: str | None = None,
                  timeout: float = 60.0) -> Ran:
    """`python -m bot ARGS` with exactly `env`, in `cwd`; `stdin` is typed in, else none."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    typed = None if stdin is None else stdin.encode()
    out, err = await asyncio.wait_for(process.communicate(typed), timeout)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def recap(stage: Stage, *args: str, timeout: float = 30.0, **env: str) -> Ran:
    """`recap ARGS` against the stage's simulators, in its work folder."""
    env = stage.env(**{**FAST, **env})
    return await run_cli(*args, env=env, cwd=stage.workdir, timeout=timeout)


def standup_txt() -> str:
    """The sample stand-up as a `[mm:ss] Speaker A: text` transcript file."""
    lines = []
    for speaker, start, _, text in sample_utterances():
        seconds = start // 1000
        lines.append(f"[{seconds // 60:02d}:{seconds % 60:02d}] Speaker {speaker}: {text}")
    return "\n".join(lines) + "\n"
