"""`recap ask QUESTION [--source FILE_OR_ID] [--json]`: a question to the local cache.

The same answer paths as Slack's, over the CLI's own cache (team ""): without --source, across
every cached recording (bot.pipeline.ask, as `/recap ask` asks a channel's); with --source, one
recording (a file path -> its cached transcript, or a transcript id) answered as a thread's
follow-up is (bot.pipeline.answer). Either way the full-text index is read first: when it has
nothing on the question, that is said without an LLM call. The answer cites [mm:ss] and
speakers; the sources it read follow, one line a passage (its best-matching
`[mm:ss] Speaker: ...` line).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any

from bot import config as config_module
from bot.cli.common import cli_source
from bot.core.block_kit import fit
from bot.core.retrieval import terms
from bot.core.transcript import format_timestamp
from bot.errors import SourceRejected

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.pipeline.ask import Moment

NOTHING_CACHED = "Nothing in the cached recordings answers that."
SHOWN = 8


def add_parser(commands: Any) -> None:
    """`recap ask`'s arguments (commands: the parser's subparsers)."""
    ask = commands.add_parser("ask", help="answer a question from the cached recordings")
    ask.add_argument("question", help="what to ask, e.g. \"who sends the draft to legal?\"")
    ask.add_argument("--source", metavar="FILE_OR_ID", default=None,
                     help="only this recording: a file summarized before, or a transcript id")
    ask.add_argument("--json", action="store_true", help="print the answer and sources as JSON")


async def ask_command(args: argparse.Namespace) -> int:
    from bot.deps import open_deps

    config = config_module.load()
    question = " ".join(str(args.question).split())
    if not question:
        raise SourceRejected("Ask a question, e.g. recap ask \"who sends the draft to legal?\"")
    deps = await open_deps(config)
    try:
        transcript_id = await _transcript_id(deps, args.source) if args.source else None
        answer, used = await _answer(deps, question, transcript_id)
    finally:
        await deps.aclose()
    sources = [_source(m, question) for m in used[:SHOWN]]
    if args.json:
        print(json.dumps({"question": question, "answer": answer, "sources": sources},
                         indent=2, ensure_ascii=False))
        return 0
    print(answer)
    if sources:
        print("\nSources")
        for s in sources:
            print(f"  {s['recording']} {s['line']}")
    return 0


async def _transcript_id(deps: Deps, source: str) -> str:
    """--source: a file's cached transcript, or a transcript id in the cache."""
    if os.path.isfile(source):
        found = await deps.store.find_transcript((await cli_source(source, 1 << 62)).key)
        if found is None:
            raise SourceRejected(f"{os.path.basename(source)} is not in the cache yet: "
                                 f"run `recap summarize {source}` first.")
        return found.id
    if await deps.store.get_transcript(source) is None:
        raise SourceRejected(f"No such file, and no cached transcript with the id {source}.")
    return source


async def _answer(deps: Deps, question: str,
                  transcript_id: str | None) -> tuple[str, list[Moment]]:
    from bot.pipeline import answer
    from bot.pipeline.ask import ask, moments

    if transcript_id is None:
        found = await moments(deps, "", None, question)
        if not found:
            return NOTHING_CACHED, []
        deps.config.require_llm()
        return await ask(deps, "", None, question)
    found = await moments(deps, "", None, question, transcript_id=transcript_id)
    if not found:
        return NOTHING_CACHED, []
    deps.config.require_llm()
    names = await deps.store.speaker_names("", transcript_id)
    return await answer(deps, transcript_id, question, [], names), found


def _source(moment: Moment, question: str) -> dict[str, Any]:
    """A passage as a citation: its recording, [mm:ss], and the line that best matches."""
    words = terms(question)
    lines = moment.passage.text.split("\n")
    line = max(lines, key=lambda x: sum(w in x.lower() for w in words))
    return {"recording": moment.name, "at": format_timestamp(moment.passage.start_ms),
            "start_ms": moment.passage.start_ms, "speakers": list(moment.passage.speakers),
            "line": fit(line, 200)}
