"""Recap: recordings dropped in Slack become threaded recaps."""

__version__ = "0.1.0"
