"""Settings: the only reader of the environment. Everything else receives a Config.

Every number has bounds, in one table (BOUNDS), so a typo fails at start with one sentence
naming the variable instead of surfacing later as a hang or a flood. The AssemblyAI key is the
LLM key only for AssemblyAI's own LLM Gateway hosts (REGION_HOSTS), never for another provider.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from bot.errors import ConfigError

REGION_HOSTS = {
    "us": ("https://api.assemblyai.com", "https://llm-gateway.assemblyai.com/v1"),
    "eu": ("https://api.eu.assemblyai.com", "https://llm-gateway.eu.assemblyai.com/v1"),
}
GATEWAY_HOSTS = frozenset(urlsplit(gateway).hostname for _, gateway in REGION_HOSTS.values())
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SPEECH_MODELS = ("assemblyai-stt-3-7", "universal-2")  # the 2026-12-08 migration guide's default
# Every numeric setting: (lowest, highest) allowed. The whole-number ones are in WHOLE.
BOUNDS: dict[str, tuple[float, float]] = {
    "PORT": (1, 65535), "MAX_FILE_MB": (1, 10240), "MAX_TRANSCRIPT_MB": (1, 200),
    "RETENTION_DAYS": (1, 36500), "LLM_RPM": (1, 100000), "LLM_RATE_PERIOD": (0.001, 86400),
    "LLM_CONCURRENCY": (1, 1024), "LLM_MAX_TOKENS": (1, 1000000),
    "CHUNK_TOKENS": (100, 10000000), "POLL_INTERVAL": (0.001, 600),
    "LLM_TIMEOUT": (0.01, 3600), "RETRY_BACKOFF": (0.001, 600),
    "SLACK_TIER3_PER_MIN": (1, 1000), "SLACK_TIER4_PER_MIN": (1, 1000),
    "SLACK_POST_BURST": (1, 100), "SLACK_RATE_PERIOD": (0.001, 3600),
    "WORKER_HEARTBEAT": (0.2, 300), "PEOPLE_TTL": (0, 86400),
}
WHOLE = {"PORT": "a whole number", "MAX_FILE_MB": "a whole number of MiB",
         "MAX_TRANSCRIPT_MB": "a whole number of MiB", "RETENTION_DAYS": "a whole number of days",
         "LLM_RPM": "a whole number of requests", "LLM_CONCURRENCY": "a whole number of requests",
         "LLM_MAX_TOKENS": "a whole number of tokens", "CHUNK_TOKENS": "a whole number of tokens"}
UNSET_HINT = {"RETENTION_DAYS": "unset it to keep everything",
              "LLM_CONCURRENCY": "unset it to follow LLM_RPM"}


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
    assemblyai_gateway_url: str | None = None  # Speaker Identification on a finished transcript
    llm_base_url: str = REGION_HOSTS["us"][1]
    llm_api_key: str | None = field(default=None, repr=False)
    llm_model: str = "claude-sonnet-4-6"
    database_path: str = "recap.db"
    database_url: str | None = field(default=None, repr=False)
    worker_heartbeat: float = 10.0
    public_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    max_file_mb: int = 1024
    max_transcript_mb: int = 20
    retention_days: int | None = None
    judge: bool = False
    mention_owners: bool = False  # on: an owner who is one channel member is @-mentioned
    stream_answers: bool = True
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
    speech_models: tuple[str, ...] = SPEECH_MODELS
    # Slack's rate limits (bot.edges.slack_limits): calls per SLACK_RATE_PERIOD seconds.
    slack_tier3_per_min: int = 50
    slack_tier4_per_min: int = 100
    slack_post_burst: int = 5
    slack_rate_period: float = 60.0
    people_ttl: float = 3600.0  # seconds channel members' names are kept (bot.edges.slack_people)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def max_transcript_bytes(self) -> int:
        """The largest transcript file (.vtt, .srt, .txt) Recap reads."""
        return self.max_transcript_mb * 1024 * 1024

    @property
    def is_gateway(self) -> bool:
        """The LLM Gateway takes the raw key; other OpenAI-compatible endpoints take Bearer."""
        return is_gateway_url(self.llm_base_url)

    @property
    def understanding_url(self) -> str | None:
        """Where Speaker Identification runs on a finished transcript (with the AssemblyAI key):
        ASSEMBLYAI_GATEWAY_URL, else LLM_BASE_URL when that is AssemblyAI's Gateway, else none."""
        if self.assemblyai_gateway_url:
            return self.assemblyai_gateway_url
        return self.llm_base_url if self.is_gateway else None

    def require_llm(self) -> None:
        """Raise a ConfigError naming the missing LLM key, for work that calls the LLM."""
        if self.llm_api_key:
            return
        if self.is_gateway:
            raise ConfigError("Missing setting: LLM_API_KEY, or ASSEMBLYAI_API_KEY which "
                              "AssemblyAI's LLM Gateway takes (see .env.example).")
        raise ConfigError(f"Missing setting: LLM_API_KEY for {self.llm_base_url} (the "
                          "AssemblyAI key is sent only to AssemblyAI's LLM Gateway).")

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


