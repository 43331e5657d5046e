"""`python -m bench [--quick] [--only P1,P5] [--out bench/results.json]`.

Runs the scenarios one after another (each on fresh simulators and a fresh app), prints the
table and writes it, with the machine and the injected latencies, to results.json. `--only`
replaces just its scenarios' rows in an existing file and notes the rerun (its commit, time and
machine) under "reruns", so a rerun of one scenario never drops the others' figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import ack, burst, first_word, long, relay, single, slack_tiers, workers
from bench.harness import Row, latency_profile, machine

Scenario = Callable[[bool], Awaitable[list[Row]]]
SCENARIOS: list[tuple[set[str], str, Scenario]] = [
    ({"P1"}, "acknowledgement under load", ack.run),
    ({"P2", "P4"}, "one recording; restyle", single.run),
    ({"P3", "P7"}, "3-hour recording vs baseline; tokens", long.run),
    ({"P5"}, "1 GiB relay", relay.run),
    ({"P6"}, "burst under the LLM rate limit", burst.run),
    ({"P8"}, "burst under Slack's rate limits: recap ready -> posted", slack_tiers.run),
    ({"P10"}, "burst through 1 worker vs 3 on one PostgreSQL", workers.run),
    ({"P9"}, "time to the first visible word of an answer: streamed vs whole", first_word.run),
]


def _value(row: Row) -> str:
    value = f"{row.value:g}" if isinstance(row.value, float) else str(row.value)
    return f"{value} {row.unit}"


def table(rows: list[Row]) -> str:
    head = ("id", "scenario", "measured", "ratio", "goal", "met?")
    lines = [
        (r.id, r.scenario, _value(r), "" if r.ratio is None else f"{r.ratio:.3f}", r.goal,
         {True: "yes", False: "NO", None: "-"}[r.met])
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]

    def fmt(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(head), rule, *(fmt(line) for line in lines)])


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


async def main(only: set[str], quick: bool) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    errors: list[str] = []
    for ids, name, scenario in SCENARIOS:
        if only and not ids & only:
            continue
        started = time.monotonic()
        print(f"-- {'/'.join(sorted(ids))}: {name} ...", file=sys.stderr, flush=True)
        try:
            found = await scenario(quick)
        except Exception as error:  # one broken scenario must not hide the others' numbers
            traceback.print_exc()
            errors.append(f"{'/'.join(sorted(ids))}: {type(error).__name__}: {error}")
            found = [Row(i, f"{name}: did not finish ({type(error).__name__})", 0, "", "-", False)
                     for i in sorted(ids)]
        rows += sorted((r for r in found if not only or r.id in only), key=lambda r: r.id)
        print(f"   done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return rows, errors


def merged(before: dict[str, Any], rerun: dict[str, Any], only: set[str]) -> dict[str, Any]:
    """`before` with the rows of `only` replaced by the rerun's, in place of the old ones."""
    fresh = list(rerun["rows"])
    kept: list[dict[str, Any]] = []
    placed: set[str] = set()  # each rerun id's rows go where its first old row was
    for row in before.get("rows", []):
        if row["id"] not in only:
            kept.append(row)
        elif row["id"] not in placed:
            placed.add(row["id"])
            kept += [r for r in fresh if r["id"] == row["id"]]
    kept += [r for r in fresh if r["id"] not in placed]
    note = {k: rerun[k] for k in ("generated", "commit", "quick", "seconds", "machine")}
    return {**before, "rows": kept, "errors": [*before.get("errors", []), *rerun["errors"]],
            "reruns": [*before.get("reruns", []), {"ids": sorted(only), **note}]}


def cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller loads (a smoke run, not the published numbers)")
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. P1,P5")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args()
    only = {s.strip().upper() for s in args.only.split(",") if s.strip()}
    started = time.monotonic()
    rows, errors = asyncio.run(main(only, args.quick))
    elapsed = time.monotonic() - started
    print(table(rows))
    print(f"\n{len([r for r in rows if r.met is False])} goal(s) missed; ran in {elapsed:.0f} s "
          f"on {machine()['nproc']} cores. Bench clock: 1 s here = 10 s in life "
          "(LLM call 1 s, rate-limit minute 6 s).")
    result = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "quick": args.quick,
        "seconds": round(elapsed, 1),
        "machine": machine(),
        "latencies": latency_profile(),
        "rows": [r.to_dict() for r in rows],
        "errors": errors,
    }
    out = Path(args.out)
    if only and out.exists():
        result = merged(json.loads(out.read_text(encoding="utf-8")), result, only)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(cli())
