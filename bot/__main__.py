"""Process entry: loads .env, sets up logging (with secrets redacted), then hands over to the CLI.

The only module that touches dotenv and the root logger.
"""

from __future__ import annotations

import logging
import os
import sys

from dotenv import load_dotenv

SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "ASSEMBLYAI_API_KEY",
    "LLM_API_KEY",
    "WEBHOOK_SECRET",
)


class RedactSecrets(logging.Filter):
    """Belt and braces: no log line carries a configured secret, whichever library wrote it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":  # per-request lines from the HTTP clients are noise below DEBUG
        for name in ("httpx", "httpcore", "aiohttp.access"):
            logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    load_dotenv(".env", override=False)
    level = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    setup_logging(
        level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO",
        [os.environ.get(name, "") for name in SECRET_VARIABLES],
    )
    from bot.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
