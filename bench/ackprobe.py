"""A separate process that plays Slack's event delivery and times each acknowledgement.

Kept out of the bench process on purpose: that process also runs the three simulators, whose
work would delay the timer's own event loop and inflate the numbers. Reads one JSON object on
stdin: {"url", "t0" (time.monotonic() of the start; the clock is system-wide on Linux),
"requests": [{"at": seconds after t0, "body": str, "headers": {...}}]}. Writes a JSON list of
{"sent": monotonic time, "ms": latency, "status": HTTP status, "queued_ms"} in the same order.

Each ack is timed from the moment its request's headers are on the wire (aiohttp's
on_request_headers_sent), as Slack's clock would run, to its answer: with 200 requests
started at once, this process's own work of opening the other connections comes before
many of them leave, and was counted as the app's. "queued_ms" is the old measure, from
the moment the request was started here.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp


async def probe(spec: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [{} for _ in spec["requests"]]
    on_wire: dict[int, float] = {}

    async def headers_sent(_: Any, context: Any, __: Any) -> None:
        on_wire[context.trace_request_ctx["index"]] = time.monotonic()

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(headers_sent)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, trace_configs=[trace]) as session:

        async def one(index: int, request: dict[str, Any]) -> None:
            pause = spec["t0"] + request["at"] - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            queued = time.monotonic()
            try:
                async with session.post(spec["url"], data=request["body"].encode(),
                                        headers=request["headers"],
                                        trace_request_ctx={"index": index}) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            done = time.monotonic()
            sent = on_wire.get(index, queued)
            results[index] = {"sent": sent, "ms": (done - sent) * 1000, "status": status,
                              "queued_ms": (done - queued) * 1000}

        await asyncio.gather(*(one(i, r) for i, r in enumerate(spec["requests"])))
    return results


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(probe(spec)), sys.stdout)


if __name__ == "__main__":
    main()
