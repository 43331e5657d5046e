"""Settings come from one place, and a missing one is named with every other missing one."""

from __future__ import annotations

import pytest

from bot.config import load
from bot.errors import ConfigError


def test_defaults_point_at_assemblyai_us():
    config = load({})
    assert config.assemblyai_base_url == "https://api.assemblyai.com"
    assert config.llm_base_url == "https://llm-gateway.assemblyai.com/v1"
    assert config.llm_model == "claude-sonnet-4-6"
    assert config.is_gateway


def test_eu_region_switches_both_hosts():
    config = load({"ASSEMBLYAI_REGION": "eu"})
    assert config.assemblyai_base_url == "https://api.eu.assemblyai.com"
    assert config.llm_base_url == "https://llm-gateway.eu.assemblyai.com/v1"


def test_explicit_urls_override_the_region_and_other_endpoints_use_bearer():
    config = load({"ASSEMBLYAI_REGION": "eu", "ASSEMBLYAI_BASE_URL": "http://127.0.0.1:9/",
                   "LLM_BASE_URL": "http://localhost:8080/v1/", "SLACK_API_URL": "http://h/api"})
    assert config.assemblyai_base_url == "http://127.0.0.1:9"
    assert config.llm_base_url == "http://localhost:8080/v1"
    assert config.slack_api_url == "http://h/api/"
    assert not config.is_gateway


def test_a_whole_rate_window_may_be_in_flight_unless_concurrency_is_set():
    assert load({}).llm_concurrency == 30  # the Gateway's 30 requests per minute
    assert load({"LLM_RPM": "10"}).llm_concurrency == 10
    assert load({"LLM_RPM": "1000"}).llm_concurrency == 32
    assert load({"LLM_RPM": "1000", "LLM_CONCURRENCY": "2"}).llm_concurrency == 2


def test_llm_key_defaults_to_the_assemblyai_key():
    assert load({"ASSEMBLYAI_API_KEY": "aai"}).llm_api_key == "aai"
    assert load({"ASSEMBLYAI_API_KEY": "aai", "LLM_API_KEY": "other"}).llm_api_key == "other"


def test_missing_settings_are_named_together():
    with pytest.raises(ConfigError) as caught:
        load({}).require_for_run()
    assert "SLACK_BOT_TOKEN" in str(caught.value) and "SLACK_SIGNING_SECRET" in str(caught.value)


def test_socket_mode_needs_no_signing_secret_but_an_app_token():
    load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).require_for_run()
    with pytest.raises(ConfigError, match="xapp-"):
        load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}).require_for_run()


def test_secrets_never_show_in_repr():
    config = load({"SLACK_BOT_TOKEN": "xoxb-very-secret", "ASSEMBLYAI_API_KEY": "aai-secret"})
    assert "secret" not in repr(config)


@pytest.mark.parametrize("name,value", [("PORT", "eighty"), ("MAX_FILE_MB", "1.5"),
                                        ("POLL_INTERVAL", "-1"), ("ASSEMBLYAI_REGION", "mars")])
def test_bad_values_are_explained(name, value):
    with pytest.raises(ConfigError, match=name):
        load({name: value})
