"""Webhook mode of the fake Bot API: setWebhook, deleteWebhook, getWebhookInfo, and the
delivery of pending updates by HTTP POST the way Telegram does it.

Like Telegram: while a webhook is set, getUpdates is refused with 409; each update is
POSTed as JSON with the X-Telegram-Bot-Api-Secret-Token header, and sent again (after a
short pause) until the webhook answers 2xx; the last failure shows in getWebhookInfo.
Unlike Telegram: one delivery at a time (Telegram uses up to max_connections at once),
and plain http is accepted for loopback addresses (the tests have no TLS).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

if TYPE_CHECKING:
    from .botapi_server import Call

JSONDict = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; use "
             "deleteWebhook to delete the webhook first")


@dataclass
class WebhookPost:
    """One delivery attempt: which update, and the HTTP status (None: no connection)."""

    update_id: int
    status: int | None
    at: float


class WebhookMode:
    """Mixed into FakeBotApi (which provides the update queue and ApiError)."""

    pending_updates: list[JSONDict]
    delivered_updates: list[JSONDict]
    allowed_updates: frozenset[str]
    _stopping: bool

    webhook_retry_pause = 0.2  # seconds between two attempts at one update

    def _init_webhook(self) -> None:
        self.webhook: JSONDict | None = None
        self.webhook_posts: list[WebhookPost] = []
        self.webhook_last_error: tuple[int, str] | None = None
        self._webhook_wake = asyncio.Event()
        self._webhook_task: asyncio.Task[None] | None = None
        # called with (update_id, status) the moment an answer arrives (a test kills there)
        self.on_webhook_answer: Callable[[int, int | None], None] | None = None

    # -- methods --------------------------------------------------------------------------

    def _m_setWebhook(self, call: Call) -> bool:
        p = call.params
        url = str(p["url"])
        if url == "":
            return self._m_deleteWebhook(call)
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
            raise self._error(400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                                   "for webhook")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise self._error(400, "Bad Request: secret token contains unallowed characters")
        if "allowed_updates" in p:
            from .botapi_server import _DEFAULT_UPDATE_TYPES

            self.allowed_updates = (frozenset(p["allowed_updates"]) if p["allowed_updates"]
                                    else _DEFAULT_UPDATE_TYPES)
        if p.get("drop_pending_updates"):
            self.pending_updates = []
        self.webhook = {"url": url, "secret_token": secret,
                        "max_connections": int(p.get("max_connections", 40))}
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver(), name="fake-webhook")
        self._webhook_wake.set()
        return True

    def _m_deleteWebhook(self, call: Call) -> bool:
        self.webhook = None
        if call.params.get("drop_pending_updates"):
            self.pending_updates = []
        return True

    def _m_getWebhookInfo(self, call: Call) -> JSONDict:
        info: JSONDict = {"url": self.webhook["url"] if self.webhook else "",
                          "has_custom_certificate": False,
                          "pending_update_count": len(self.pending_updates)}
        if self.webhook is not None:
            info["max_connections"] = self.webhook["max_connections"]
            info["allowed_updates"] = sorted(self.allowed_updates)
            if self.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    def _refuse_polling_with_webhook(self) -> None:
        if self.webhook is not None:
            raise self._error(409, _CONFLICT)

    # -- delivery -------------------------------------------------------------------------

    def posts_of(self, update_id: int) -> list[WebhookPost]:
        return [post for post in self.webhook_posts if post.update_id == update_id]

    async def wait_for_webhook_ok(self, update_id: int, timeout: float = 30.0) -> WebhookPost:
        """The first 2xx answer the webhook gave to `update_id`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for post in self.posts_of(update_id):
                if post.status is not None and 200 <= post.status < 300:
                    return post
            await asyncio.sleep(0.01)
        raise AssertionError(f"update {update_id} was not accepted by the webhook in "
                             f"{timeout}s: {self.posts_of(update_id)}")

    async def _deliver(self) -> None:
        """POST the oldest pending update until it is accepted, then the next."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while not self._stopping and self.webhook is not None:
                self._filter_allowed()
                if not self.pending_updates:
                    self._webhook_wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._webhook_wake.wait(), 1.0)
                    continue
                update = self.pending_updates[0]
                status = await self._post(session, self.webhook, update)
                if self.on_webhook_answer is not None:
                    self.on_webhook_answer(update["update_id"], status)
                self.webhook_posts.append(WebhookPost(update["update_id"], status,
                                                      time.monotonic()))
                if status is not None and 200 <= status < 300:
                    if self.pending_updates and self.pending_updates[0] is update:
                        self.pending_updates.pop(0)
                    self.delivered_updates.append(update)
                    continue
                self.webhook_last_error = (int(time.time()), "Connection refused"
                                           if status is None else f"Wrong response from the "
                                           f"webhook: {status}")
                await asyncio.sleep(self.webhook_retry_pause)

    @staticmethod
    async def _post(session: aiohttp.ClientSession, webhook: JSONDict,
                    update: JSONDict) -> int | None:
        headers = {SECRET_HEADER: webhook["secret_token"]} if webhook["secret_token"] else {}
        try:
            async with session.post(webhook["url"], json=update, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError, ConnectionError):
            return None

    async def _stop_webhook(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None

    def _filter_allowed(self) -> None:  # FakeBotApi's: drops types not allowed
        raise NotImplementedError

    @staticmethod
    def _error(status: int, description: str) -> Exception:
        from .botapi_server import ApiError

        return ApiError(status, description)


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False
