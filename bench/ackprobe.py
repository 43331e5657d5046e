"""A separate process that plays Slack's event delivery and times each acknowledgement.

Kept out of the bench process on purpose: that process also runs the three simulators, whose
work would delay the timer's own event loop and inflate the numbers. Reads one JSON object on
stdin: {"url", "t0" (time.monotonic() of the start; the clock is system-wide on Linux),
"requests": [{"at": seconds after t0, "body": str, "headers": {...}}]}. Writes a JSON list of
{"sent": monotonic time, "ms": latency, "status": HTTP status} in the same order.
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
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(index: int, request: dict[str, Any]) -> None:
            pause = spec["t0"] + request["at"] - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            sent = time.monotonic()
            try:
                async with session.post(spec["url"], data=request["body"].encode(),
                                        headers=request["headers"]) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            results[index] = {"sent": sent, "ms": (time.monotonic() - sent) * 1000,
                              "status": status}

        await asyncio.gather(*(one(i, r) for i, r in enumerate(spec["requests"])))
    return results


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(probe(spec)), sys.stdout)


if __name__ == "__main__":
    main()
