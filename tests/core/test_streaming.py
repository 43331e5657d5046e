"""Cutting a growing answer into safe pieces, and reading chat-stream chunks."""

from __future__ import annotations

import json

from bot.core.block_kit import escape_mrkdwn
from bot.core.links import LINK_REMOVED, unlinked
from bot.core.streaming import DONE, Pieces, markdown_piece, read_chunk, sse_data


def feed(pieces: Pieces, deltas: list[str]) -> list[str]:
    out = [pieces.add(d) for d in deltas]
    return [p for p in [*out, pieces.rest()] if p]


def test_the_first_word_goes_at_once_then_every_n_characters():
    deltas = ["  We", " dec", "ided", " to", " ship", " on", " Friday", ".", "\n\n"]
    sent = feed(Pieces(every=10), deltas)
    assert sent[0] == "We"  # as soon as the next word began: "We" cannot grow any more
    assert "".join(sent) == "We decided to ship on Friday."
    assert all(len(p) >= 10 for p in sent[1:-1])


def test_a_word_that_may_still_grow_is_never_sent_split():
    sent = feed(Pieces(every=1), ["see https://exa", "mple.com/x", "yz now"])
    assert sent == ["see", " https://example.com/xyz", " now"]


def test_rendering_piece_by_piece_is_rendering_the_whole():
    said = "the deck is at https://deck.example/q3"
    answer = ("Per Bob: <!channel> @here look at https://deck.example/q3 and "
              "[this](https://evil.example/x) & https://evil.example/y done")

    def render(text: str) -> str:
        return escape_mrkdwn(unlinked(text, said)).replace("](", "]\u200b(")

    for size in (1, 2, 3, 7):
        deltas = [answer[i:i + size] for i in range(0, len(answer), size)]
        sent = feed(Pieces(render, every=5), deltas)
        assert "".join(sent) == render(answer)
    assert LINK_REMOVED in render(answer) and "&lt;!channel&gt;" in render(answer)


def test_past_the_limit_the_answer_is_cut_before_a_word():
    pieces = Pieces(every=1, limit=20)
    sent = feed(pieces, [f"word{i} " for i in range(20)])
    assert len("".join(sent)) <= 20 and pieces.cut
    assert "".join(sent).split() == [f"word{i}" for i in range(len("".join(sent).split()))]


def test_a_long_word_fed_a_character_at_a_time_stays_linear():
    pieces = Pieces(every=4)
    word = "x" * 200_000
    assert all(pieces.add(c) == "" for c in word)  # one pass each: this returns quickly
    assert pieces.rest() == word


def test_sse_lines_and_chunks():
    assert sse_data("data: [DONE]") == DONE and sse_data(": keep-alive") is None
    chunk = {"id": "c", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]}
    assert read_chunk(json.dumps(chunk)).text == "Hi"
    end = read_chunk(json.dumps({"choices": [{"index": 0, "delta": {},
                                              "finish_reason": "stop"}]}))
    assert (end.text, end.finish_reason) == ("", "stop")
    usage = read_chunk(json.dumps({"choices": [], "usage": {"prompt_tokens": 3}}))
    assert usage.usage == {"prompt_tokens": 3}
    assert read_chunk('{"error": {"message": "overloaded"}}').error == "overloaded"
    assert read_chunk("{nope").error


def test_a_piece_is_rendered_as_the_whole_answer_block_renders_it():
    from bot.core.render import answer_blocks

    nasty = "Ask <!channel> & @here: see [x](https://a.example) [y][z] [w]: https://b.example"
    assert markdown_piece(nasty) == answer_blocks(nasty)[0]["text"]


def test_a_slow_model_s_words_go_out_after_the_interval_even_below_the_size():
    pieces = Pieces(every=256, interval=2.0)
    assert pieces.add("Carmen", now=0.0) == "" and pieces.add(" sends", now=0.1) == "Carmen"
    assert pieces.add(" the", now=1.0) == ""  # 1 s since the last piece, 6 characters: wait
    assert pieces.add(" draft", now=2.2) == " sends the"  # 2 s since: whatever is whole goes
    assert pieces.add(" to", now=2.3) == "" and pieces.rest() == " draft to"
