"""`recap doctor`: one line per check, what to fix on the line that fails, exit 0 only if none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.doctor import manifest_bot_scopes, public_url_problem
from bot.sim.slack import SCOPES
from tests.cli.votes import cast_votes
from tests.e2e.cli import recap

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def lines(out: str) -> dict[str, str]:
    """{check name: the whole line} from the report."""
    return {line.split()[1]: line for line in out.splitlines()[:-1]}


async def test_everything_configured_passes(stage):
    ran = await recap(stage, "doctor")

    assert ran.code == 0, ran.out + ran.err
    report = lines(ran.out)
    assert list(report) == ["Slack", "AssemblyAI", "LLM", "Database", "PUBLIC_URL", "Feedback"]
    assert report["Slack"].startswith("ok    Slack ")
    assert "team Recap Sim (T0SIM) as @recap; all 12 bot scopes of manifest.yml" in report["Slack"]
    assert report["AssemblyAI"].startswith("ok ") and "accepts the key" in report["AssemblyAI"]
    assert report["LLM"].startswith("ok ") and "json_schema accepted" in report["LLM"]
    assert report["Database"].startswith("ok ") and "will be created" in report["Database"]
    assert report["PUBLIC_URL"].startswith("skip ") and "not set" in report["PUBLIC_URL"]
    assert report["Feedback"].startswith("skip ") and "no database yet" in report["Feedback"]
    assert ran.out.splitlines()[-1] == "All checks passed."


async def test_a_wrong_llm_key_fails_that_line_only(stage):
    ran = await recap(stage, "doctor", LLM_API_KEY="not-the-key")

    report = lines(ran.out)
    assert ran.code == 1
    assert report["LLM"].startswith("FAIL  LLM ")
    assert "rejected the API key (HTTP 401" in report["LLM"]
    assert "Check LLM_API_KEY." in report["LLM"]
    assert "not-the-key" not in ran.out
    assert all(report[name].startswith("ok ") for name in ("Slack", "AssemblyAI", "Database"))
    assert ran.out.splitlines()[-1] == "1 check(s) failed."


async def test_each_misconfiguration_says_what_to_fix(stage, tmp_path):
    stage.slack.scopes = SCOPES.replace("files:read,", "")
    overrides = {"ASSEMBLYAI_API_KEY": "wrong", "LLM_API_KEY": "sim-llm-key",
                 "DATABASE_PATH": str(tmp_path / "missing" / "recap.db"),
                 "PUBLIC_URL": "http://recap.example.com/slack/events"}

    ran = await recap(stage, "doctor", "--json", **overrides)

    checks = {c["name"]: c for c in json.loads(ran.out)}
    assert ran.code == 1
    assert [c["status"] for c in checks.values()] == ["FAIL", "FAIL", "ok", "FAIL", "FAIL",
                                                      "skip"]
    assert "lacks files:read" in checks["Slack"]["detail"]
    assert "reinstall" in checks["Slack"]["detail"]
    assert "ASSEMBLYAI_API_KEY" in checks["AssemblyAI"]["detail"]
    assert "does not exist" in checks["Database"]["detail"]
    assert "https://" in checks["PUBLIC_URL"]["detail"]


async def test_an_endpoint_without_json_schema_still_passes_and_says_what_it_uses(stage):
    stage.llm.reject_json_schema = True

    ran = await recap(stage, "doctor", SLACK_BOT_TOKEN="", ASSEMBLYAI_API_KEY="",
                      LLM_API_KEY="sim-llm-key")

    report = lines(ran.out)
    assert ran.code == 0, ran.out
    assert report["LLM"].startswith("ok ") and "structured output: json_object" in report["LLM"]
    assert report["Slack"].startswith("skip ") and "SLACK_BOT_TOKEN" in report["Slack"]
    assert report["AssemblyAI"].startswith("skip ") and "transcript files" in report["AssemblyAI"]


def test_the_manifest_scopes_are_read_without_a_yaml_library():
    assert manifest_bot_scopes(MANIFEST.read_text()) == set(SCOPES.split(","))
    flow = "oauth_config:\n  scopes:\n    user: [search:read]\n    bot: [chat:write, 'commands']\n"
    assert manifest_bot_scopes(flow) == {"chat:write", "commands"}
    same_indent = "oauth_config:\n  scopes:\n    bot:\n    - chat:write  # post\nother:\n  - x\n"
    assert manifest_bot_scopes(same_indent) == {"chat:write"}


@pytest.mark.parametrize(("url", "problem"), [
    ("https://recap.example.com", None),
    ("https://recap.example.com:8443", None),
    ("http://recap.example.com", "must start with https://"),
    ("https://recap.example.com/slack/events", "without a path"),
    ("https://localhost", "local host"),
    ("https://10.0.0.5", "private or local address"),
    ("https://", "has no host"),
])
def test_public_url_must_be_a_public_https_origin(url, problem):
    found = public_url_problem(url)
    assert found is None if problem is None else problem in (found or "")


async def test_the_votes_people_gave_are_reported_and_never_fail_the_doctor(stage):
    await cast_votes(f"{stage.workdir}/recap.db")
    ran = await recap(stage, "doctor")
    assert ran.code == 0, ran.out + ran.err
    assert lines(ran.out)["Feedback"] == (
        "ok    Feedback    last 30 days: 2 👍 · 1 👎 (67 % helpful); answer thread: 1 👍 · 0 👎, "
        "recap brief: 1 👍 · 1 👎")
    ran = await recap(stage, "doctor", "--json")
    (feedback,) = [c for c in json.loads(ran.out) if c["name"] == "Feedback"]
    assert feedback["status"] == "ok" and "2 👍 · 1 👎" in feedback["detail"]
