"""What the simulated meetings say: the bundled sample stand-up and a long-meeting generator.

`sample-standup.wav` is a 10 s synthetic clip (8 kHz mono 16-bit tones, no speech) that the
AssemblyAI sim "transcribes" to `sample-standup.json`: a ~4 minute stand-up between Alice (A),
Bob (B) and Carmen (C) with one clear decision and dated, owned action items. `meeting()`
builds arbitrarily long deterministic meetings (~150 words/minute) for benchmarks; every topic
block carries an owned, dated request ("Bob, can you ... by Friday?") and a decision.
May import: the standard library only.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path

__all__ = ["SAMPLE_AUDIO", "SAMPLE_NAMES", "SAMPLE_TRANSCRIPT", "UtteranceSpec", "meeting",
           "meeting_names", "sample_utterances"]

SAMPLE_AUDIO = Path(__file__).parent / "sample-standup.wav"
SAMPLE_TRANSCRIPT = Path(__file__).parent / "sample-standup.json"

UtteranceSpec = tuple[str, int, int, str]
"""(speaker label, start ms, end ms, text): one speaker turn as a simulated transcript has it."""


@lru_cache(maxsize=1)
def _sample() -> tuple[UtteranceSpec, ...]:
    data = json.loads(SAMPLE_TRANSCRIPT.read_text(encoding="utf-8"))
    return tuple((u["speaker"], u["start"], u["end"], u["text"]) for u in data["utterances"])


SAMPLE_NAMES = {"A": "Alice", "B": "Bob", "C": "Carmen"}
"""Who each label of the sample stand-up is, for simulated Speaker Identification."""


def sample_utterances() -> list[UtteranceSpec]:
    """The sample stand-up (Alice = A, Bob = B, Carmen = C) as utterance tuples."""
    return list(_sample())


_NAMES = ("Alice", "Bob", "Carmen", "Dmitri", "Erin", "Farid", "Grace", "Hiro", "Ines", "Jonas")
_TOPICS = (
    ("the Q3 budget", ("vendor contract", "cloud spend", "travel budget"), "finance"),
    ("hiring", ("interview loop", "job posting", "referral bonus"), "recruiting"),
    ("the mobile launch", ("app store review", "payment screens", "release checklist"), "mobile"),
    ("customer onboarding", ("welcome emails", "setup wizard", "trial conversion"), "growth"),
    ("the data migration", ("backfill job", "schema change", "rollback plan"), "platform"),
    ("support tickets", ("ticket backlog", "first response time", "help center"), "support"),
    ("the security review", ("access audit", "password policy", "pen test"), "security"),
    ("the pricing page", ("annual plan", "discount codes", "checkout flow"), "marketing"),
    ("infrastructure costs", ("database cluster", "log retention", "CDN bill"), "infrastructure"),
    ("the partner program", ("partner portal", "revenue share", "training material"), "partner"),
    ("analytics", ("event tracking", "weekly report", "funnel dashboard"), "data"),
    ("quarterly planning", ("roadmap draft", "team capacity", "OKR scoring"), "leadership"),
)
# Filler never uses the summarizer's trigger words (can you, I'll, will, decided, agree, by <day>).
_TALK = (
    "The {thing} is at {n}0 percent right now, which is {trend} than last month.",
    "I looked at the {thing} numbers again and the trend is {drift}.",
    "Part of the problem is that the {team} team only sees the {thing} report once a month.",
    "We talked to {n} customers about {topic} and most of them mentioned the {thing}.",
    "My worry is the {thing}. If it slips, the rest of {topic} slips with it.",
    "That matches what the {team} team told me last week.",
    "Do we have data on that, or is it more of a feeling?",
    "We have some data. The dashboard shows about {n}0 {unit} per day.",
    "I think the simplest fix is to {fix} the {thing}.",
    "That sounds reasonable, but it needs sign-off from the {team} team.",
    "Good point. I had not thought about the {other} at all.",
    "Can we timebox this? There are still a few items on the agenda.",
    "The {team} team asked whether the {thing} changes affect them.",
    "Right now the {thing} is mostly manual, which is why it takes so long.",
    "To be fair, the numbers improved after the last release.",
    "I would rather fix the {thing} properly than patch it again.",
    "Let me share my screen so everyone can see the chart.",
    "The cost is roughly {n} thousand dollars per quarter for the {thing}.",
    "Okay, that makes sense to me.",
    "Is anyone else seeing the same issue with the {thing}?",
    "Yes, we saw it twice in the last sprint.",
    "Remember the {thing} incident in {month}? This looks similar.",
    "How does this compare with what we planned for {topic}?",
    "It is a bit behind plan, mostly because of the {thing}.",
    "The good news is that the work on the {other} is already done.",
    "I spoke with the {team} lead yesterday and they are on board.",
    "We should double check the {thing} before anyone outside the team sees it.",
    "Honestly, I think we are overthinking the {thing}.",
)
_OPEN = (
    "Next up is {topic}. {name}, do you want to walk us through it?",
    "Let's move on to {topic}. {name}, where are we?",
    "Okay, {topic}. {name}, you had some updates here.",
)
_TASKS = (
    "send the updated {thing} numbers",
    "draft a proposal for the {thing}",
    "set up a call with the {team} team about the {thing}",
    "write a short summary of the {thing} options",
    "review the {thing} with finance",
    "share the {thing} plan in the channel",
)
_DAYS = (
    "Friday", "Monday", "Wednesday", "Thursday", "tomorrow", "next week", "the end of the week",
)
_ACCEPT = ("Sure, I'll {task} by {day}.", "Yes, I'll take that.", "Okay, I'll do that by {day}.")
_DECIDE = (
    "We decided to move the {thing} work to the next sprint.",
    "We decided to pilot the new {thing} with two customers first.",
    "Let's go with the cheaper {thing} option for now.",
    "So we agree to freeze the {other} until the review.",
    "We decided to drop the {other} from this quarter.",
)
_WORDS = {
    "trend": ("better", "worse", "slightly better", "a little worse"),
    "drift": ("flat", "going up", "going down", "noisy"),
    "unit": ("signups", "tickets", "requests", "errors", "visits"),
    "fix": ("automate", "simplify", "split", "document", "rebuild"),
    "month": ("March", "June", "September", "November"),
}


Topic = tuple[str, tuple[str, ...], str]


def _fill(rng: random.Random, template: str, subject: Topic, **extra: str) -> str:
    topic, things, team = subject
    thing, other = rng.sample(things, 2)
    slots = {k: rng.choice(v) for k, v in _WORDS.items()}
    slots |= {"thing": thing, "other": other, "topic": topic, "team": team}
    slots |= {"n": str(rng.randint(2, 9)), **extra}
    text = template.format(**slots)
    return text[0].upper() + text[1:]


def meeting_names(speakers: int = 3) -> dict[str, str]:
    """Who each label of `meeting(..., speakers)` is (the names its turns address)."""
    labels = [chr(ord("A") + i) for i in range(max(1, min(speakers, 26)))]
    return {label: _NAMES[i % len(_NAMES)] for i, label in enumerate(labels)}


def meeting(minutes: float, speakers: int = 3, seed: int = 0) -> list[UtteranceSpec]:
    """A deterministic meeting of about `minutes` at ~150 words/minute, labels "A", "B", ...

    Speaker "A" is addressed as Alice, "B" as Bob, and so on. Topic blocks of roughly 3-5
    minutes each contain one request with an owner and a date, its acceptance, often a
    self-assigned task, and a decision near the end.
    """
    rng = random.Random(seed)
    labels = [chr(ord("A") + i) for i in range(max(1, min(speakers, 26)))]
    name = meeting_names(len(labels))
    end_ms = int(minutes * 60_000)
    out: list[UtteranceSpec] = []
    clock = 1_000

    def say(speaker: str, text: str) -> None:
        nonlocal clock
        duration = len(text.split()) * 400  # 150 words per minute
        out.append((speaker, clock, clock + duration, text))
        clock += duration + rng.randrange(250, 700, 50)

    order = rng.sample(range(len(_TOPICS)), len(_TOPICS))
    block = 0
    while clock < end_ms:
        subject = _TOPICS[order[block % len(order)]]
        chair = labels[block % len(labels)]
        presenter = labels[(block + 1) % len(labels)]
        block += 1
        say(chair, _fill(rng, rng.choice(_OPEN), subject, name=name[presenter]))
        length = rng.randint(22, 38)
        ask_at, decide_at = rng.randint(5, length - 10), length - rng.randint(1, 4)
        self_at = rng.randint(ask_at + 2, decide_at - 1) if rng.random() < 0.5 else -1
        previous = chair
        for i in range(length):
            if clock >= end_ms:
                break
            if i == ask_at:
                owner = rng.choice([label for label in labels if label != chair] or labels)
                task, day = _fill(rng, rng.choice(_TASKS), subject), rng.choice(_DAYS)
                task = task[0].lower() + task[1:]
                say(chair, f"{name[owner]}, can you {task} by {day}?")
                say(owner, _fill(rng, rng.choice(_ACCEPT), subject, task=task, day=day))
                previous = owner
            elif i == decide_at:
                say(chair, _fill(rng, rng.choice(_DECIDE), subject))
                previous = chair
            elif i == self_at:
                task = _fill(rng, rng.choice(_TASKS), subject)
                say(previous, f"I'll {task[0].lower() + task[1:]} by {rng.choice(_DAYS)}.")
            else:
                speaker = rng.choice([label for label in labels if label != previous] or labels)
                templates = rng.sample(_TALK, rng.choice((1, 2, 2, 3)))
                sentences = [_fill(rng, t, subject) for t in templates]
                say(speaker, " ".join(sentences))
                previous = speaker
    return out
