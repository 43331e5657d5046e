"""Owners matched to channel members: one member or nobody, accents and case aside; names or
mentions rendered from the member's Slack id only, never from what the LLM wrote."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.core.owners import MemberIndex, fold, mentions_name, names_person, owner_marks
from bot.core.recap import ActionItem, Recap
from bot.core.render import recap_messages_blocks


@dataclass(frozen=True)
class M:
    id: str
    real_name: str
    display_name: str = ""


PRIYA = M("U1PRIYA", "Priya Shah", "priya")
ZOE = M("U1ZOE", "Zoë Dupont", "")
ALEX_KIM = M("U1ALEXK", "Alex Kim", "alex")
ALEX_ROY = M("U1ALEXR", "Alex Roy", "")
MARCUS = M("U1MARCUS", "", "Marcus")
CHANNEL = [PRIYA, ZOE, ALEX_KIM, ALEX_ROY, MARCUS]


def test_fold_drops_accents_case_and_extra_spaces() -> None:
    assert fold("  Zoë   DUPONT ") == "zoe dupont"
    assert fold("José Ñúñez") == "jose nunez"
    assert fold("") == ""


@pytest.mark.parametrize(("owner", "member"), [
    ("Priya Shah", PRIYA), ("PRIYA SHAH", PRIYA), ("priya", PRIYA),  # display name
    ("Priya", PRIYA),  # the only Priya: her first name is enough
    ("zoe dupont", ZOE), ("Zoe", ZOE), ("Zoë", ZOE),
    ("Alex Kim", ALEX_KIM), ("alex roy", ALEX_ROY),
    ("marcus", MARCUS),  # display name only
])
def test_an_owner_who_is_one_member_is_found(owner: str, member: M) -> None:
    assert MemberIndex(CHANNEL).find(owner) is member


@pytest.mark.parametrize("owner", [
    "Alex",  # two Alexes (and Alex Kim's display name is "alex" too)
    "Dana", "Priya S.", "Shah", "Speaker A", "", None, "<@U1PRIYA>", "priya shah " * 30,
])
def test_an_owner_who_is_nobody_or_several_is_nobody(owner: str | None) -> None:
    assert MemberIndex(CHANNEL).find(owner) is None


def test_one_person_with_two_names_is_not_ambiguous() -> None:
    same = M("U1SAME", "Priya", "priya")
    assert MemberIndex([same]).find("Priya") is same


def test_a_full_name_and_a_first_name_of_two_people_are_ambiguous() -> None:
    assert MemberIndex([M("U1A", "Alex"), M("U1B", "Alex Kim")]).find("Alex") is None
    assert MemberIndex([M("U1A", "Alex"), M("U1B", "Alex Kim")]).find("Alex Kim").id == "U1B"


def test_marks_are_names_by_default_and_mentions_when_asked() -> None:
    owners = ["priya", "Alex", "Dana", None, "zoe dupont", "<@U0BOB>"]
    assert owner_marks(owners, CHANNEL, mention=False) == {
        "priya": "*Priya Shah*", "zoe dupont": "*Zoë Dupont*"}
    assert owner_marks(owners, CHANNEL, mention=True) == {
        "priya": "<@U1PRIYA>", "zoe dupont": "<@U1ZOE>"}


def test_a_member_id_that_is_not_a_slack_id_is_never_a_mention() -> None:
    odd = M("U1X> <!channel", "Odd <b>Name</b>")
    assert owner_marks(["Odd <b>Name</b>"], [odd], mention=True) == {
        "Odd <b>Name</b>": "*Odd &lt;b&gt;Name&lt;/b&gt;*"}


def test_the_recap_shows_marks_and_escapes_every_other_owner() -> None:
    recap = Recap(transcript_id="t", style="topics", action_items=[
        ActionItem("Send the budget", "Priya"), ActionItem("Book a room", "Alex"),
        ActionItem("Ping", "<@U0BOB>")])
    marks = owner_marks((a.owner for a in recap.action_items), CHANNEL, mention=True)
    [message] = recap_messages_blocks(recap, job_id=1, file_name="a.mp3", model="m",
                                      owners=marks)
    text = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "• Send the budget — <@U1PRIYA>" in text
    assert "• Book a room — *Alex*" in text
    assert "• Ping — *&lt;@U0BOB&gt;*" in text
    assert text.count("<@") == 1
    assert recap.action_items[0].owner == "Priya"  # the stored recap keeps the text


def test_names_person_and_mentions_name_for_my_items() -> None:
    assert names_person("Alex", ALEX_KIM) and names_person("alex kim", ALEX_KIM)
    assert not names_person("Alex Roy", ALEX_KIM) and not names_person(None, ALEX_KIM)
    assert mentions_name("Priya's budget is approved.", PRIYA)
    assert mentions_name("We go with ZOE DUPONT's plan", ZOE)
    assert not mentions_name("Priyanka owns it", PRIYA)
    assert not mentions_name("Ship on March 3", PRIYA)


def test_a_big_channel_is_indexed_once_and_long_text_is_bounded() -> None:
    members = [M(f"U{n:08d}", f"Person{n} Surname{n}", f"p{n}") for n in range(5_000)]
    index = MemberIndex(members)
    assert [index.find(f"person{n} surname{n}").id for n in (0, 4_999)] == [
        "U00000000", "U00004999"]
    assert mentions_name("word " * 900 + "Priya", PRIYA)
    assert not mentions_name("word " * 1_000 + "Priya", PRIYA)  # past the first 5,000 chars
