"""A three-hour meeting: summarized in parts (the status says which), then posted as several
messages, each within Slack's limits, with the buttons once, at the end."""

from __future__ import annotations

import json
import re

from bot.sim.samples import meeting
from tests.e2e.people import (
    actions,
    blocks_problems,
    bot_replies,
    recaps,
    share,
    text_of,
    wait_reaction,
)


async def test_a_three_hour_meeting_is_summarized_in_parts_and_split_across_messages(stage):
    stage.assemblyai.script("*", utterances=meeting(180))
    stage.llm.delay("/v1/chat/completions", 0.3)  # parts finish one by one, as with a real LLM
    app = await stage.app(CHUNK_TOKENS="6000", LLM_CONCURRENCY="1")
    ts = await share(stage, app, "board-meeting.mp3", duration_ms=180 * 60_000)

    await wait_reaction(stage, ts, "white_check_mark", timeout=30)
    status = bot_replies(stage, ts)[0]
    shown = [v["text"] for v in status.versions] + [status.text]
    parts = [re.search(r"Summarizing part (\d+) of (\d+)", s) for s in shown]
    assert any(parts), shown
    total = int(next(p for p in parts if p).group(2))
    assert total >= 4
    merges = [c for c in stage.llm.completions
              if re.search(r"^<partials>$", c.request["messages"][-1]["content"], re.M)]
    assert stage.llm.calls - len(merges) == total and merges  # every part, then the merge

    recap = recaps(stage, ts)
    assert len(recap) >= 2
    assert recap[0].blocks[0]["text"]["text"] == "Recap: board-meeting.mp3 (3:00:02)"
    assert recap[1].text == f"Recap of board-meeting.mp3 (continued, 2 of {len(recap)})"
    for message in recap:
        assert len(message.blocks) <= 50
        assert len(json.dumps(message.blocks, ensure_ascii=False)) <= 12_000
        assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")
    assert [bool(actions(m)) for m in recap] == [False] * (len(recap) - 1) + [True]
    assert "Covered 3:00:02 of 3:00:02" in text_of(recap[-1])
    assert stage.assemblyai.creates == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []
