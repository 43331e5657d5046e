"""Records of the newer surfaces in the simulated workspace: the trigger_ids the sim hands out,
the modals people see, and messages streamed with chat.startStream / appendStream / stopStream.

Kept apart from model.py (the records of messages, files and calls) so each stays readable;
tests read these to see what a modal showed or how a streamed answer grew.

May import: the standard library; nothing from bot.*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Trigger:
    """A trigger_id the sim handed out in a command or click; views.open may exchange it once."""

    user: str
    team: str
    issued_at: float
    exchanged: bool = False


@dataclass
class Modal:
    """A modal opened with views.open (or pushed by a submission's response_action), as the
    person sees it: `view` is the current view object, `versions` what views.update replaced,
    `errors` the field errors the app's last answer showed, `submissions` what was sent."""

    id: str
    user: str
    team: str
    view: dict[str, Any]
    versions: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    is_open: bool = True


@dataclass
class StreamPart:
    """One call that fed a streaming message: the markdown it added (maybe "") and its chunks."""

    method: str
    text: str
    chunks: list[dict[str, Any]]
    at: float


@dataclass
class Stream:
    """A message streamed with chat.startStream / appendStream / stopStream, in call order."""

    channel: str
    ts: str
    thread_ts: str
    recipient_user_id: str | None
    recipient_team_id: str | None
    parts: list[StreamPart] = field(default_factory=list)
    stopped: bool = False

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)

    @property
    def appends(self) -> list[str]:
        """The text of each chat.appendStream, in order."""
        return [p.text for p in self.parts if p.method == "chat.appendStream"]

    @property
    def first_text_at(self) -> float | None:
        """When the first non-empty text arrived, on the sim's clock (time.monotonic, as
        RecordedCall.at, unless a test replaced `clock`)."""
        return next((p.at for p in self.parts if p.text), None)

