"""The error tree. Each class carries the one sentence a person is shown.

RecapError                  anything Recap explains itself; `str(e)` is the sentence
  ConfigError               operator: a setting is missing or wrong (names the variable)
  SourceRejected            user: not a recording, an unsafe or unsupported link, too large
  DownloadFailed            user: Slack would not hand over the file
  TranscriptionFailed       user: AssemblyAI could not transcribe (carries its reason)
    TranscriptionTimedOut   user: still not done by the deadline; the id is kept
  ServiceUnavailable        user: an outside service kept failing after retries
  SlackRefused              user: Slack refused a Web API call (carries Slack's error code)
  LLMRejected               operator: the LLM endpoint refused the model, key or request
  SummaryFailed             user: the LLM's answer could not be used
  NothingToRecap            user: no recording where one was asked for
  Forgotten                 user: the recording was deleted on request

Who sees them: a Slack user in the thread (and the job row), or the CLI user on
stderr. Messages never contain secrets; `retryable` says whether a retry may help.
"""

from __future__ import annotations


class RecapError(Exception):
    """Base class; the message is shown to a person as it is."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(RecapError):
    """Shown to the operator: fix the named setting and restart."""


class SourceRejected(RecapError):
    """Shown to the user who shared it: this is not something Recap will take."""


class DownloadFailed(RecapError):
    """Shown in the thread: Slack did not give Recap the file's bytes."""

    retryable = True


class TranscriptionFailed(RecapError):
    """Shown in the thread: AssemblyAI's own reason, in plain words."""


class TranscriptionTimedOut(TranscriptionFailed):
    """Shown in the thread: the transcript id is kept, a late completion is still used."""

    retryable = True


class ServiceUnavailable(RecapError):
    """Shown in the thread: a service kept failing after every retry."""

    retryable = True


class SlackRefused(RecapError):
    """Shown in the thread (or to the operator by `recap doctor`): Slack said no to a call."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LLMRejected(RecapError):
    """Shown to the operator (and in the thread): the endpoint refused model, key or request."""


class SummaryFailed(RecapError):
    """Shown in the thread: the LLM's answer was unusable even after one repair."""

    retryable = True


class NothingToRecap(RecapError):
    """Shown to the user, ephemerally: there is no recording here to work on."""


class Forgotten(RecapError):
    """Shown in the thread: this recording was deleted on request."""
