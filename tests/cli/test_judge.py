"""The judge end to end: `recap judge`, `recap summarize --judge`, and JUDGE=on in Slack, with
the simulated LLM inventing an owner and a date (Zelda, March 3) that nobody said."""

from __future__ import annotations

import json

from bot.edges.store import Store
from bot.sim.llm import PLANTED_SENTENCE
from bot.sim.stage import Stage
from tests.e2e.cli import recap
from tests.e2e.people import block_text, share, wait_for_recap


def judge_calls(stage: Stage) -> list:
    return [c for c in stage.llm.completions if c.schema == "judge"]


async def test_an_honest_recap_passes_and_the_verdict_is_stored(stage, standup):
    ran = await recap(stage, "judge", standup)

    assert ran.code == 0, ran.err
    assert ran.out == ("standup.txt (topics recap, claude-sonnet-4-6)\n"
                       "Judge: accurate, nothing found that the recording does not support\n")
    assert [c.schema for c in stage.llm.completions] == ["recap", "judge"]

    again = await recap(stage, "judge", standup, "--json")  # grades the stored recap
    verdict = json.loads(again.out)
    assert again.code == 0 and verdict["accurate"] is True and verdict["hallucinations"] == []
    assert [c.schema for c in stage.llm.completions] == ["recap", "judge", "judge"]
    store = await Store.open(stage.env()["DATABASE_PATH"])
    stored = await store.get_recap(verdict["recap_id"])
    await store.close()
    assert stored is not None and stored.judge is not None and stored.judge["accurate"] is True


async def test_grounding_drops_the_invented_item_and_the_judge_catches_the_invented_prose(
    stage, standup
):
    stage.llm.hallucinate = True  # an action item: Zelda books the offsite by March 3
    summary = await recap(stage, "summarize", standup, "--json")
    made = json.loads(summary.out)
    assert made["grounding"]["dropped"] >= 1
    assert all(a["owner"] != "Zelda" for a in made["action_items"])

    stage.llm.hallucinate_prose = True  # the same, said in the TL;DR where no quote is checked
    ran = await recap(stage, "judge", standup, "--style", "brief")

    assert ran.code == 1, ran.err
    assert "Judge: NOT accurate, 1 statement(s) not in the recording" in ran.out
    assert PLANTED_SENTENCE in ran.out


async def test_a_long_transcript_is_judged_in_parts_and_only_what_no_part_supports_counts(
    stage, standup
):
    ran = await recap(stage, "judge", standup, "--json", CHUNK_TOKENS="1200")

    verdict = json.loads(ran.out)
    parts = judge_calls(stage)
    assert ran.code == 0 and verdict["chunks"] == len(parts) >= 3
    assert verdict["hallucinations"] == [] and verdict["accurate"] is True
    # Each part, seeing only its stretch, flagged owners named elsewhere; the merge cleared them.
    assert any(json.loads(c.content)["hallucinations"] for c in parts)

    stage.llm.hallucinate_prose = True  # a new recap style, so a new recap with the invention
    flagged = json.loads((await recap(stage, "judge", standup, "--json", "--style", "brief",
                                      CHUNK_TOKENS="1200")).out)
    assert [PLANTED_SENTENCE in h for h in flagged["hallucinations"]] == [True]


async def test_an_error_exits_2_with_one_sentence(stage, standup):
    ran = await recap(stage, "judge", standup, LLM_API_KEY="wrong-key")

    assert ran.code == 2
    assert ran.err.strip().splitlines()[-1].startswith("recap: The LLM endpoint")
    assert "LLM_API_KEY" in ran.err and "Traceback" not in ran.err


async def test_summarize_judge_rewrites_a_flagged_recap_once(stage, standup):
    stage.llm.hallucinate_prose = True

    ran = await recap(stage, "summarize", standup, "--judge", "--json")

    made = json.loads(ran.out)
    assert ran.code == 0, ran.err
    assert [c.schema for c in stage.llm.completions] == ["recap", "judge", "recap", "judge"]
    rewrite = stage.llm.completions[2].request["messages"][-1]["content"]
    assert "<instructions>" in rewrite and "Zelda" in rewrite  # the findings, as instructions
    assert PLANTED_SENTENCE not in made["tldr"] and made["instructions"] == ""
    assert made["judge"]["accurate"] is True and made["judge"]["regenerated"] is True
    assert "summarizing once more" in ran.err


async def test_a_recap_still_flagged_after_the_rewrite_carries_a_warning(stage, standup):
    stage.llm.hallucinate_prose = stage.llm.stubborn = True

    ran = await recap(stage, "summarize", standup, "--judge")

    assert ran.code == 0, ran.err
    assert stage.llm.calls == 4  # one rewrite, never a second
    assert "Judge: NOT accurate, 1 statement(s) not in the recording (after one rewrite)" in ran.out
    assert PLANTED_SENTENCE in ran.out.split("Not in the recording:")[1]


async def test_judge_on_in_slack_posts_the_doubtful_items_under_the_recap(stage):
    stage.llm.hallucinate_prose = stage.llm.stubborn = True
    app = await stage.app(JUDGE="on", LLM_RPM="1000")

    ts = await share(stage, app)
    thread = await wait_for_recap(stage, ts)

    text = "\n".join(block_text(m.blocks) for m in thread[2:])
    assert ":warning: A second check could not find these in the recording" in text
    assert "Zelda will book the offsite venue" in text
    assert [c.schema for c in stage.llm.completions] == ["recap", "judge", "recap", "judge"]
    assert stage.slack.violations == []


async def test_summarize_judge_shows_the_slack_posts_warning_in_the_text_and_the_json(
    stage, standup
):
    stage.llm.hallucinate_prose = stage.llm.stubborn = True
    warning = "A second check could not find these in the recording: “"

    printed = await recap(stage, "summarize", standup, "--judge")
    as_json = await recap(stage, "summarize", standup, "--judge", "--json")

    assert printed.code == 0 and as_json.code == 0, (printed.err, as_json.err)
    recap_part = printed.out.split("\nJudge: ")[0]  # the recap itself, before the verdict
    assert f"Warning: {warning}" in recap_part and "Zelda will book the offsite venue" in recap_part
    shown = json.loads(as_json.out)
    assert warning in shown["text"] and "Zelda will book the offsite venue" in shown["text"]
    assert shown["text"].startswith("## TL;DR\n")