def is_gateway_url(url: str) -> bool:
    """True only for https on one of AssemblyAI's LLM Gateway hosts (REGION_HOSTS)."""
    parts = urlsplit(url.strip())
    return parts.scheme == "https" and parts.hostname in GATEWAY_HOSTS


def _out_of_bounds(name: str, raw: str) -> ConfigError:
    low, high = BOUNDS[name]
    what = WHOLE.get(name, "a number of seconds")
    hint = f"; {UNSET_HINT[name]}" if name in UNSET_HINT else ""
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    got = f", not {shown!r}" if not hint else ""
    return ConfigError(f"{name} must be {what} from {low:g} to {high:g}{got}{hint}.")


def _database_url(raw: str | None) -> str | None:
    """DATABASE_URL: a postgresql:// URL switches the store (and jobs) to PostgreSQL."""
    if not raw:
        return None
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ConfigError("DATABASE_URL must start with postgresql:// (unset: SQLite at "
                          "DATABASE_PATH).")
    return raw


def _on_off(name: str, raw: str | None) -> bool:
    """A switch: on or off (unset: off); anything else stops Recap naming the variable."""
    value = (raw or "off").lower()
    if value not in ("on", "off"):
        raise ConfigError(f"{name} must be on or off, not {value[:40]!r}.")
    return value == "on"


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    low, high = BOUNDS[name]
    try:
        value = int(raw)
    except ValueError:
        raise _out_of_bounds(name, raw) from None
    if not low <= value <= high:
        raise _out_of_bounds(name, raw)
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    low, high = BOUNDS[name]
    try:
        value = float(raw)
    except ValueError:
        raise _out_of_bounds(name, raw) from None
    if not (math.isfinite(value) and low <= value <= high):
        raise _out_of_bounds(name, raw)
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
    llm_base_url = (get("LLM_BASE_URL") or gateway).rstrip("/")
    # The AssemblyAI key goes to AssemblyAI's own Gateway only, never to another provider.
    llm_key = get("LLM_API_KEY") or (assemblyai_key if is_gateway_url(llm_base_url) else None)
    config = Config(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        port=_int(env, "PORT", 3000) or 3000,
        slack_api_url=_with_slash(get("SLACK_API_URL") or "https://slack.com/api/"),
        assemblyai_api_key=assemblyai_key,
        assemblyai_region=region,
        assemblyai_base_url=(get("ASSEMBLYAI_BASE_URL") or aai_host).rstrip("/"),
        assemblyai_gateway_url=(get("ASSEMBLYAI_GATEWAY_URL") or "").rstrip("/") or None,
        llm_base_url=llm_base_url,
        llm_api_key=llm_key,
        llm_model=get("LLM_MODEL") or "claude-sonnet-4-6",
        database_path=get("DATABASE_PATH") or "recap.db",
        database_url=_database_url(get("DATABASE_URL")),
        worker_heartbeat=_float(env, "WORKER_HEARTBEAT", 10.0),
        people_ttl=_float(env, "PEOPLE_TTL", 3600.0),
        public_url=(get("PUBLIC_URL") or "").rstrip("/") or None,
        webhook_secret=get("WEBHOOK_SECRET"),
        max_file_mb=_int(env, "MAX_FILE_MB", 1024) or 1024,
        max_transcript_mb=_int(env, "MAX_TRANSCRIPT_MB", 20) or 20,
        retention_days=_int(env, "RETENTION_DAYS", None),
        judge=(get("JUDGE") or "off").lower() in ("on", "1", "true", "yes"),
        mention_owners=_on_off("MENTION_OWNERS", get("MENTION_OWNERS")),
        stream_answers=_on_off("STREAM_ANSWERS", get("STREAM_ANSWERS") or "on"),
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
        else SPEECH_MODELS,
        slack_tier3_per_min=_int(env, "SLACK_TIER3_PER_MIN", 50) or 50,
        slack_tier4_per_min=_int(env, "SLACK_TIER4_PER_MIN", 100) or 100,
        slack_post_burst=_int(env, "SLACK_POST_BURST", 5) or 5,
        slack_rate_period=_float(env, "SLACK_RATE_PERIOD", 60.0),
    )
    return config


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def inherited_environment() -> dict[str, str]:
    """The environment a child process (the demo's app, a test's app) starts from.

    Recap's own settings are left out, so a developer's real tokens never reach a simulation.
    """
    return {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
