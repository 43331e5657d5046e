"""Settings: the only reader of the environment. Everything else receives a Config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from bot.errors import ConfigError

REGION_HOSTS = {
    "us": ("https://api.assemblyai.com", "https://llm-gateway.assemblyai.com/v1"),
    "eu": ("https://api.eu.assemblyai.com", "https://llm-gateway.eu.assemblyai.com/v1"),
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Config:
    """Every setting Recap reads; README and .env.example list exactly these."""

    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    port: int = 3000
    slack_api_url: str = "https://slack.com/api/"
    assemblyai_api_key: str | None = field(default=None, repr=False)
    assemblyai_region: str = "us"
    assemblyai_base_url: str = REGION_HOSTS["us"][0]
    llm_base_url: str = REGION_HOSTS["us"][1]
    llm_api_key: str | None = field(default=None, repr=False)
    llm_model: str = "claude-sonnet-4-6"
    database_path: str = "recap.db"
    database_url: str | None = field(default=None, repr=False)
    worker_heartbeat: float = 10.0
    public_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    max_file_mb: int = 1024
    retention_days: int | None = None
    judge: bool = False
    log_level: str = "INFO"
    # Tuning knobs (documented in the README; defaults suit production).
    llm_rpm: int = 30
    llm_rate_period: float = 60.0
    llm_concurrency: int = 30  # load(): LLM_RPM, at most 32, unless LLM_CONCURRENCY is set
    llm_max_tokens: int = 4000
    chunk_tokens: int = 24000
    poll_interval: float = 3.0
    llm_timeout: float = 120.0
    retry_backoff: float = 1.0
    speech_models: tuple[str, ...] = ("universal-3-pro", "universal-2")

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def is_gateway(self) -> bool:
        """The LLM Gateway takes the raw key; other OpenAI-compatible endpoints take Bearer."""
        return "llm-gateway" in self.llm_base_url and "assemblyai.com" in self.llm_base_url

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def require(self, *names: str) -> None:
        """Raise one ConfigError naming every missing variable at once."""
        missing = [n.upper() for n in names if not getattr(self, n)]
        if missing:
            raise ConfigError(
                f"Missing setting{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                "(set in the environment or .env; see .env.example)."
            )

    def require_for_run(self) -> None:
        needed = ["slack_bot_token"] + ([] if self.socket_mode else ["slack_signing_secret"])
        self.require(*needed)
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")


ENV_NAMES = [f.name.upper() for f in fields(Config)]
# What slack_bolt reads from the environment by itself, even when it is handed the values.
BOLT_READS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def withhold_from_libraries() -> None:
    """Take the Slack credentials out of os.environ once a Config holds them.

    Recap hands every client its settings. slack_bolt's AsyncApp still reads SLACK_BOT_TOKEN
    from the environment when given a client (and warns that the token is unused); with the
    variables gone no library acts on a setting behind Config's back.
    """
    for name in BOLT_READS:
        os.environ.pop(name, None)


def _database_url(raw: str | None) -> str | None:
    """DATABASE_URL: a postgresql:// URL switches the store (and jobs) to PostgreSQL."""
    if not raw:
        return None
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ConfigError("DATABASE_URL must start with postgresql:// (unset: SQLite at "
                          "DATABASE_PATH).")
    return raw


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than zero.")
    return value


def load(env: Mapping[str, str] | None = None) -> Config:
    """Build the Config from an environment (os.environ by default)."""
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = (env.get(name) or "").strip()
        return value or None

    region = (get("ASSEMBLYAI_REGION") or "us").lower()
    if region not in REGION_HOSTS:
        raise ConfigError(f"ASSEMBLYAI_REGION must be us or eu, not {region!r}.")
    aai_host, gateway = REGION_HOSTS[region]
    level = (get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")
    models = get("SPEECH_MODELS")
    poll = _float(env, "POLL_INTERVAL", 3.0)
    rpm = _int(env, "LLM_RPM", 30) or 30
    assemblyai_key = get("ASSEMBLYAI_API_KEY")
    config = Config(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        port=_int(env, "PORT", 3000) or 3000,
        slack_api_url=_with_slash(get("SLACK_API_URL") or "https://slack.com/api/"),
        assemblyai_api_key=assemblyai_key,
        assemblyai_region=region,
        assemblyai_base_url=(get("ASSEMBLYAI_BASE_URL") or aai_host).rstrip("/"),
        llm_base_url=(get("LLM_BASE_URL") or gateway).rstrip("/"),
        llm_api_key=get("LLM_API_KEY") or assemblyai_key,
        llm_model=get("LLM_MODEL") or "claude-sonnet-4-6",
        database_path=get("DATABASE_PATH") or "recap.db",
        database_url=_database_url(get("DATABASE_URL")),
        worker_heartbeat=min(max(_float(env, "WORKER_HEARTBEAT", 10.0), 0.2), 300.0),
        public_url=(get("PUBLIC_URL") or "").rstrip("/") or None,
        webhook_secret=get("WEBHOOK_SECRET"),
        max_file_mb=_int(env, "MAX_FILE_MB", 1024) or 1024,
        retention_days=_int(env, "RETENTION_DAYS", None),
        judge=(get("JUDGE") or "off").lower() in ("on", "1", "true", "yes"),
        log_level=level,
        llm_rpm=rpm,
        llm_rate_period=_float(env, "LLM_RATE_PERIOD", 60.0),
        # A whole rate window may go out at once; a local server sets its own number.
        llm_concurrency=_int(env, "LLM_CONCURRENCY", None) or min(rpm, 32),
        llm_max_tokens=_int(env, "LLM_MAX_TOKENS", 4000) or 4000,
        chunk_tokens=_int(env, "CHUNK_TOKENS", 24000) or 24000,
        poll_interval=poll,
        llm_timeout=_float(env, "LLM_TIMEOUT", 120.0),
        retry_backoff=_float(env, "RETRY_BACKOFF", 1.0),
        speech_models=tuple(m.strip() for m in models.split(",") if m.strip())
        if models
        else ("universal-3-pro", "universal-2"),
    )
    return config


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def inherited_environment() -> dict[str, str]:
    """The environment a child process (the demo's app, a test's app) starts from.

    Recap's own settings are left out, so a developer's real tokens never reach a simulation.
    """
    return {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
