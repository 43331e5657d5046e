"""Names from the start: what Speaker Identification found, stored as the speakers' names.

The transcript keeps AssemblyAI's letters; names are rows per (team, transcript) beside it
(store.set_speaker_names), tagged with the channel so they become candidates for that channel's
next recordings, and removed by Forget with the transcript. A name a person gave always wins:
identification only fills letters nobody has named. Names are a nicety, so nothing here fails
a recap: a refused or slow identification is a log line and the letters stay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence

from bot.core.identification import known_values
from bot.core.said_names import said_names
from bot.core.transcript import Transcript
from bot.deps import Deps
from bot.errors import RecapError

log = logging.getLogger(__name__)

CANDIDATES_WAIT_S = 1.0  # after the upload, how long the create waits for the channel's names
IDENTIFY_WAIT_S = 30.0  # how long a later identification (names and the run) may take


async def candidates_ready(candidates: asyncio.Future[list[str]] | None) -> list[str]:
    """The names to offer the create: gathered while the file uploaded, or none if they are
    not ready CANDIDATES_WAIT_S after it (the create does not wait longer for a nicety)."""
    if candidates is None:
        return []
    try:
        return list(await asyncio.wait_for(asyncio.shield(candidates), CANDIDATES_WAIT_S))
    except TimeoutError:
        log.info("the channel's names were not ready; transcribing without them")
    except Exception as error:  # a names lookup that broke must not break the transcript
        log.warning("could not gather the channel's names: %s", error)
    return []


async def remember_names(deps: Deps, team_id: str, channel: str, transcript: Transcript,
                         found: Mapping[str, str]) -> dict[str, str]:
    """Store `found` ({label: name}) for the letters nobody named yet; returns what was added."""
    if not found:
        return {}
    existing = await deps.store.speaker_names(team_id, transcript.id)
    labels = set(transcript.speakers)
    added = {label: name for label, name in found.items()
             if label in labels and label not in existing}
    if added:
        await deps.store.set_speaker_names(team_id, transcript.id, channel, added)
        log.info("speaker identification named %d of %d speakers of %s", len(added),
                 len(labels), transcript.id)
    return added


async def identify_cached(deps: Deps, team_id: str, channel: str, transcript: Transcript,
                          candidates: Awaitable[Sequence[str]]) -> dict[str, str]:
    """A transcript Recap already had (a re-drop, another channel) and nobody has named:
    Speaker Identification on AssemblyAI's copy, never a new transcription. Offered: the
    channel's `candidates`, then the names people were addressed by in it (bot.core.
    said_names). Only with some, a Gateway to ask (config.understanding_url) and AssemblyAI's
    letters."""
    transcriber = deps.transcriber_
    if (transcriber is None or not transcriber.can_identify
            or transcript.id.startswith("local:") or not transcript.utterances):
        return {}
    if await deps.store.speaker_names(team_id, transcript.id):
        return {}
    try:
        async with asyncio.timeout(IDENTIFY_WAIT_S):
            offered = known_values(await _gathered(candidates), said_names(transcript.utterances))
            found = await transcriber.identify(transcript.id, offered) if offered else {}
    except TimeoutError:
        log.info("speaker identification of %s took too long: no names", transcript.id)
        return {}
    except RecapError as error:
        log.info("speaker identification of %s failed: %s", transcript.id, error.message)
        return {}
    return await remember_names(deps, team_id, channel, transcript, found)


async def _gathered(candidates: Awaitable[Sequence[str]]) -> Sequence[str]:
    try:
        return await candidates
    except Exception as error:  # a names lookup that broke is no names, not a failed recap
        log.warning("could not gather the channel's names: %s", error)
        return []
