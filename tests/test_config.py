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


@pytest.mark.parametrize("name,value", [
    ("PORT", "0"), ("PORT", "70000"), ("MAX_FILE_MB", "0"), ("MAX_FILE_MB", "999999"),
    ("MAX_TRANSCRIPT_MB", "0"), ("MAX_TRANSCRIPT_MB", "201"), ("RETENTION_DAYS", "0"),
    ("LLM_RPM", "0"), ("LLM_RPM", "-5"), ("LLM_CONCURRENCY", "0"), ("LLM_MAX_TOKENS", "0"),
    ("CHUNK_TOKENS", "5"), ("POLL_INTERVAL", "99999"), ("LLM_TIMEOUT", "nan"),
    ("RETRY_BACKOFF", "inf"), ("LLM_RATE_PERIOD", "0"), ("LLM_RATE_PERIOD", "1e999"),
])
def test_every_number_has_bounds_and_one_sentence_names_them(name, value):
    with pytest.raises(ConfigError) as caught:
        load({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name} must be ") and " from " in message and " to " in message
    assert message.endswith(".") and message.count(". ") == 0


def test_a_negative_retention_says_how_to_keep_everything():
    with pytest.raises(ConfigError) as caught:
        load({"RETENTION_DAYS": "-1"})
    assert str(caught.value) == ("RETENTION_DAYS must be a whole number of days from 1 to 36500; "
                                 "unset it to keep everything.")


def test_every_numeric_setting_is_in_the_bounds_table_and_its_default_within():
    from bot.config import BOUNDS, Config

    numeric = {f.upper() for f, v in vars(Config()).items()
               if isinstance(v, int | float) and not isinstance(v, bool)}
    assert numeric | {"RETENTION_DAYS"} == set(BOUNDS)
    for name, (low, high) in BOUNDS.items():
        default = getattr(Config(), name.lower())
        assert default is None or low <= default <= high, name


def test_values_at_the_bounds_are_taken():
    config = load({"PORT": "65535", "MAX_TRANSCRIPT_MB": "200", "RETENTION_DAYS": "36500",
                   "POLL_INTERVAL": "0.005", "RETRY_BACKOFF": "0.01", "CHUNK_TOKENS": "400"})
    assert config.port == 65535 and config.retention_days == 36500
    assert config.max_transcript_bytes == 200 * 1024 * 1024
    assert load({}).max_transcript_bytes == 20 * 1024 * 1024


def test_the_default_speech_models_follow_the_2026_12_migration():
    assert load({}).speech_models == ("assemblyai-stt-3-7", "universal-2")
    assert load({"SPEECH_MODELS": " universal-2 ,"}).speech_models == ("universal-2",)


@pytest.mark.parametrize("url", ["https://llm-gateway.assemblyai.com/v1",
                                 "https://llm-gateway.eu.assemblyai.com/v1/"])
def test_only_assemblyais_gateway_gets_the_assemblyai_key(url):
    config = load({"ASSEMBLYAI_API_KEY": "aai", "LLM_BASE_URL": url})
    assert config.llm_api_key == "aai" and config.is_gateway
    config.require_llm()


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "http://127.0.0.1:8080/v1",
                                 "https://llm-gateway.assemblyai.com.evil.example/v1",
                                 "https://evil.example/llm-gateway.assemblyai.com/v1"])
def test_another_provider_never_receives_the_assemblyai_key(url):
    config = load({"ASSEMBLYAI_API_KEY": "aai", "LLM_BASE_URL": url})
    assert config.llm_api_key is None and not config.is_gateway
    with pytest.raises(ConfigError) as caught:
        config.require_llm()
    assert "LLM_API_KEY" in str(caught.value) and "aai" not in str(caught.value)
    assert load({"ASSEMBLYAI_API_KEY": "aai", "LLM_BASE_URL": url,
                 "LLM_API_KEY": "sk"}).llm_api_key == "sk"


def test_without_any_key_the_gateway_names_both_settings():
    with pytest.raises(ConfigError, match="LLM_API_KEY.*ASSEMBLYAI_API_KEY"):
        load({}).require_llm()


def test_speaker_identification_on_a_finished_transcript_goes_to_assemblyais_gateway_only():
    assert load({}).understanding_url == "https://llm-gateway.assemblyai.com/v1"
    assert load({"ASSEMBLYAI_REGION": "eu"}).understanding_url == (
        "https://llm-gateway.eu.assemblyai.com/v1")
    assert load({"LLM_BASE_URL": "http://localhost:8080/v1"}).understanding_url is None
    explicit = load({"LLM_BASE_URL": "http://localhost:8080/v1",
                     "ASSEMBLYAI_GATEWAY_URL": "http://127.0.0.1:9/v1/"})
    assert explicit.understanding_url == "http://127.0.0.1:9/v1"


def test_mention_owners_is_off_unless_on_and_nothing_else():
    assert load({}).mention_owners is False
    assert load({"MENTION_OWNERS": "ON"}).mention_owners is True
    assert load({"MENTION_OWNERS": "off"}).mention_owners is False
    with pytest.raises(ConfigError, match="MENTION_OWNERS must be on or off, not 'maybe'"):
        load({"MENTION_OWNERS": "maybe"})


def test_stream_answers_is_on_unless_switched_off_and_takes_only_on_or_off():
    assert load({}).stream_answers and load({"STREAM_ANSWERS": "On"}).stream_answers
    assert not load({"STREAM_ANSWERS": "off"}).stream_answers
    with pytest.raises(ConfigError, match="STREAM_ANSWERS must be on or off, not 'sometimes'"):
        load({"STREAM_ANSWERS": "sometimes"})
