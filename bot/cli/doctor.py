"""`recap doctor`: what an operator checks before going live, one line per check, with the fix.

The checks run at once, each within its own
time limit, so one hung service cannot hide the others. Exit 0 only when none fails; a check
that does not apply (no Slack token, no PUBLIC_URL) is skipped and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bot import config as config_module
from bot.cli.votes import feedback_lines, feedback_summary
from bot.config import Config
from bot.deps import slack_api
from bot.edges.llm import LLM
from bot.edges.store import Store
from bot.edges.transcriber import Transcriber
from bot.errors import ConfigError, RecapError, SlackRefused

CHECK_TIMEOUT_S = 30.0
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


@dataclass(frozen=True)
class Check:
    """One line of the report: `status` is ok, FAIL or skip; `detail` says what to fix."""

    name: str
    status: str
    detail: str


async def doctor_command(args: argparse.Namespace) -> int:
    config = config_module.load()
    checks = await run_checks(config)
    if args.json:
        print(json.dumps([asdict(c) for c in checks], indent=2, ensure_ascii=False))
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            print(f"{c.status:<4}  {c.name:<{width}}  {c.detail}")
        failed = sum(c.status == "FAIL" for c in checks)
        print("All checks passed." if not failed else f"{failed} check(s) failed.")
    return 1 if any(c.status == "FAIL" for c in checks) else 0


async def run_checks(config: Config) -> list[Check]:
    """Every check, in report order (with DATABASE_URL, Database is followed by Queue)."""
    named: list[tuple[str, Callable[[Config], Awaitable[Check | list[Check]]]]] = [
        ("Slack", check_slack), ("AssemblyAI", check_assemblyai), ("LLM", check_llm),
        ("Database", check_database), ("PUBLIC_URL", check_public_url),
        ("Feedback", check_feedback),
    ]

    async def guarded(name: str,
                      check: Callable[[Config], Awaitable[Check | list[Check]]]) -> list[Check]:
        try:
            found = await asyncio.wait_for(check(config), CHECK_TIMEOUT_S)
        except TimeoutError:
            return [Check(name, "FAIL", f"no answer within {CHECK_TIMEOUT_S:g} s")]
        except RecapError as error:
            return [Check(name, "FAIL", error.message)]
        return found if isinstance(found, list) else [found]

    lines = await asyncio.gather(*(guarded(n, c) for n, c in named))
    return [check for group in lines for check in group]


async def check_slack(config: Config) -> Check:
    """auth.test with the bot token, and its scopes (x-oauth-scopes) against manifest.yml."""
    if not config.slack_bot_token:
        return Check("Slack", "skip", "SLACK_BOT_TOKEN is not set: `recap run` needs it "
                     "(the CLI works without Slack).")
    try:
        config.require_for_run()
    except ConfigError as error:
        return Check("Slack", "FAIL", error.message)
    where = f"Slack ({config.slack_api_url})"
    try:
        reply, header = await slack_api(config).whoami()
    except SlackRefused as error:
        return Check("Slack", "FAIL", f"{where} refused SLACK_BOT_TOKEN in auth.test "
                     f"({error.code}): use the app's Bot User OAuth Token (xoxb-...).")
    except (aiohttp.ClientError, OSError) as error:
        return Check("Slack", "FAIL", f"{where} could not be reached ({type(error).__name__}): "
                     "check SLACK_API_URL and the network.")
    who = f"team {reply.get('team')} ({reply.get('team_id')}) as @{reply.get('user')}"
    if header is None:
        return Check("Slack", "ok", f"{who}; Slack did not report the token's scopes")
    if not MANIFEST.is_file():
        return Check("Slack", "ok", f"{who}; manifest.yml not found, scopes not compared")
    granted = {s.strip() for s in str(header).split(",") if s.strip()}
    wanted = manifest_bot_scopes(MANIFEST.read_text(encoding="utf-8"))
    missing = sorted(wanted - granted)
    if missing:
        return Check("Slack", "FAIL", f"{who}, but the token lacks {', '.join(missing)}: add "
                     "them (OAuth & Permissions, or the app's manifest) and reinstall the app.")
    return Check("Slack", "ok", f"{who}; all {len(wanted)} bot scopes of manifest.yml granted")


def manifest_bot_scopes(text: str) -> set[str]:
    """oauth_config.scopes.bot of a Slack app manifest: a small reader of YAML's block style
    (what manifest.yml uses), so Recap needs no YAML library for one list."""
    scopes: set[str] = set()
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        body = line.strip()
        if not body:
            continue
        indent = len(line) - len(line.lstrip())
        under_bot = [key for _, key in stack] == ["oauth_config", "scopes", "bot"]
        if body.startswith("- "):
            if under_bot and indent >= stack[-1][0]:
                scopes.add(body[2:].strip().strip("'\""))
            continue
        key, _, value = body.partition(":")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key.strip()))
        if [k for _, k in stack] == ["oauth_config", "scopes", "bot"] and value.strip("[] "):
            scopes |= {s.strip().strip("'\"") for s in value.strip(" []").split(",") if s.strip()}
    return scopes


async def check_assemblyai(config: Config) -> Check:
    """One cheap authenticated GET (Transcriber.check)."""
    if not config.assemblyai_api_key:
        return Check("AssemblyAI", "skip", "ASSEMBLYAI_API_KEY is not set: only transcript files "
                     "(.vtt, .srt, .txt) can be summarized.")
    transcriber = Transcriber(api_key=config.assemblyai_api_key,
                              base_url=config.assemblyai_base_url,
                              speech_models=config.speech_models, backoff=0.5)
    try:
        ok, detail = await transcriber.check()
    finally:
        await transcriber.aclose()
    fix = "" if ok else " Check ASSEMBLYAI_API_KEY, and ASSEMBLYAI_REGION or ASSEMBLYAI_BASE_URL."
    return Check("AssemblyAI", "ok" if ok else "FAIL", detail + fix)


async def check_llm(config: Config) -> Check:
    """A one-token call, then which structured output the endpoint takes (LLM.check)."""
    if not config.llm_api_key:
        return Check("LLM", "FAIL", "LLM_API_KEY is not set (nor ASSEMBLYAI_API_KEY, its default).")
    llm = LLM(base_url=config.llm_base_url, api_key=config.llm_api_key, model=config.llm_model,
              bearer=not config.is_gateway, backoff=0.5)
    try:
        ok, detail = await llm.check()
    finally:
        await llm.aclose()
    return Check("LLM", "ok" if ok else "FAIL", detail)


async def check_database(config: Config) -> Check | list[Check]:
    """DATABASE_PATH can be written (and, if it exists, opens and passes an integrity check);
    with DATABASE_URL, PostgreSQL and the queue instead (doctor_pg)."""
    if config.database_url:
        from bot.cli.doctor_pg import check_postgres

        return [Check(*line) for line in await check_postgres(config)]
    path = config.database_path
    if not os.path.exists(path):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            return Check("Database", "FAIL", f"DATABASE_PATH {path}: the folder {folder} does "
                         "not exist; create it or choose another path.")
        if not os.access(folder, os.W_OK | os.X_OK):
            return Check("Database", "FAIL", f"DATABASE_PATH {path}: {folder} is not writable "
                         "by this user; fix its permissions or choose another path.")
        return Check("Database", "ok", f"{path} will be created at the first start")
    if not os.access(path, os.R_OK | os.W_OK):
        return Check("Database", "FAIL", f"DATABASE_PATH {path} is not writable by this user.")
    try:
        store = await Store.open(path)
        try:
            healthy = await store.integrity_ok()
        finally:
            await store.close()
    except (sqlite3.Error, RuntimeError) as error:
        return Check("Database", "FAIL", f"DATABASE_PATH {path} does not open as Recap's "
                     f"database ({error}).")
    if not healthy:
        return Check("Database", "FAIL", f"{path} fails SQLite's integrity check: restore a "
                     "backup or start a new file.")
    size = os.path.getsize(path) / 1_048_576
    return Check("Database", "ok", f"{path} is writable ({size:.1f} MB, integrity ok)")


async def check_feedback(config: Config) -> Check:
    """The 👍/👎 people gave recaps and answers lately (informational: never a failure)."""
    try:
        summary = await feedback_summary(config)
    except (sqlite3.Error, RuntimeError, ConfigError):
        return Check("Feedback", "skip", "the database does not open (see Database)")
    if summary is None:
        return Check("Feedback", "skip", "no database yet, so no votes")
    first, *by = feedback_lines(summary)
    detail = first.split(": ", 1)[1]
    if by:
        detail += "; " + ", ".join(line.strip() for line in by)
    return Check("Feedback", "ok", f"last {summary['days']} days: {detail}")


async def check_public_url(config: Config) -> Check:
    """PUBLIC_URL, if set, is an https origin AssemblyAI can call (Recap adds the path)."""
    url = config.public_url
    if not url:
        return Check("PUBLIC_URL", "skip", "not set: Recap polls AssemblyAI (set it in HTTP "
                     "mode to have AssemblyAI call back instead).")
    problem = public_url_problem(url)
    if problem:
        return Check("PUBLIC_URL", "FAIL", f"{url}: {problem}")
    return Check("PUBLIC_URL", "ok", f"AssemblyAI will call {url}/assemblyai/webhook")


def public_url_problem(url: str) -> str | None:
    """What is wrong with PUBLIC_URL, in words, or None: https, a public host, no path."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "not a valid URL; write it as https://your-host.example.com"
    if parts.scheme != "https":
        return "must start with https:// (AssemblyAI calls webhooks over TLS)"
    host = (parts.hostname or "").lower()
    if not host:
        return "has no host; write it as https://your-host.example.com"
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        return "must be the bare origin, without a path: Recap adds /assemblyai/webhook itself"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        local = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
        if local or "." not in host:
            return "names a local host AssemblyAI cannot reach; use the public host name"
        return None
    if not address.is_global:
        return "is a private or local address AssemblyAI cannot reach; use the public host name"
    return None
