"""Owners who are people in Slack: an action item's owner text matched to one channel member.

Pure: no I/O. The LLM writes an owner as text ("Priya", "priya shah", "Zoë"); a member has a real
and a display name. A name matches when it is equal after folding accents and case and
collapsing spaces. A single-word owner also matches a member whose first name (the first word of
the real or display name) it is, so "Priya" finds "Priya Shah" when she is the only Priya. An
owner that fits no member, or two or more (two Alexes), matches nobody: a mention goes only to
the one person the text can mean. `MemberIndex` is built once per channel (linear in the
members' names) and answers each owner in time linear in the owner's length.

Mentions are rendered, never stored, and only here: `owner_marks` turns a matched owner into
`<@U…>` from the member's Slack id (checked against Slack's id shape), so nothing the LLM wrote
can become one; everything else it wrote is escaped by bot.core.block_kit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.core.block_kit import escape_mrkdwn

MAX_OWNER = 200  # an owner longer than any name is no name: not folded, not matched
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_WORD = re.compile(r"[^\W_]+")


class Person(Protocol):
    """What matching needs of a channel member (bot.edges.slack_people.Member has it)."""

    @property
    def id(self) -> str: ...
    @property
    def real_name(self) -> str: ...
    @property
    def display_name(self) -> str: ...


def fold(name: str) -> str:
    """"  Zoë  DUPONT " -> "zoe dupont": accents off (NFKD, marks dropped), casefolded."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


class MemberIndex:
    """Channel members by folded full name and by first name; ambiguous keys map to None."""

    def __init__(self, members: Iterable[Person]) -> None:
        self._full: dict[str, Person | None] = {}
        self._first: dict[str, Person | None] = {}
        for member in members:
            names = {fold(n) for n in (member.real_name, member.display_name) if fold(n)}
            for key in names:
                _add(self._full, key, member)
            for key in {n.split(" ", 1)[0] for n in names}:
                _add(self._first, key, member)

    def find(self, owner: str | None) -> Person | None:
        """The one member `owner` names, or None (nobody, several, or no owner).

        A single word is looked up among first names, which hold every one-word full name too.
        """
        key = fold(owner or "") if owner and len(owner) <= MAX_OWNER else ""
        if not key:
            return None
        return self._full.get(key) if " " in key else self._first.get(key)


def _add(index: dict[str, Person | None], key: str, member: Person) -> None:
    if key not in index:
        index[key] = member
    elif (seen := index[key]) is not None and seen.id != member.id:
        index[key] = None


def names_person(owner: str | None, person: Person) -> bool:
    """Does `owner` name this person (full real or display name, or their first name)? For a
    private answer to that person ("My items"), where a shared first name may show twice."""
    return MemberIndex([person]).find(owner) is not None


def owner_marks(owners: Iterable[str | None], members: Sequence[Person], *,
                mention: bool) -> dict[str, str]:
    """{owner text: mrkdwn to show} for owners that match one member: `<@U…>` with `mention`,
    else the member's own name in bold (escaped). Owners matching nobody are left out."""
    index = MemberIndex(members)
    marks: dict[str, str] = {}
    for owner in owners:
        if owner is None or owner in marks:
            continue
        member = index.find(owner)
        if member is None:
            continue
        if mention and _USER_ID.fullmatch(member.id):
            marks[owner] = f"<@{member.id}>"
        else:
            name = member.real_name or member.display_name
            marks[owner] = f"*{escape_mrkdwn(name)}*"
    return marks


def mentions_name(text: str, person: Person) -> bool:
    """Does `text` (a decision) name the person: a whole-word real, display or first name?"""
    words = f" {_words(text[:5000])} "
    names = {_words(n) for n in (person.real_name, person.display_name)} - {""}
    names |= {n.split(" ", 1)[0] for n in names}
    return any(f" {name} " in words for name in names)


def _words(text: str) -> str:
    """Folded words only, one space apart: "Priya's budget!" -> "priya s budget"."""
    return " ".join(_WORD.findall(fold(text)))
