"""What the CLI's commands share: a SOURCE argument as a Source, progress on stderr, and a
recap made (or found) with the clients still open.

Its own module so that main.py (the parser) and evaluate.py (judge, eval) both import it
without importing each other.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import config as config_module
from bot.core.sources import Source, url_source
from bot.core.transcript import format_timestamp
from bot.core.transcript_files import TRANSCRIPT_EXTENSIONS
from bot.errors import SourceRejected

if TYPE_CHECKING:  # the clients load in the commands that use them: `recap --help` stays quick
    from bot.config import Config
    from bot.core.recap import Recap
    from bot.core.transcript import Transcript
    from bot.deps import Deps
    from bot.pipeline import Progress, ProgressFn


def progress_printer() -> Callable[[Progress], Awaitable[None]]:
    """Stage, elapsed time and part N of M on stderr, so stdout stays the recap alone."""
    started = time.monotonic()

    async def show(step: Progress) -> None:
        clock = format_timestamp(int((time.monotonic() - started) * 1000))
        print(f"[{clock}] {step.detail}", file=sys.stderr, flush=True)

    return show


@dataclass
class Made:
    """A recap made (or found) for a CLI command, with the clients still open."""

    deps: Deps
    source: Source
    transcript: Transcript
    recap_id: int
    recap: Recap
    stored: bool
    show: ProgressFn


@asynccontextmanager
async def made_recap(args: argparse.Namespace, *, judge: bool | None) -> AsyncIterator[Made]:
    """SOURCE -> cached transcript -> stored recap, progress on stderr (summarize, judge)."""
    from bot.deps import open_deps
    from bot.pipeline import Progress, get_recap, get_transcript

    config = config_module.load()
    source = await cli_source(args.source, config.max_file_bytes)
    require_keys(config, source)
    deps = await open_deps(config)
    try:
        show = progress_printer()
        transcript, cached = await get_transcript(deps, source, progress=show)
        if cached:
            await show(Progress("transcribing", "Transcript from the cache"))
        recap_id, recap, stored = await get_recap(
            deps, transcript, style=args.style, instructions=args.instructions,
            cached_transcript=cached, progress=show, judge=judge,
        )
        yield Made(deps, source, transcript, recap_id, recap, stored, show)
    finally:
        await deps.aclose()


def require_keys(config: Config, source: Source) -> None:
    """Name the missing key before any work. Every recap needs the LLM's key (LLM_API_KEY;
    ASSEMBLYAI_API_KEY only for AssemblyAI's own LLM Gateway); a recording not yet transcribed
    needs AssemblyAI's, which the pipeline asks for after its cache look-up."""
    if not config.llm_api_key:
        if not source.is_transcript:
            config.require("assemblyai_api_key")
        config.require_llm()


async def cli_source(arg: str, max_bytes: int) -> Source:
    """A file path, an http(s) URL, or `-` (transcript text on stdin) as a Source."""
    if arg == "-":
        if sys.stdin.isatty():
            print("Reading a transcript from stdin (end it with Ctrl-D)…", file=sys.stderr)
        text = await asyncio.to_thread(sys.stdin.read)
        digest = hashlib.sha256(text.encode()).hexdigest()
        return Source(
            kind="text", key=f"sha256:{digest}", name="stdin", text=text, is_transcript=True
        )
    if arg.startswith(("http://", "https://")):
        return url_source("", arg)
    if not os.path.isfile(arg):
        raise SourceRejected(f"No such file: {arg}")
    size = os.path.getsize(arg)
    if size > max_bytes:
        raise SourceRejected(
            f"{os.path.basename(arg)} is over the {max_bytes // 1_048_576} MB limit."
        )
    digest = await asyncio.to_thread(_sha256_file, arg)
    return Source(
        kind="path",
        key=f"sha256:{digest}",
        name=os.path.basename(arg),
        path=arg,
        size=size,
        is_transcript=arg.lower().endswith(TRANSCRIPT_EXTENSIONS),
    )


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
