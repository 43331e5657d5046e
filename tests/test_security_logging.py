"""The log redaction Recap installs at start: a configured secret never reaches a log line, an
exception's traceback or a stack dump, whichever library logged it."""

from __future__ import annotations

import io
import logging

import pytest

from bot.__main__ import RedactSecrets

TOKEN = "xoxb-9999-SECRETTOKENz4Qp8Lm2"


@pytest.fixture
def output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets([TOKEN, "short"]))
    log = logging.getLogger("some.library")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log, stream
    log.removeHandler(handler)


def test_a_message_and_its_arguments_are_redacted(output):
    log, stream = output
    log.debug("headers: %s", {"Authorization": f"Bearer {TOKEN}"})
    log.info(f"token={TOKEN} again {TOKEN}")
    text = stream.getvalue()
    assert TOKEN not in text and text.count("[redacted]") == 3


def test_a_traceback_and_a_stack_are_redacted(output):
    log, stream = output
    try:
        raise RuntimeError(f"request to https://slack.com/api/x?token={TOKEN} failed")
    except RuntimeError:
        log.exception("the call failed")
    log.warning("where: %s", "here", stack_info=True, extra={})
    log.error("with a stack", stack_info=True)
    text = stream.getvalue()
    assert "Traceback" in text and "RuntimeError: request to" in text
    assert TOKEN not in text


def test_short_values_are_not_treated_as_secrets(output):
    log, stream = output
    log.info("a short word stays")
    assert "short" in stream.getvalue()
