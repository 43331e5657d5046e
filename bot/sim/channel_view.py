"""A live view of one simulated Slack channel, printed as it changes: what `recap demo` shows.

Each `poll()` prints what is new since the last one: messages (replies under their parent with
└), every edit of a message (the status message's stages), reactions added and removed, and
ephemeral messages. Nothing is missed between polls: edits are read from the message's stored
versions, not sampled. May import: the standard library, bot.sim.slack and bot.sim.terminal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.sim.slack import Message, SlackSim
from bot.sim.terminal import BOLD, CYAN, DIM, GREEN, Terminal, blocks_lines, style


@dataclass
class ChannelView:
    """Prints channel `channel` of `slack` to `term`, times counted from `started`."""

    slack: SlackSim
    channel: str
    term: Terminal
    started: float = field(default_factory=time.monotonic)
    _shown: dict[str, int] = field(default_factory=dict)  # ts -> versions printed
    _reactions: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    _ephemerals: int = 0

    def clock(self) -> str:
        seconds = int(time.monotonic() - self.started)
        return style(f"{seconds // 60:02d}:{seconds % 60:02d}", DIM)

    def note(self, text: str) -> None:
        """A line of narration between the channel's own lines."""
        self.term.say(f"{self.clock()}  {style(text, DIM)}")

    def poll(self) -> None:
        live = {s.ts for s in self.slack.streams(self.channel) if not s.stopped}
        for msg in self.slack.messages(self.channel):
            if msg.ts in live and not msg.versions:
                continue  # an answer still streaming in: shown once it is whole
            texts = [*msg.versions, {"text": msg.text, "blocks": msg.blocks}]
            shown = self._shown.get(msg.ts, 0)
            for n, version in enumerate(texts[shown:], start=shown):
                self._message(msg, version, edited=n > 0)
            self._shown[msg.ts] = len(texts)
            self._reacted(msg)
        ephemerals = self.slack.ephemerals(self.channel)
        for eph in ephemerals[self._ephemerals:]:
            lines = self._lines({"text": eph.text, "blocks": eph.blocks})
            self._print("recap", " (only visible to you)", lines, reply=bool(eph.thread_ts))
        self._ephemerals = len(ephemerals)

    def latest_bot_text(self) -> str:
        """The plain text of the newest bot message in the channel (for failure reports)."""
        bots = self.slack.bot_messages(self.channel)
        return self.term.mrkdwn(bots[-1].text) if bots else ""

    def _message(self, msg: Message, version: dict[str, Any], *, edited: bool) -> None:
        lines = self._lines(version)
        if msg.streamed and not edited and version.get("blocks"):  # its text, the blocks under
            lines = [*self._lines({"text": version["text"]}), *lines]
        for file in msg.files if not edited else []:
            lines.append(f"[file: {file['name']}, {file['size'] / 1024:,.0f} KB]")
        who = "recap" if msg.bot_id else self.slack.users.get(msg.user or "", {}).get(
            "name", msg.user or "?")
        self._print(who, " (edited)" if edited else "", lines, reply=msg.is_reply)

    def _lines(self, version: dict[str, Any]) -> list[str]:
        names = {uid: str(u.get("name", uid)) for uid, u in self.slack.users.items()}
        if version.get("blocks"):
            return blocks_lines(version["blocks"], lambda t: self.term.mrkdwn(t, names))
        text = str(version.get("text") or "")
        return self.term.mrkdwn(text, names).split("\n") if text else []

    def _print(self, who: str, tag: str, lines: list[str], *, reply: bool) -> None:
        branch = "  └ " if reply else ""
        name = style(who, BOLD, GREEN if who == "recap" else CYAN)
        head = f"{self.clock()}  {branch}{name}{style(tag, DIM)}:"
        if len(lines) == 1:
            self.term.say(f"{head} {lines[0]}", hang=" " * 9)
            return
        self.term.say(head)
        self.term.say("\n".join(lines), " " * (7 + len(branch)) + style("│ ", DIM))

    def _reacted(self, msg: Message) -> None:
        now = {(name, user) for name, users in msg.reactions.items() for user in users}
        before = self._reactions.get(msg.ts, set())
        for name, user in sorted(now - before):
            who = self.slack.users.get(user, {}).get("name", user)
            self.term.say(f"{self.clock()}  {who} reacted :{name}: {self.term.emoji(name)}")
        for name, user in sorted(before - now):
            who = self.slack.users.get(user, {}).get("name", user)
            self.term.say(f"{self.clock()}  {who} removed :{name}:")
        self._reactions[msg.ts] = now
