"""Speaker Identification, Recap's side: the names offered, and AssemblyAI's letters restored
from the JSON a finished transcript comes back with (shape: AssemblyAI's docs, the simulator's)."""

from __future__ import annotations

from bot.core.identification import (
    MAX_VALUE_CHARS,
    identification_request,
    identification_result,
    known_values,
    restore_labels,
    undo_relabel,
)
from bot.sim.assemblyai_json import result_fields
from bot.sim.speaker_id import relabel, response_block

TURNS = [("A", 0, 2000, "Morning, everyone."), ("B", 2100, 4000, "The export is fixed."),
         ("C", 4100, 6000, "Ship it."), ("A", 6100, 8000, "Friday, then.")]


def finished(mapping: dict[str, str], status: str = "success") -> dict:
    """A completed transcript's JSON, relabelled the way the service relabels it."""
    fields = result_fields(TURNS, diarized=True)
    request = identification_request(["Priya Shah", "Marcus Lee"])
    block = response_block(request, mapping)
    block["response"]["speaker_identification"]["status"] = status
    return {"id": "t1", "status": "completed", **fields, "speech_understanding": block,
            "utterances": relabel(fields["utterances"], mapping),
            "words": relabel(fields["words"], mapping)}


def test_known_values_are_trimmed_deduplicated_and_bounded():
    members = ["Priya Shah", "  Marcus   Lee ", "priya shah", "José García"]
    remembered = ["Jose Garcia", "x" * (MAX_VALUE_CHARS + 1), "", "C", "Dana"]
    assert known_values(members, remembered) == ["Priya Shah", "Marcus Lee", "José García",
                                                 "Dana"]
    assert known_values([f"Person {i}" for i in range(200)], at_most=7) == [
        f"Person {i}" for i in range(7)]


def test_the_request_asks_for_names_among_the_values():
    assert identification_request(["Priya Shah"]) == {
        "speaker_identification": {"speaker_type": "name", "known_values": ["Priya Shah"]}}


def test_letters_come_back_and_only_names_that_came_back_map():
    data = finished({"A": "Priya Shah", "B": "Marcus Lee"})
    assert {u["speaker"] for u in data["utterances"]} == {"Priya Shah", "Marcus Lee", "C"}

    restored, names = restore_labels(data)

    assert [u["speaker"] for u in restored["utterances"]] == ["A", "B", "C", "A"]
    assert {w["speaker"] for w in restored["words"]} == {"A", "B", "C"}
    assert all(w["speaker"] == u["speaker"] for u in restored["utterances"] for w in u["words"])
    assert names == {"A": "Priya Shah", "B": "Marcus Lee"}
    assert data["utterances"][0]["speaker"] == "Priya Shah"  # the input is left as it was


def test_a_failed_identification_gives_no_names():
    data = finished({}, status="error")
    assert identification_result(data["speech_understanding"]) == ("error", {})
    restored, names = restore_labels(data)
    assert names == {} and [u["speaker"] for u in restored["utterances"]] == ["A", "B", "C", "A"]


def test_a_relabel_reported_with_a_failure_is_undone_but_names_nothing():
    data = finished({"A": "Priya Shah"}, status="partial_failure")
    assert identification_result(data["speech_understanding"]) == ("partial_failure", {})
    restored, names = restore_labels(data)
    assert names == {} and [u["speaker"] for u in restored["utterances"]] == ["A", "B", "C", "A"]


def test_entries_that_name_nobody_keep_the_letter():
    block = {"response": {"speaker_identification": {
        "status": "success",
        "mapping": {"A": "Priya Shah", "B": "B", "C": "Speaker C", "D": "Unknown", "E": 3}}}}
    assert identification_result(block) == ("success", {"A": "Priya Shah"})
    assert identification_result(None) == (None, {})
    assert identification_result({"request": {}, "response": None}) == (None, {})


def test_two_letters_given_one_name_become_the_first():
    data = finished({"A": "Priya Shah", "C": "Priya Shah"})
    restored, names = restore_labels(data)
    assert [u["speaker"] for u in restored["utterances"]] == ["A", "B", "A", "A"]
    assert names == {"A": "Priya Shah"}


def test_undo_is_linear_and_leaves_unmapped_speakers():
    items = [{"speaker": "Priya Shah", "words": [{"speaker": "Priya Shah"}]}] * 20_000
    restored = undo_relabel(items, {"A": "Priya Shah"})
    assert restored is not None and len(restored) == 20_000
    assert restored[-1] == {"speaker": "A", "words": [{"speaker": "A"}]}
    assert undo_relabel([{"speaker": "Z"}], {"A": "Priya Shah"}) == [{"speaker": "Z"}]
