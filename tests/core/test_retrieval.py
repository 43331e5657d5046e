"""Retrieval, pure: windows of a transcript, questions made safe for FTS5, passages within a
budget in the order they were said, and questions that need the whole recap."""

from __future__ import annotations

import pytest

from bot.core.retrieval import (
    Passage,
    context_text,
    fts_query,
    needs_everything,
    passages,
    terms,
    within_budget,
)
from bot.core.transcript import Utterance


def test_windows_overlap_so_no_answer_falls_between_two() -> None:
    utterances = [Utterance("AB"[i % 2], i * 1000, i * 1000 + 900, f"line {i}") for i in range(10)]
    found = passages("t1", utterances)
    assert [p.start_ms for p in found] == [0, 4000]  # the last window reaches the end
    assert "line 5" in found[0].text and "line 5" in found[1].text
    assert found[0].speakers == ("A", "B") and found[0].text.startswith("[00:00] Speaker A:")


@pytest.mark.parametrize("question", [
    'what did "Dana say', "NEAR(budget launch)", "budget*", "-budget", "budget AND OR NOT",
    "')--; DROP TABLE", "",
])
def test_questions_never_become_fts5_syntax(question: str) -> None:
    query = fts_query(question)
    assert query is None or all(part.startswith('"') and part.endswith('"')
                                for part in query.split(" OR "))
    assert query is None or '""' not in query


def test_terms_drop_stop_words_and_repeats() -> None:
    assert terms("What did Dana say about the budget, the BUDGET?") == ["dana", "budget"]


@pytest.mark.parametrize("question, everything", [
    ("List all action items", True), ("what were the decisions", True),
    ("every decision we made?", True), ("what did Dana say about the budget", False),
])
def test_questions_that_need_everything(question: str, everything: bool) -> None:
    assert needs_everything(question) is everything


def test_the_best_passages_that_fit_in_the_order_they_were_said() -> None:
    ranked = [Passage("t1", 9000, ("A",), "x " * 40), Passage("t1", 1000, ("B",), "y " * 40),
              Passage("t1", 5000, ("A",), "z " * 400)]
    chosen = within_budget(ranked, 120)
    assert [p.start_ms for p in chosen] == [1000, 9000]  # the big one did not fit
    assert context_text(chosen, "[00:01] Budget").startswith("Topics of the whole recording")
