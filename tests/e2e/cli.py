"""Running `recap ...` as a person does: a child process configured only by its environment."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

from bot.sim.samples import sample_utterances
from bot.sim.stage import Stage

FAST = {"LLM_RPM": "1000", "POLL_INTERVAL": "0.05"}


@dataclass
class Ran:
    code: int
    out: str
    err: str


async def recap(stage: Stage, *args: str, timeout: float = 30.0, **env: str) -> Ran:
    """`python -m bot ARGS` against the stage's simulators; returns exit code, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=stage.env(**{**FAST, **env}),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=stage.workdir,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


def standup_txt() -> str:
    """The sample stand-up as a `[mm:ss] Speaker A: text` transcript file."""
    lines = []
    for speaker, start, _, text in sample_utterances():
        seconds = start // 1000
        lines.append(f"[{seconds // 60:02d}:{seconds % 60:02d}] Speaker {speaker}: {text}")
    return "\n".join(lines) + "\n"
