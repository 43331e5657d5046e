"""A completed transcript's JSON is read without its word lists, and never read wrong."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.transcript_json import parse, without_words
from bot.edges.transcript_replies import transcript_from_json
from bot.sim.assemblyai_json import result_fields
from bot.sim.samples import meeting

FIXTURE = Path("/work/shared/fixtures/assemblyai_transcript_completed_openapi_example.json")


def wordless(data: dict) -> dict:
    return {**data, "words": [],
            "utterances": [{**u, "words": []} for u in data.get("utterances") or []]}


def completed(minutes: int) -> dict:
    return {"id": "t1", "status": "completed",
            **result_fields(meeting(minutes, speakers=3, seed=2), diarized=True)}


def test_the_documented_example_keeps_everything_but_the_words():
    raw = FIXTURE.read_bytes()  # pretty-printed, as the OpenAPI spec gives it
    data = parse(raw)
    assert data == wordless(json.loads(raw))
    assert data["utterances"][0]["text"].startswith("Smoke from hundreds of wildfires")


def test_compact_and_indented_bodies_give_the_same_transcript():
    data = completed(30)
    for raw in (json.dumps(data, separators=(",", ":")).encode(),
                json.dumps(data, indent=2).encode()):
        parsed = parse(raw)
        assert parsed == wordless(data)
        assert transcript_from_json(parsed) == transcript_from_json(data)
        assert len(without_words(raw)) < len(raw) / 5  # the words were most of it


def test_a_word_holding_the_end_marker_falls_back_to_the_whole_body():
    data = completed(2)
    data["words"][1]["text"] = "x}]"
    data["utterances"][0]["words"][1]["text"] = '"}] ,{'
    raw = json.dumps(data).encode()
    assert parse(raw) == data  # read whole: slower, never wrong


def test_no_words_and_empty_words_are_left_alone():
    for data in ({"id": "t", "status": "queued"},
                 {"id": "t", "status": "completed", "words": [], "text": "",
                  "utterances": [{"speaker": "A", "start": 0, "end": 1, "text": "hi",
                                  "words": []}]}):
        raw = json.dumps(data).encode()
        assert without_words(raw) == raw and parse(raw) == data
