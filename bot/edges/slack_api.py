"""The Slack Web API edge: every Web API method Recap calls goes through SlackAPI.

One place owns what each call needs: the base URL (SLACK_API_URL), Slack's rate limits (one
budget per team and method, bot.edges.slack_limits; a 429 honours Retry-After and pauses its
budget), retries on 5xx and dropped connections, the never-unfurl rule for every post (links in a
recap are people's, not Recap's), the one sentence a refusal becomes (SlackRefused, with
Slack's error code), and the 👍/👎 fallback: a workspace that answers `invalid_blocks` to a
message carrying a context_actions block gets it again with plain buttons (nothing was posted,
so nothing is posted twice), and every later message to that team goes plain at once.
Nothing else in bot/ calls a Web API method or catches SlackApiError.
Bolt is handed `client` so its own calls (auth, ack responses) share the same settings.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.feedback import has_context_actions, plain_feedback
from bot.edges.slack_limits import (
    RateLimitRetry,
    Shared,
    SlackLimits,
    Slot,
    Tiers,
    calling,
    done_calling,
)
from bot.errors import SlackRefused

log = logging.getLogger(__name__)
Block = dict[str, Any]
# chat.startStream's answers from a workspace, plan or token that cannot stream (API-NOTES §3b.3)
NO_STREAMING = frozenset({"unknown_method", "not_allowed", "not_allowed_token_type",
                          "missing_scope"})


class _Jitter(Jitter):
    """slack_sdk's RandomJitter adds up to 1 s; this adds up to `scale` seconds."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.scale


def web_client(token: str, base_url: str, backoff: float) -> AsyncWebClient:
    """429s wait the Retry-After Slack sends; the others back off from `backoff` / 2 (0.5 s,
    slack_sdk's own default), doubling, plus up to `backoff` of jitter."""
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff / 2, jitter=_Jitter(backoff))
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=interval),
            RateLimitRetry(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=3, interval_calculator=interval),
        ],
    )


def _refused(error: SlackApiError, doing: str) -> SlackRefused:
    response = error.response
    code = str((response.get("error") if response is not None else None) or "no reason given")
    return SlackRefused(code, f"Slack refused to {doing} ({code}).")


