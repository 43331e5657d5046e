"""A small local model (llama.cpp's server on 2 CPU cores): one request at a time, slow, and it
rambles until max_tokens and keeps writing after Recap hangs up. `recap summarize` must come
back with the recap, or with one clear sentence, within a few time-outs, never piling copies
of a request onto a server still busy with the first."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import recap, standup_txt

LOCAL = {"LLM_TIMEOUT": "3", "RETRY_BACKOFF": "0.01"}


def written(stage) -> list[dict]:
    """The requests the model wrote an answer for (not the refused response_format)."""
    return [c.request for c in stage.llm.completions]


async def test_a_slow_local_model_that_rambles_still_gives_the_recap(stage):
    stage.llm.reject_json_schema = True  # llama_cpp.server refuses json_schema
    stage.llm.serial_tokens_per_second = 800  # LLM_MAX_TOKENS (4000) would take 5 s > 3 s
    path = Path(stage.workdir) / "standup.txt"
    path.write_text(standup_txt())

    ran = await recap(stage, "summarize", str(path), "--json", **LOCAL)

    assert ran.code == 0, ran.err
    assert "Carmen" in ran.recap()["text"]
    (asked,) = written(stage)  # one answer, cut at max_tokens and used: not asked again
    assert asked["max_tokens"] < 4000
    assert stage.llm.completions[0].finish_reason == "length"
    assert stage.llm.waited_while_busy == 0


async def test_a_local_model_too_slow_for_the_timeout_gives_one_sentence(stage):
    stage.llm.serial_tokens_per_second = 400  # even the sized reply takes longer than 3 s
    path = Path(stage.workdir) / "standup.txt"
    path.write_text(standup_txt())

    ran = await recap(stage, "summarize", str(path), **LOCAL)

    assert ran.code != 0 and ran.out == ""
    assert "no answer within 3 s" in ran.complaint and "LLM_TIMEOUT" in ran.complaint
    assert ran.complaint.splitlines()[-1].startswith("recap: The LLM endpoint")
    assert len(written(stage)) == 2  # sent again once, after the server was done
    assert stage.llm.waited_while_busy == 0
