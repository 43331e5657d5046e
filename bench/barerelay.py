"""The reference for P5: the barest aiohttp loop that streams a download into an upload.

Run as its own process (like Recap), so the two compete for the machine the same way.
Usage: python -m bench.barerelay DOWNLOAD_URL SLACK_TOKEN UPLOAD_URL ASSEMBLYAI_KEY
Prints {"bytes": n, "seconds": s} for GET start -> upload answered.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator

import aiohttp


async def relay(download_url: str, token: str, upload_url: str, key: str) -> dict[str, float]:
    sent = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        started = time.monotonic()
        async with session.get(download_url, headers={"Authorization": f"Bearer {token}"}) as got:
            got.raise_for_status()

            async def chunks() -> AsyncIterator[bytes]:
                nonlocal sent
                async for chunk in got.content.iter_chunked(1 << 20):
                    sent += len(chunk)
                    yield chunk

            async with session.post(upload_url, data=chunks(),
                                    headers={"authorization": key}) as put:
                put.raise_for_status()
                await put.read()
        return {"bytes": sent, "seconds": time.monotonic() - started}


def main() -> None:
    download_url, token, upload_url, key = sys.argv[1:5]
    print(json.dumps(asyncio.run(relay(download_url, token, upload_url, key))))


if __name__ == "__main__":
    main()
