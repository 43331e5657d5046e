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
            record.msg, record.args = self.redact(message), None
        # Tracebacks and stacks are formatted here, once, so their text is redacted too.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def url_password(url: str) -> str:
    """DATABASE_URL's password, redacted like the other secrets."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


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
        [os.environ.get(name, "") for name in SECRET_VARIABLES]
        + [url_password(os.environ.get("DATABASE_URL", ""))],
    )
    from bot.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
