"""One bag of clients (store, transcriber, LLM, Slack, HTTP session), opened and closed together.

Nothing else builds clients, so tests and the demo redirect everything through Config alone.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from bot.config import Config
from bot.edges.llm import LLM
from bot.edges.rate_window import Window
from bot.edges.slack_api import SlackAPI
from bot.edges.slack_limits import Tiers
from bot.edges.slack_people import People
from bot.edges.store import StoreProtocol, open_store
from bot.edges.transcriber import Transcriber
from bot.errors import ConfigError

T = TypeVar("T")


@dataclass
class Deps:
    config: Config
    store: StoreProtocol
    llm: LLM
    http: aiohttp.ClientSession
    transcriber_: Transcriber | None = None
    slack_: SlackAPI | None = None
    webhook_secret: str = ""
    # Per-source locks: two drops of one file in flight never transcribe twice.
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # transcript id -> future resolved by the AssemblyAI webhook (HTTP mode with PUBLIC_URL).
    completions: dict[str, asyncio.Future[str]] = field(default_factory=dict)
    people_: People | None = None
    # Steps that must reach a stored state even when their job is cancelled (see uninterrupted).
    steps: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def transcriber(self) -> Transcriber:
        """The AssemblyAI edge; asking for it without a key is an operator error."""
        if self.transcriber_ is None:
            raise ConfigError("ASSEMBLYAI_API_KEY is needed to transcribe recordings.")
        return self.transcriber_

    @property
    def slack(self) -> SlackAPI:
        """The Slack Web API edge; only `recap run` opens it (the CLI needs no Slack)."""
        if self.slack_ is None:
            raise ConfigError("SLACK_BOT_TOKEN is needed to talk to Slack.")
        return self.slack_

    @property
    def people(self) -> People:
        """Channel members by name, cached PEOPLE_TTL seconds (built on first use)."""
        if self.people_ is None:
            self.people_ = People(self.slack, ttl=self.config.people_ttl)
        return self.people_

    def lock(self, key: str) -> asyncio.Lock:
        return self.locks.setdefault(key, asyncio.Lock())

    async def uninterrupted(self, step: Coroutine[Any, Any, T]) -> T:
        """Run `step` to its end even if the caller is cancelled (SIGTERM cancels jobs).

        For a call whose effect must be stored once made: a transcript created at AssemblyAI
        whose id is not yet written, a Slack post whose ts is not yet written. Shutdown waits
        for `steps` before closing the store.
        """
        task: asyncio.Task[T] = asyncio.create_task(step)
        self.steps.add(task)
        task.add_done_callback(self.steps.discard)
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        if self.transcriber_ is not None:
            await self.transcriber_.aclose()
        await self.llm.aclose()
        if self.slack_ is not None:
            await self.slack_.aclose()
        await self.http.close()
        await self.store.close()


def slack_api(config: Config, store: StoreProtocol | None = None) -> SlackAPI:
    """The Web API edge at SLACK_API_URL, with the bot token and RETRY_BACKOFF; with
    DATABASE_URL its budgets are shared by every process on the database (Slack counts per
    workspace and channel, not per process)."""
    tiers = Tiers(config.slack_tier3_per_min, config.slack_tier4_per_min,
                  config.slack_post_burst, config.slack_rate_period)
    shared = None
    if config.database_url and store is not None:
        from bot.edges.store.postgres import PgStore
        from bot.edges.store.postgres_window import SharedBudgets

        assert isinstance(store, PgStore)
        shared = SharedBudgets(store)
    return SlackAPI.connect(config.slack_bot_token or "", config.slack_api_url,
                            config.retry_backoff, tiers, shared)


def _shared_window(config: Config, store: StoreProtocol) -> Window | None:
    """With DATABASE_URL, the LLM rate window every process on the database shares (the
    Gateway's limit is per account and model); else the LLM edge keeps its own."""
    if not config.database_url:
        return None
    from bot.edges.store.postgres import PgStore
    from bot.edges.store.postgres_window import SharedWindow

    assert isinstance(store, PgStore)
    key = f"{config.llm_base_url} {config.llm_model}"
    return SharedWindow(store, key, config.llm_rpm, config.llm_rate_period)


async def open_deps(config: Config, *, slack: bool = False) -> Deps:
    """Open every client the configuration allows; `slack=True` also builds the Web API client."""
    store = await open_store(config.database_path, config.database_url)
    secret = config.webhook_secret or await store.get_meta("webhook_secret")
    if not secret:
        secret = secrets.token_urlsafe(32)
        await store.set_meta("webhook_secret", secret)
    webhook_url = f"{config.public_url}/assemblyai/webhook" if config.public_url else None
    transcriber = None
    if config.assemblyai_api_key:
        transcriber = Transcriber(
            api_key=config.assemblyai_api_key,
            base_url=config.assemblyai_base_url,
            speech_models=config.speech_models,
            poll_interval=config.poll_interval,
            backoff=config.retry_backoff,
            webhook_url=webhook_url,
            webhook_secret=secret,
            gateway_url=config.understanding_url,
        )
    llm = LLM(
        base_url=config.llm_base_url,
        api_key=config.llm_api_key,
        model=config.llm_model,
        bearer=not config.is_gateway,
        rpm=config.llm_rpm,
        rate_period=config.llm_rate_period,
        concurrency=config.llm_concurrency,
        max_tokens=config.llm_max_tokens,
        timeout=config.llm_timeout,
        backoff=config.retry_backoff,
        window=_shared_window(config, store),
    )
    return Deps(
        config=config,
        store=store,
        llm=llm,
        http=aiohttp.ClientSession(),
        transcriber_=transcriber,
        slack_=slack_api(config, store) if slack else None,
        webhook_secret=secret,
    )
