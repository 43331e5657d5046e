"""`recap ask QUESTION [--source FILE_OR_ID]`: questions to the local cache, across every cached
recording or within one, cited by [mm:ss] and speaker; nothing found costs no LLM call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli import recap, standup_txt

PLANNING = ("[00:00] Speaker A: Welcome to planning, the zeppelin hangar lease is up.\n"
            "[00:09] Speaker B: I will renew the zeppelin hangar lease with Dana by June.\n"
            "[00:21] Speaker A: Great, then the airship tours restart in July.\n")


@pytest.fixture
async def cached(stage, tmp_path: Path) -> dict[str, Path]:
    """Two recordings summarized before, so their transcripts are in the cache."""
    files = {"standup": tmp_path / "standup.txt", "planning": tmp_path / "planning.txt"}
    files["standup"].write_text(standup_txt())
    files["planning"].write_text(PLANNING)
    for path in files.values():
        ran = await recap(stage, "summarize", str(path))
        assert ran.code == 0, ran.err
    return files


async def test_ask_answers_across_the_cached_recordings_with_citations(stage, cached):
    calls = stage.llm.calls
    ran = await recap(stage, "ask", "who will renew the zeppelin hangar lease?")
    assert ran.code == 0, ran.err
    answer, sources = ran.out.split("\nSources\n")
    assert answer.strip() == stage.llm.completions[-1].content.strip()  # the LLM's, as written
    assert "  planning.txt [00:09] Speaker B: I will renew the zeppelin hangar lease" in sources
    assert stage.llm.calls == calls + 1
    prompt = stage.llm.completions[-1].request["messages"][0]["content"]
    assert "Recording: planning.txt" in prompt and "zeppelin hangar" in prompt


async def test_ask_with_a_source_reads_only_that_recording(stage, cached):
    ran = await recap(stage, "ask", "who sends the draft to legal?", "--source",
                      str(cached["standup"]))
    assert ran.code == 0, ran.err
    assert "Carmen" in ran.out and "standup.txt [" in ran.out
    prompt = json.dumps(stage.llm.completions[-1].request["messages"])
    assert "draft to legal" in prompt and "zeppelin" not in prompt

    by_id = await recap(stage, "ask", "who will renew the zeppelin hangar lease?", "--json")
    rows = json.loads(by_id.out)
    assert rows["sources"][0]["recording"] == "planning.txt"
    assert rows["sources"][0]["at"] == "00:00" and "Speaker B" in rows["sources"][0]["line"]
    summary = await recap(stage, "summarize", str(cached["planning"]), "--json")
    transcript_id = json.loads(summary.out)["transcript_id"]
    calls = stage.llm.calls
    within = await recap(stage, "ask", "who sends the draft to legal?", "--source", transcript_id)
    assert within.out.strip() == "Nothing in the cached recordings answers that."
    assert stage.llm.calls == calls  # the planning meeting never mentions legal: no LLM call


async def test_nothing_cached_on_it_says_so_without_an_llm_call(stage, cached):
    calls = stage.llm.calls
    ran = await recap(stage, "ask", "what about the quarterly penguin census?")
    assert (ran.code, ran.out) == (0, "Nothing in the cached recordings answers that.\n")
    assert stage.llm.calls == calls


@pytest.mark.parametrize(("source", "sentence"), [
    ("tx-nope", "No such file, and no cached transcript with the id tx-nope."),
    ("new.txt", "new.txt is not in the cache yet: run `recap summarize new.txt` first."),
])
async def test_a_source_not_in_the_cache_is_one_sentence(stage, source, sentence):
    Path(stage.workdir, "new.txt").write_text(PLANNING)
    ran = await recap(stage, "ask", "anything?", "--source", source)
    assert ran.code != 0 and ran.out == "" and "Traceback" not in ran.err
    assert ran.err.strip() == f"recap: {sentence}"
    assert stage.llm.calls == 0
