"""`recap judge` and `recap eval`: grade one recording's recap, or every file in a folder.

Exit codes
follow `recap judge`: 0 when every recap is accurate with nothing invented, 1 when one is not,
2 on an error (bot.cli.main.ERROR_EXIT; eval also ends 2 when a file failed, after the others ran).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from typing import Any

from bot import config as config_module
from bot.cli.common import cli_source, made_recap, progress_printer, require_keys
from bot.cli.votes import feedback_lines, feedback_summary
from bot.core.judge import passed, verdict_text
from bot.core.sources import MEDIA_EXTENSIONS
from bot.core.transcript import format_timestamp
from bot.core.transcript_files import TRANSCRIPT_EXTENSIONS
from bot.deps import Deps, open_deps
from bot.errors import RecapError, SourceRejected
from bot.pipeline import Progress, get_transcript, summarize
from bot.pipeline.judging import judge

COLUMNS = (("file", "file"), ("duration", "duration"), ("chunks", "chunks"),
           ("llm_calls", "LLM calls"), ("input_tokens", "input tokens"),
           ("dropped", "grounding dropped"), ("hallucinations", "hallucinations"),
           ("missing", "missing"), ("accurate", "accurate"))


async def judge_command(args: argparse.Namespace) -> int:
    """Grade the stored recap of SOURCE (made first if needed) and store the verdict with it."""
    async with made_recap(args, judge=False) as made:
        await made.show(Progress("checking", "Checking the recap against the transcript"))
        verdict = await judge(made.deps, made.transcript, made.recap)
        await made.deps.store.save_judge(made.recap_id, verdict)
    source, recap, recap_id = made.source, made.recap, made.recap_id
    if args.json:
        out = {"source": source.name, "style": recap.style, "recap_id": recap_id, **verdict}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(f"{source.name} ({recap.style} recap, {verdict['model']})")
        print(verdict_text(verdict), end="")
    return 0 if passed(verdict) else 1


async def eval_command(args: argparse.Namespace) -> int:
    """Summarize afresh (no recap cache: the point is to measure) and judge every file in DIR."""
    config = config_module.load()
    paths = folder_files(args.dir)
    deps = await open_deps(config)
    try:
        rows = [await _evaluate(deps, path, args.style) for path in paths]
    finally:
        await deps.aclose()
    totals = _totals(rows)
    votes = await feedback_summary(config)  # what people said in Slack, next to the judge's
    if args.json:
        out = {"model": config.llm_model, "style": args.style, "files": rows, "totals": totals,
               "feedback": votes}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(table(rows, totals))
        if votes and votes["up"] + votes["down"]:
            print("\n" + "\n".join(feedback_lines(votes)))
    if any(row["error"] for row in rows):
        return 2
    return 0 if all(row["accurate"] for row in rows) else 1


def folder_files(folder: str) -> list[str]:
    """The recordings and transcript files directly in `folder`, by name."""
    if not os.path.isdir(folder):
        raise SourceRejected(f"No such folder: {folder}")
    wanted = MEDIA_EXTENSIONS + TRANSCRIPT_EXTENSIONS
    paths = [os.path.join(folder, name) for name in sorted(os.listdir(folder))
             if name.lower().endswith(wanted) and os.path.isfile(os.path.join(folder, name))]
    if not paths:
        raise SourceRejected(f"{folder} holds no recordings or transcript files.")
    return paths


async def _evaluate(deps: Deps, path: str, style: str) -> dict[str, Any]:
    """One table row. Files run one after another, so the LLM's usage counters are theirs."""
    name = os.path.basename(path)
    row: dict[str, Any] = {"file": name, "duration_ms": 0, "chunks": 0, "llm_calls": 0,
                           "input_tokens": 0, "dropped": 0, "hallucinations": 0, "missing": 0,
                           "accurate": False, "verdict": None, "error": None}
    base = progress_printer()

    async def show(step: Progress) -> None:
        await base(replace(step, detail=f"{name}: {step.detail}"))

    before = dict(deps.llm.usage)
    try:
        source = await cli_source(path, deps.config.max_file_bytes)
        require_keys(deps.config, source)
        transcript, _ = await get_transcript(deps, source, progress=show)
        recap = await summarize(deps, transcript, style, "", show)
        await show(Progress("checking", "Checking the recap against the transcript"))
        verdict = await judge(deps, transcript, recap)
    except RecapError as error:
        print(f"recap: {name}: {error}", file=sys.stderr)
        row["error"] = error.message
        return row
    finally:
        row["llm_calls"] = deps.llm.usage["calls"] - before["calls"]
        row["input_tokens"] = deps.llm.usage["input_tokens"] - before["input_tokens"]
    row.update(duration_ms=transcript.duration_ms, chunks=recap.chunks,
               dropped=(recap.grounding or {}).get("dropped", 0),
               hallucinations=len(verdict["hallucinations"]), missing=len(verdict["missing"]),
               accurate=passed(verdict), verdict=verdict)
    return row


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summed = ("duration_ms", "chunks", "llm_calls", "input_tokens", "dropped", "hallucinations",
              "missing")
    totals: dict[str, Any] = {k: sum(row[k] for row in rows) for k in summed}
    totals.update(files=len(rows), accurate=sum(bool(row["accurate"]) for row in rows),
                  errors=sum(bool(row["error"]) for row in rows))
    return totals


def table(rows: list[dict[str, Any]], totals: dict[str, Any]) -> str:
    """The rows as an aligned text table, a totals line under them."""

    def cells(row: dict[str, Any], accurate: str) -> list[str]:
        values = {**row, "duration": format_timestamp(row["duration_ms"]), "accurate": accurate}
        return [str(values[key]) for key, _ in COLUMNS]

    body = [cells(r, "error" if r["error"] else "yes" if r["accurate"] else "NO") for r in rows]
    total = cells({**totals, "file": "total"}, f"{totals['accurate']}/{totals['files']}")
    grid = [[title for _, title in COLUMNS], *body, total]
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]

    def line(values: list[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = [v.rjust(w) for v, w in zip(values[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(grid[0]), rule, *(line(v) for v in body), rule, line(total)])
