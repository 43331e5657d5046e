"""The LLM endpoint misbehaves: rate limits, server errors, time-outs, broken JSON, a model it
does not serve, a part of a long meeting that keeps failing. The recap completes, or the job
fails with one clear sentence; a partial recap is never posted as if it were whole."""

from __future__ import annotations

from tests.e2e.people import FAST_RETRIES, recaps, row, share, statuses, text_of, wait_reaction

CHAT = "/v1/chat/completions"


async def test_429_with_retry_after_and_5xx_are_retried_and_the_recap_completes(stage):
    app = await stage.app(**FAST_RETRIES)
    stage.llm.fail_next(CHAT, 429, retry_after=0.1)
    stage.llm.fail_next(CHAT, 503)
    stage.llm.fail_next(CHAT, 500)
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")

    assert [r.status for r in stage.llm.requests] == [429, 503, 500, 200]
    assert len(recaps(stage, thread)) == 1 and row(stage)["state"] == "posted"


async def test_a_request_that_times_out_is_sent_again(stage):
    app = await stage.app(LLM_TIMEOUT="0.5", **FAST_RETRIES)
    stage.llm.delay(CHAT, 5)
    thread = await share(stage, app)
    await stage.slack.wait_for(lambda: stage.llm.count("POST") == 1)
    stage.llm.delay(CHAT, 0)  # the next attempt is answered at once
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.llm.count("POST") == 2 and stage.llm.calls == 1
    assert len(recaps(stage, thread)) == 1


async def test_slightly_broken_json_is_mended_without_another_call(stage, app):
    stage.llm.malformed_next = 1  # a trailing comma or a missing brace
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.llm.calls == 1 and len(recaps(stage, thread)) == 1


async def test_an_answer_without_json_gets_one_repair_attempt(stage, app):
    stage.llm.refuse_next = 1  # prose, no JSON at all
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")

    first, repair = stage.llm.completions
    assert "not valid JSON" in repair.request["messages"][-1]["content"]
    assert len(recaps(stage, thread)) == 1


async def test_json_still_missing_after_the_repair_fails_the_job_clearly(stage, app):
    stage.llm.refuse_next = 2
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")

    assert stage.llm.calls == 2  # one answer, one repair, no more
    said = text_of(statuses(stage, thread)[0])
    assert "could not be read as JSON" in said and "LLM_MODEL" in said
    assert recaps(stage, thread) == []
    assert row(stage)["state"] == "failed" and "JSON" in row(stage)["error"]


async def test_an_unknown_or_retired_model_is_named_with_its_setting(stage):
    app = await stage.app(LLM_MODEL="claude-retired-2024")
    stage.llm.known_models = {"claude-sonnet-4-6"}
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")

    said = text_of(statuses(stage, thread)[0])
    assert "claude-retired-2024" in said and "LLM_MODEL" in said
    assert stage.llm.count("POST") == 1  # a refusal is not retried
    job = row(stage)
    assert job["state"] == "failed" and "LLM_MODEL" in job["error"]
    assert recaps(stage, thread) == []


async def test_a_part_that_keeps_failing_fails_the_whole_recap(stage):
    app = await stage.app(CHUNK_TOKENS="400", **FAST_RETRIES)  # the stand-up becomes three parts
    stage.llm.fail_containing = "design files for the emails are still in the old workspace"
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")

    said = text_of(statuses(stage, thread)[0])
    assert "The LLM endpoint kept failing (HTTP 500) after 4 attempts" in said
    assert recaps(stage, thread) == []  # no recap of two parts out of three
    assert stage.llm.calls == 2  # the other two parts; no merge was ever asked for
    assert stage.llm.count("POST") == 2 + 4  # the failing part: four attempts
    assert "kept failing" in row(stage)["error"]
