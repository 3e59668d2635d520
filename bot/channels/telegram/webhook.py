"""Webhook mode: Telegram POSTs each update to us, and it is in the inbox before we say 200.

Set PASSERELLE_WEBHOOK_URL (the public https address a reverse proxy forwards to this
process's HTTP port, path unchanged) and the bot calls setWebhook on start instead of
polling. Every request must carry the secret token given to setWebhook in the
X-Telegram-Bot-Api-Secret-Token header, compared in constant time; a request without it
is refused before its body is read, and nothing is stored.

Why 200 only after the write: Telegram keeps an update and sends it again until it gets a
2xx answer. So the update goes through the same `receive` as polling (one row per
update_id: a re-sent update is stored once) and only then is answered 200; a crash after
the 200 finds it in the inbox at the next start, and a storage failure answers 503 so that
Telegram sends it again.

The secret: PASSERELLE_WEBHOOK_SECRET if set; otherwise derived from the bot token
(HMAC-SHA256), so it is the same after a restart and in every process of one deployment,
and nothing has to be generated and kept. Whoever knows the token can already change the
webhook, so the derived secret protects exactly as much as a random one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.config import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
MAX_UPDATE_BYTES = 1024 * 1024  # a real update is a few KB; this is 100 times more
SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts
Accept = Callable[[dict[str, object]], Awaitable[None]]


class WebhookProblem(ValueError):
    """The webhook settings cannot work; the text says what to change."""


class UnusableUpdate(ValueError):
    """The body is not an update Telegram would send (answered 400, nothing stored)."""


@dataclass(frozen=True)
class Webhook:
    """Where Telegram sends updates, which path of ours receives them, and the secret."""

    url: str
    path: str
    secret: str


def derived_secret(token: str) -> str:
    """A stable secret for a bot token (64 hex characters, allowed by setWebhook)."""
    return hmac.new(token.encode(), b"passerelle webhook secret token",
                    hashlib.sha256).hexdigest()


def webhook_of(settings: Settings) -> Webhook | None:
    """The webhook to register, or None for polling; raises WebhookProblem when unusable."""
    if not settings.webhook_url:
        return None
    if not settings.telegram_token:
        raise WebhookProblem("PASSERELLE_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not")
    parts = urlsplit(settings.webhook_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
        raise WebhookProblem("PASSERELLE_WEBHOOK_URL must be an https:// address "
                             "(Telegram sends updates only over HTTPS)")
    if not parts.hostname:
        raise WebhookProblem("PASSERELLE_WEBHOOK_URL has no host name")
    if parts.path in ("", "/"):
        raise WebhookProblem("PASSERELLE_WEBHOOK_URL needs a path that is not the web point's "
                             "page, e.g. https://bot.example.be/telegram")
    secret = settings.webhook_secret or derived_secret(settings.telegram_token)
    if not SECRET_CHARS.fullmatch(secret):
        raise WebhookProblem("PASSERELLE_WEBHOOK_SECRET must be 1 to 256 characters among "
                             "A-Z, a-z, 0-9, _ and -")
    return Webhook(settings.webhook_url, parts.path, secret)


def _loopback(host: str | None) -> bool:
    """Plain http only to this machine (tests and a local proxy); Telegram needs https."""
    if host == "localhost":
        return True
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookEndpoint:
    """ASGI: the webhook's path is Telegram's door; every other path goes to `fallback`
    (the web point), so one HTTP server serves both."""

    def __init__(self, webhook: Webhook, accept: Accept, fallback: ASGIApp | None = None,
                 *, max_bytes: int = MAX_UPDATE_BYTES) -> None:
        self._webhook = webhook
        self._secret = webhook.secret.encode()
        self._accept = accept
        self._fallback = fallback
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != self._webhook.path:
            if self._fallback is not None:
                await self._fallback(scope, receive, send)
            elif scope["type"] == "http":
                await PlainTextResponse("not found", 404)(scope, receive, send)
            return
        status, text = await self._answer(scope, receive)
        await PlainTextResponse(text, status)(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[int, str]:
        if scope.get("method") != "POST":
            return 405, "method not allowed"
        headers = dict(scope.get("headers", []))
        if not hmac.compare_digest(headers.get(SECRET_HEADER, b""), self._secret):
            log.warning("a webhook request without the right secret token was refused")
            return 401, "unauthorized"
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self._max_bytes:
            return 413, "too large"
        body = await self._body(receive)
        if body is None:
            return 413, "too large"
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise UnusableUpdate("not an update")
            await self._accept(data)
        except (UnicodeDecodeError, json.JSONDecodeError, UnusableUpdate):
            log.warning("a webhook request that is not an update was refused")
            return 400, "not an update"
        except Exception as error:  # not stored: Telegram sends it again after a 5xx
            log.error("could not store an update (%s); Telegram will send it again",
                      type(error).__name__)
            return 503, "try again"
        return 200, ""

    async def _body(self, receive: Receive) -> bytes | None:
        """The body, or None once it grows past the limit (a lying Content-Length)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