class SlackAPI:
    """Recap's Slack: named for what Recap does, each method one Web API call (or a few)."""

    def __init__(self, client: AsyncWebClient, limits: SlackLimits | None = None) -> None:
        self.client = client
        self.limits = limits or SlackLimits()
        self.plain_feedback_teams: set[str] = set()  # workspaces that refused context_actions
        self.streamless: set[str] = set()  # teams that refused chat.startStream (NO_STREAMING)

    @classmethod
    def connect(cls, token: str, base_url: str, backoff: float = 1.0,
                tiers: Tiers | None = None, shared: Shared | None = None) -> SlackAPI:
        return cls(web_client(token, base_url, backoff), SlackLimits(tiers, shared))

    async def _send(self, team: str, method: str, args: dict[str, Any], *,
                    slot: Slot | None = None) -> Any:
        """One Web API call, after its budget (per team and method) has a call free."""
        budget = self.limits.budget(team, method, str(args.get("channel") or ""))
        if budget is not None and slot is None:
            slot = await budget.take()
        token = calling(self.limits, budget)
        try:
            return await getattr(self.client, method.replace(".", "_"))(**_drop_none(args))
        finally:
            done_calling(token)
            if slot is not None:
                slot.done()

    async def _call(self, doing: str, method: str, *, team: str = "", **args: Any) -> Any:
        try:
            return await self._send(team, method, args)
        except SlackApiError as error:
            raise _refused(error, doing) from None

    async def post(self, channel: str, text: str, *, thread_ts: str | None = None,
                   blocks: list[Block] | None = None, team: str = "") -> str:
        """A message (in a thread when thread_ts is given); its ts. Never unfurls. Paced per
        channel only, so no status edit or reaction ever holds it back."""
        reply = await self._with_feedback("post the message", "chat.postMessage", team, {
            "channel": channel, "thread_ts": thread_ts, "text": text, "blocks": blocks,
            "unfurl_links": False, "unfurl_media": False})
        return str(reply["ts"])

    async def update(self, channel: str, ts: str, text: str, *,
                     blocks: list[Block] | None = None, team: str = "") -> None:
        await self._with_feedback("update the message", "chat.update", team, {
            "channel": channel, "ts": ts, "text": text, "blocks": blocks})

    async def _with_feedback(self, doing: str, method: str, team: str,
                             args: dict[str, Any]) -> Any:
        """chat.postMessage / update / postEphemeral / stopStream, with plain 👍/👎 buttons
        where the workspace refuses the context_actions block (known from an earlier refusal,
        or learnt from this one)."""
        blocks = args.get("blocks") or []
        if not has_context_actions(blocks):
            return await self._call(doing, method, team=team, **args)
        if team in self.plain_feedback_teams:
            return await self._call(doing, method, team=team, **{**args,
                                                                 "blocks": plain_feedback(blocks)})
        try:
            return await self._send(team, method, args)
        except SlackApiError as error:
            if error.response.get("error") != "invalid_blocks":
                raise _refused(error, doing) from None
        reply = await self._call(doing, method, team=team, **{**args,
                                                              "blocks": plain_feedback(blocks)})
        log.info("team %s refused the context_actions block: plain feedback buttons from now on",
                 team or "(default)")
        self.plain_feedback_teams.add(team)
        return reply

    async def start_stream(self, channel: str, thread_ts: str, text: str, *, user: str | None,
                           team: str) -> str | None:
        """chat.startStream: a reply in the thread whose text then grows (append_stream,
        stop_stream); its ts. `user` and `team` are the recipient, which Slack requires
        outside a DM. None: post the answer whole instead, because the team's Tier 2 budget
        has no call free now (this never waits), or the workspace cannot stream (it answered
        one of NO_STREAMING, unknown_method or not_allowed; remembered, so it is not asked
        again). Other refusals raise SlackRefused (docs.slack.dev chat.startStream)."""
        if team in self.streamless:
            return None
        budget = self.limits.budget(team, "chat.startStream")
        slot = None if budget is None else budget.try_take()
        if budget is not None and slot is None:
            return None
        try:
            reply = await self._send(team, "chat.startStream", {
                "channel": channel, "thread_ts": thread_ts, "markdown_text": text or None,
                "recipient_user_id": user, "recipient_team_id": team or None}, slot=slot)
        except SlackApiError as error:
            refused = _refused(error, "start the streamed answer")
            if refused.code not in NO_STREAMING:
                raise refused from None
            log.info("Slack said %s to chat.startStream: answers in team %s are posted whole "
                     "from now on", refused.code, team or "(unknown)")
            self.streamless.add(team)
            return None
        return str(reply["ts"])

    async def append_stream(self, channel: str, ts: str, text: str, *, team: str = "") -> bool:
        """chat.appendStream (Tier 4): `text` (markdown) added to the streamed reply. Never
        waits: False when the budget has no call free now, and the text stays with the caller
        for the next append or the stop."""
        budget = self.limits.budget(team, "chat.appendStream")
        slot = None if budget is None else budget.try_take()
        if budget is not None and slot is None:
            return False
        try:
            await self._send(team, "chat.appendStream",
                             {"channel": channel, "ts": ts, "markdown_text": text}, slot=slot)
        except SlackApiError as error:
            raise _refused(error, "add to the streamed answer") from None
        return True

    async def stop_stream(self, channel: str, ts: str, *, text: str | None = None,
                          blocks: list[Block] | None = None, team: str = "") -> None:
        """chat.stopStream (Tier 2): the streamed reply is final, with the last `text` and
        `blocks` shown under it (docs.slack.dev chat.stopStream: "rendered at the bottom")."""
        await self._with_feedback("finish the streamed answer", "chat.stopStream", team, {
            "channel": channel, "ts": ts, "markdown_text": text or None, "blocks": blocks})

    async def post_private(self, channel: str, user: str, text: str, *,
                           blocks: list[Block] | None = None, team: str = "",
                           thread_ts: str | None = None) -> None:
        """An ephemeral message: only `user` sees it (in the thread at `thread_ts`, if given)."""
        await self._with_feedback("show the message", "chat.postEphemeral", team, {
            "channel": channel, "user": user, "text": text, "blocks": blocks,
            "thread_ts": thread_ts})

    async def open_view(self, trigger_id: str, view: Block, *, team: str = "") -> str:
        """views.open: a modal for the person whose click gave `trigger_id` (valid 3 s, once);
        the view's id. Not paced: a wait would outlive the trigger."""
        reply = await self._call("open the form", "views.open", team=team,
                                 trigger_id=trigger_id, view=view)
        return str((reply.get("view") or {}).get("id") or "")

    async def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a message (None when Slack will not give one: a link is a nicety)."""
        try:
            reply = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError:
            return None
        return str(reply.get("permalink") or "") or None

    async def edit_latest(self, channel: str, ts: str,
                          latest: Callable[[], tuple[str, list[Block] | None] | None], *,
                          team: str = "", urgent: bool = False) -> bool:
        """chat.update with whatever `latest()` says once the team's budget has a call free:
        edits that wait their turn coalesce to the newest text. `urgent` (a job's last word)
        goes before the waiting edits that are not. False: nothing left to say."""
        budget = self.limits.budget(team, "chat.update")
        slot = None if budget is None else await budget.take(urgent=urgent)
        content = latest()
        if content is None:
            if slot is not None:
                slot.at = 0.0  # not used: free again
            return False
        text, blocks = content
        try:
            await self._send(team, "chat.update", {"channel": channel, "ts": ts, "text": text,
                                                   "blocks": blocks}, slot=slot)
        except SlackApiError as error:
            raise _refused(error, "update the message") from None
        return True

    async def react(self, channel: str, ts: str, name: str, *, remove: str | None = None,
                    team: str = "", optional: bool = False) -> bool:
        """Reactions are decoration: a refusal (already_reacted, no_reaction) is logged only,
        and a spent budget skips the call rather than wait. `optional` (the hourglass) also
        leaves half the budget to the reactions that end a job. True: `name` was added."""
        added = False
        for method, emoji in (("reactions.remove", remove), ("reactions.add", name)):
            if emoji is None:
                continue
            budget = self.limits.budget(team, method)
            keep = budget.limit // 2 if budget is not None and optional else 0
            slot = None if budget is None else budget.try_take(keep)
            if budget is not None and slot is None:
                log.info("%s :%s: skipped: the workspace's budget is spent", method, emoji)
                continue
            try:
                await self._send(team, method, {"channel": channel, "timestamp": ts,
                                                "name": emoji}, slot=slot)
                added = method == "reactions.add"
            except SlackApiError as error:
                log.debug("%s %s: %s", method, emoji, error.response.get("error"))
        return added

    async def replies(self, channel: str, ts: str, *, limit: int = 200,
                      team: str = "") -> AsyncIterator[Block]:
        """Every message of a thread, its parent first, page by page."""
        cursor = None
        while True:
            try:
                page = await self._send(team, "conversations.replies", {
                    "channel": channel, "ts": ts, "limit": limit, "cursor": cursor})
            except SlackApiError as error:
                raise _refused(error, "read the thread") from None
            for message in page.get("messages") or []:
                yield message
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor or limit == 1:
                return

    async def thread_parent(self, channel: str, ts: str, *, team: str = "") -> Block:
        """The message a thread hangs under ({} when Slack has none to show)."""
        async for message in self.replies(channel, ts, limit=1, team=team):
            return message
        return {}

    async def file_info(self, file_id: str, *, team: str = "") -> Block:
        return dict((await self._call("describe the file", "files.info", team=team,
                                      file=file_id))["file"])

    async def channel_members(self, channel: str, *, team: str = "",
                              at_most: int = 1000) -> list[str]:
        """The member ids of a channel (conversations.members, page by page), at most `at_most`."""
        ids: list[str] = []
        cursor = None
        while len(ids) < at_most:
            page = await self._call("list the channel's members", "conversations.members",
                                    team=team, channel=channel, limit=min(200, at_most),
                                    cursor=cursor)
            ids.extend(str(m) for m in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return ids[:at_most]

    async def user(self, user_id: str, *, team: str = "") -> Block:
        """users.info's `user` (needs users:read)."""
        return dict((await self._call("describe the member", "users.info", team=team,
                                      user=user_id))["user"])

    async def upload_text(self, channel: str, thread_ts: str | None, *, filename: str,
                          title: str, content: str) -> None:
        """A text file in the thread (files.getUploadURLExternal + completeUploadExternal)."""
        try:
            await self.client.files_upload_v2(channel=channel, thread_ts=thread_ts,
                                              filename=filename, title=title, content=content)
        except SlackApiError as error:
            raise _refused(error, "take the file upload") from None

    async def whoami(self) -> tuple[Block, str | None]:
        """auth.test, and the token's scopes from the x-oauth-scopes header (None: not sent)."""
        try:
            reply = await self.client.auth_test()
        except SlackApiError as error:
            raise _refused(error, "accept SLACK_BOT_TOKEN") from None
        scopes = next((v for k, v in reply.headers.items() if k.lower() == "x-oauth-scopes"),
                      None)
        return dict(reply.data) if isinstance(reply.data, dict) else {}, scopes

    async def aclose(self) -> None:
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()


def _drop_none(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}
