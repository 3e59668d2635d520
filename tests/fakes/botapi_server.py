"""A fake Telegram Bot API server for end-to-end tests (aiohttp, 127.0.0.1, random port).

python-telegram-bot talks to it over real HTTP::

    server = FakeBotApi()
    await server.start()
    bot = telegram.Bot("123:ABC", base_url=server.base_url, base_file_url=server.base_file_url)

Every request is decoded and validated against the vendored Bot API spec
(:mod:`tests.fakes.botapi_spec`); invalid requests are answered like Telegram does
(HTTP 400, ``{"ok": false, "error_code": 400, "description": "Bad Request: ..."}``) and
their violations are collected in :attr:`FakeBotApi.violations`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .botapi_spec import decode_call, formatted_text, load_spec, validate_object
from .botapi_webhook import WebhookMode

JSONDict = dict[str, Any]
Handler = Callable[["FakeBotApi", JSONDict, dict[str, bytes]], Any | Awaitable[Any]]

TEST_TOKEN = "123456:TEST-token_for_FakeBotApi"
BOT_ID = 1000
BOT_USERNAME = "passerelle_test_bot"
BOT_FIRST_NAME = "Passerelle"

# Methods whose successful calls count as "messages sent to chat_id" (see FakeBotApi.sent).
SEND_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendVideo",
        "sendAnimation", "sendVideoNote", "sendSticker", "sendLocation", "sendVenue",
        "sendContact", "sendPoll", "sendDice", "sendMediaGroup", "copyMessage",
        "forwardMessage", "copyMessages", "forwardMessages",
    }
)
# send method -> (message field, parameter carrying the file)
_MEDIA = {
    "sendPhoto": ("photo", "photo"),
    "sendDocument": ("document", "document"),
    "sendVoice": ("voice", "voice"),
    "sendAudio": ("audio", "audio"),
    "sendVideo": ("video", "video"),
    "sendAnimation": ("animation", "animation"),
    "sendVideoNote": ("video_note", "video_note"),
    "sendSticker": ("sticker", "sticker"),
}
_MEDIA_KINDS = ("photo", "document", "voice", "audio", "video", "animation", "video_note",
                "sticker")
_DEFAULT_UPDATE_TYPES = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
     "business_message", "edited_business_message", "deleted_business_messages",
     "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
     "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
     "chat_join_request", "chat_boost", "removed_chat_boost", "guest_message", "managed_bot"}
)
_NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                 "reply markup are exactly the same as a current content and reply markup of "
                 "the message")


@dataclass
class Call:
    """One recorded request. ``params`` are decoded (ints, bools, dicts...), ``files`` holds
    multipart file parts. ``status``/``response`` are what the fake answered."""

    method: str
    params: JSONDict
    files: dict[str, bytes]
    violations: list[str]
    status: int | None = None  # set once the fake has answered
    response: JSONDict = field(default_factory=dict)
    index: int = -1
    file_names: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """``text`` or ``caption`` parameter, as sent (markup included)."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def reply_markup(self) -> Any:
        return self.params.get("reply_markup")

    def button_rows(self) -> list[list[JSONDict]]:
        """Inline keyboard rows of the reply_markup, or []."""
        rm = self.reply_markup
        if isinstance(rm, dict) and isinstance(rm.get("inline_keyboard"), list):
            rows: list[list[JSONDict]] = rm["inline_keyboard"]
            return rows
        return []


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


class ApiError(Exception):
    """Raised by behaviours to answer with a Telegram error."""

    def __init__(self, status: int, description: str,
                 parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class FakeBotApi(WebhookMode):
    """In-process fake of the Telegram Bot API server. See the module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
        long_poll_cap: float = 1.0,
    ) -> None:
        self.host = host
        self.port = port
        self.long_poll_cap = long_poll_cap
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.violations: list[str] = []
        # (chat_id, user_id) -> status: creator|administrator|member|restricted|left|kicked
        self.members: dict[tuple[int, int], str] = {}
        self.chats: dict[int, JSONDict] = {}
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.topics: dict[tuple[int, int], JSONDict] = {}
        self.commands: dict[str, list[JSONDict]] = {}
        self.handlers: dict[str, Handler] = {}
        self.pending_updates: list[JSONDict] = []
        self.delivered_updates: list[JSONDict] = []
        self.dropped_updates: list[JSONDict] = []
        self.allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self.file_contents: dict[str, bytes] = {}
        self._faults: dict[str, list[_Fault]] = {}
        # chat id -> (messages allowed, window in seconds): Telegram's ~20 a minute per group
        self.group_limits: dict[int, tuple[int, float]] = {}
        self._accepted_at: dict[int, list[float]] = {}  # chat id -> monotonic send times
        self.rate_limited: list[Call] = []  # sends answered 429 by `limit_group`
        self.too_early: list[Call] = []  # sends before the retry_after they were given ended
        self._held_until: dict[int, float] = {}
        self._next_update_id = 500_000
        self._next_message_id: dict[int, int] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(4_000_000_000_000_000_001)
        self._consumed: set[int] = set()
        self._calls_changed = asyncio.Condition()
        self._updates_changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._init_webhook()  # setWebhook and the POSTs to it: botapi_webhook.py

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None,
                                     shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self._stopping = True
        self._updates_changed.set()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # ------------------------------------------------------------------ configuration

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        description: str = "Too Many Requests: retry after 1",
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` (valid) calls of ``method`` with a Telegram error.

        ``parameters.retry_after`` is only sent with status 429 (PTB turns any retry_after into
        RetryAfter), so ``fail_next(m, status=403, description="Forbidden: bot was blocked by
        the user")`` gives telegram.error.Forbidden.
        """
        self._faults.setdefault(method, []).append(_Fault(status, description, retry_after,
                                                          times))

    def limit_group(self, chat_id: int, messages: int, window: float = 60.0) -> None:
        """Answer 429 with retry_after, as Telegram does, to a send into `chat_id` beyond
        `messages` accepted in the last `window` seconds (retry_after: until one leaves)."""
        self.group_limits[chat_id] = (messages, window)

    def _over_group_limit(self, call: Call) -> int | None:
        """The retry_after to answer, or None (and the send is counted) when within limit."""
        if call.method not in SEND_METHODS:
            return None
        try:
            chat = self._chat_id(call.params.get("chat_id"))
        except ApiError:
            return None
        limit = self.group_limits.get(chat)
        if limit is None:
            return None
        messages, window = limit
        now = time.monotonic()
        if now < self._held_until.get(chat, 0.0) - 0.05:  # a little slack for the clocks
            self.too_early.append(call)
        recent = [t for t in self._accepted_at.get(chat, []) if now - t < window]
        self._accepted_at[chat] = recent
        if len(recent) >= messages:
            retry_after = max(1, math.ceil(window - (now - recent[0])))
            self._held_until[chat] = now + retry_after
            return retry_after
        recent.append(now)
        return None

    def on(self, method: str, handler: Handler) -> None:
        """Override the behaviour of ``method``: ``handler(server, params, files)`` returns the
        result (may be async) or raises ApiError."""
        self.handlers[method] = handler

    def register_chat(self, chat_id: int, *, type: str | None = None, title: str | None = None,
                      first_name: str | None = None, is_forum: bool = False) -> JSONDict:
        chat: JSONDict = {"id": chat_id, "type": type or ("private" if chat_id > 0
                                                          else "supergroup")}
        if chat["type"] == "private":
            chat["first_name"] = first_name or "Amina"
        else:
            chat["title"] = title or f"Group {chat_id}"
            if is_forum:
                chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    # ------------------------------------------------------------------ inspection

    def sent(self, chat_id: int | str) -> list[Call]:
        """Successful message-sending calls (send*, copyMessage, forwardMessage) to chat_id."""
        return [c for c in self.calls
                if c.method in SEND_METHODS and c.ok and c.params.get("chat_id") == chat_id]

    def sent_texts(self, chat_id: int | str) -> list[str]:
        return [c.text for c in self.sent(chat_id) if c.text is not None]

    def assert_no_violations(self) -> None:
        """Fail with a readable listing if any request violated the Bot API."""
        if self.violations:
            listing = "\n  - ".join(self.violations)
            raise AssertionError(
                f"{len(self.violations)} Bot API violation(s) recorded by FakeBotApi:\n"
                f"  - {listing}\n\nCalls:\n{self.summary()}"
            )

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def summary(self, limit: int = 40) -> str:
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines = [f"{len(self.calls)} calls ({polls} getUpdates)"]
        others = [c for c in self.calls if c.method != "getUpdates"][-limit:]
        for c in others:
            extra = f" chat={c.chat_id}" if c.chat_id is not None else ""
            text = f" text={c.text[:60]!r}" if c.text else ""
            bad = f" VIOLATIONS={c.violations}" if c.violations else ""
            lines.append(f"  #{c.index} {c.method} -> {c.status}{extra}{text}{bad}")
        return "\n".join(lines)

    async def wait_for(
        self,
        method: str | Collection[str],
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> Call:
        """Next not-yet-consumed, answered call of ``method`` (or any of several methods)
        matching ``predicate``."""
        methods = {method} if isinstance(method, str) else set(method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._calls_changed:
            while True:
                for call in self.calls:
                    if (call.index not in self._consumed and call.method in methods
                            and call.status is not None
                            and (predicate is None or predicate(call))):
                        self._consumed.add(call.index)
                        return call
                remaining = deadline - loop.time()
                if remaining <= 0:
                    methods = Counter(c.method for c in self.calls)
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {method}"
                        f"{' matching predicate' if predicate else ''}; recorded: "
                        f"{dict(methods)}\n{self.summary()}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._calls_changed.wait(), remaining)

    # ------------------------------------------------------------------ HTTP handling

    async def _read_params(
        self, request: web.Request
    ) -> tuple[JSONDict, dict[str, bytes], dict[str, str], list[str]]:
        params: JSONDict = dict(request.query)
        files: dict[str, bytes] = {}
        names: dict[str, str] = {}
        problems: list[str] = []
        ctype = request.content_type
        if request.method == "POST" and request.can_read_body:
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    return params, files, names, ["request body is not valid JSON"]
                if not isinstance(body, dict):
                    return params, files, names, ["JSON body must be an object"]
                params.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key in form:
                    values = form.getall(key)
                    if len(values) > 1:
                        problems.append(f"{key}: sent {len(values)} times")
                    value = values[-1]
                    if isinstance(value, web.FileField):
                        files[key] = value.file.read()
                        names[key] = value.filename
                    else:
                        params[key] = value if isinstance(value, str) else bytes(value).decode()
            else:
                raw = await request.read()
                if raw:
                    problems.append(f"unsupported Content-Type {ctype!r}")
        return params, files, names, problems

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            raw_params, files, names, problems = await self._read_params(request)
        except ConnectionResetError:  # the bot was killed while it was uploading: no call
            return web.Response(status=499)
        params, violations = decode_call(method, raw_params, files)
        violations = problems + violations
        call = Call(method=method, params=params, files=files, violations=violations,
                    index=len(self.calls), file_names=names)
        self.calls.append(call)
        if violations:
            self.violations.extend(f"{method}: {v}" for v in violations)
            if method not in load_spec().methods:
                status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            else:
                status, payload = 400, {"ok": False, "error_code": 400,
                                        "description": f"Bad Request: {violations[0]}"}
        else:
            status, payload = await self._respond(call)
        call.status, call.response = status, payload
        async with self._calls_changed:
            self._calls_changed.notify_all()
        return web.json_response(payload, status=status)

    async def _respond(self, call: Call) -> tuple[int, JSONDict]:
        retry_after = self._over_group_limit(call)
        if retry_after is not None:
            self.rate_limited.append(call)
            return 429, {"ok": False, "error_code": 429,
                         "description": f"Too Many Requests: retry after {retry_after}",
                         "parameters": {"retry_after": retry_after}}
        faults = self._faults.get(call.method)
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            payload: JSONDict = {"ok": False, "error_code": fault.status,
                                 "description": fault.description}
            if fault.status == 429 and fault.retry_after is not None:
                payload["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, payload
        try:
            handler = self.handlers.get(call.method)
            if handler is not None:
                result = handler(self, call.params, call.files)
                if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                    result = await result
            else:
                result = await self._behaviour(call)
        except ApiError as err:
            payload = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                payload["parameters"] = err.parameters
            return err.status, payload
        return 200, {"ok": True, "result": result}

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.rpartition("/")[2]
        if file_id not in self.file_contents:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.Response(body=self.file_contents[file_id],
                            content_type="application/octet-stream")

    # ------------------------------------------------------------------ behaviours

    async def _behaviour(self, call: Call) -> Any:
        m, p = call.method, call.params
        simple = getattr(self, f"_m_{m}", None)
        if simple is not None:
            result = simple(call)
            return await result if asyncio.iscoroutine(result) else result
        if m in _MEDIA or m in ("sendMessage", "sendLocation"):
            return self._send(call)
        returns = load_spec().methods[m]["returns"]
        if returns == ["Boolean"]:
            return True
        if returns == ["Message"] and "chat_id" in p:
            return self._store(self._base_message(self._chat_id(p["chat_id"]), p))
        note = f"FakeBotApi: no behaviour for {m} (returns {returns}); use server.on()"
        self.violations.append(note)
        raise ApiError(501, f"Not Implemented: {note}")

    def _m_getMe(self, call: Call) -> JSONDict:
        return dict(self.bot_user)

    async def _m_getUpdates(self, call: Call) -> list[JSONDict]:
        self._refuse_polling_with_webhook()
        p = call.params
        offset = p.get("offset")
        limit = max(1, min(100, int(p.get("limit", 100))))
        timeout = max(0.0, float(p.get("timeout", 0)))
        if "allowed_updates" in p:
            allowed = p["allowed_updates"]
            self.allowed_updates = frozenset(allowed) if allowed else _DEFAULT_UPDATE_TYPES
        if isinstance(offset, int):
            if offset < 0:
                self.pending_updates = self.pending_updates[offset:]
            else:
                self.pending_updates = [u for u in self.pending_updates
                                        if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, self.long_poll_cap)
        while True:
            self._filter_allowed()
            if self.pending_updates or self._stopping:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._updates_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_changed.wait(), remaining)
        batch = self.pending_updates[:limit]
        for u in batch:
            if u not in self.delivered_updates:
                self.delivered_updates.append(u)
        return batch

    def _filter_allowed(self) -> None:
        kept: list[JSONDict] = []
        for u in self.pending_updates:
            kind = next(k for k in u if k != "update_id")
            (kept if kind in self.allowed_updates else self.dropped_updates).append(u)
        self.pending_updates = kept

    def _m_setMyCommands(self, call: Call) -> bool:
        self.commands[self._commands_key(call.params)] = call.params["commands"]
        return True

    def _m_deleteMyCommands(self, call: Call) -> bool:
        self.commands.pop(self._commands_key(call.params), None)
        return True

    def _m_getMyCommands(self, call: Call) -> list[JSONDict]:
        return self.commands.get(self._commands_key(call.params), [])

    @staticmethod
    def _commands_key(p: JSONDict) -> str:
        scope = json.dumps(p.get("scope", {"type": "default"}), sort_keys=True)
        return f"{scope}|{p.get('language_code', '')}"

    def _m_getChatMenuButton(self, call: Call) -> JSONDict:
        return {"type": "commands"}

    def _m_getChat(self, call: Call) -> JSONDict:
        chat = dict(self._chat(self._chat_id(call.params["chat_id"])))
        chat.update(accent_color_id=0, max_reaction_count=11,
                    accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False,
                                         "unique_gifts": False, "premium_subscription": False,
                                         "gifts_from_channels": False})
        return chat

    def _m_getChatMember(self, call: Call) -> JSONDict:
        chat_id = self._chat_id(call.params["chat_id"])
        user_id = call.params["user_id"]
        status = self.members.get((chat_id, user_id), "left")
        if user_id == self.bot_user["id"] and (chat_id, user_id) not in self.members:
            status = "member"
        user: JSONDict = (dict(self.bot_user) if user_id == self.bot_user["id"] else
                          {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"})
        member: JSONDict = {"status": status, "user": user}
        subtype = {"creator": "ChatMemberOwner", "administrator": "ChatMemberAdministrator",
                   "member": "ChatMemberMember", "restricted": "ChatMemberRestricted",
                   "left": "ChatMemberLeft", "kicked": "ChatMemberBanned"}.get(status)
        if subtype is None:
            raise ApiError(500, f"FakeBotApi: unknown member status {status!r}")
        admin_rights = {"can_manage_chat", "can_delete_messages", "can_change_info",
                        "can_invite_users", "can_pin_messages", "can_manage_topics"}
        for f in load_spec().types[subtype]["fields"]:
            if f["name"] in member:
                continue
            if f["types"] == ["Boolean"] and (f["required"] or f["name"] in admin_rights):
                member[f["name"]] = (status == "administrator" and f["name"] in admin_rights) or (
                    status == "restricted" and f["name"] == "is_member")
            elif f["required"] and f["types"] == ["Integer"]:
                member[f["name"]] = 0
        errors = validate_object("ChatMember", member)
        if errors:
            raise ApiError(500, f"FakeBotApi built an invalid ChatMember: {errors}")
        return member

    def _m_createForumTopic(self, call: Call) -> JSONDict:
        p = call.params
        chat_id = self._chat_id(p["chat_id"])
        thread_id = self._new_message_id(chat_id)
        topic: JSONDict = {"message_thread_id": thread_id, "name": p["name"],
                           "icon_color": p.get("icon_color", 7322096)}
        if "icon_custom_emoji_id" in p:
            topic["icon_custom_emoji_id"] = p["icon_custom_emoji_id"]
        self.topics[(chat_id, thread_id)] = topic
        return topic

    def _m_editForumTopic(self, call: Call) -> bool:
        key = (self._chat_id(call.params["chat_id"]), call.params["message_thread_id"])
        if key in self.topics and call.params.get("name"):
            self.topics[key]["name"] = call.params["name"]
        return True

    def _m_deleteForumTopic(self, call: Call) -> bool:
        self.topics.pop((self._chat_id(call.params["chat_id"]),
                         call.params["message_thread_id"]), None)
        return True

    def _m_getFile(self, call: Call) -> JSONDict:
        file_id = call.params["file_id"]
        if file_id not in self.file_contents:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily "
                                "unavailable")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                "file_size": len(self.file_contents[file_id]),
                "file_path": f"documents/{file_id}"}

    def _m_deleteMessage(self, call: Call) -> bool:
        key = (self._chat_id(call.params["chat_id"]), call.params["message_id"])
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_editMessageText(self, call: Call) -> JSONDict | bool:
        p = call.params
        if "inline_message_id" in p:
            return True
        if "text" not in p:
            raise ApiError(501, "Not Implemented: FakeBotApi does not render rich_message")
        msg = self._editable(p)
        if "text" not in msg:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        parsed = formatted_text(p["text"], p.get("parse_mode"))
        new = {"text": parsed.text.strip(), "entities": parsed.entities or None,
               "reply_markup": self._inline_markup(p)}
        return self._apply_edit(msg, new)

    def _m_editMessageCaption(self, call: Call) -> JSONDict | bool:
        p = call.params
        if "inline_message_id" in p:
            return True
        msg = self._editable(p)
        if not any(k in msg for k in _MEDIA_KINDS):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        parsed = formatted_text(p.get("caption", ""), p.get("parse_mode"))
        new = {"caption": parsed.text.strip() or None,
               "caption_entities": parsed.entities or None,
               "reply_markup": self._inline_markup(p)}
        return self._apply_edit(msg, new)

    def _m_editMessageReplyMarkup(self, call: Call) -> JSONDict | bool:
        p = call.params
        if "inline_message_id" in p:
            return True
        return self._apply_edit(self._editable(p), {"reply_markup": self._inline_markup(p)})

    def _editable(self, p: JSONDict) -> JSONDict:
        key = (self._chat_id(p["chat_id"]), p["message_id"])
        msg = self.messages.get(key)
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if msg.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    def _apply_edit(self, msg: JSONDict, new: JSONDict) -> JSONDict:
        if all(msg.get(k) == v for k, v in new.items()):
            raise ApiError(400, _NOT_MODIFIED)
        for k, v in new.items():
            if v is None:
                msg.pop(k, None)
            else:
                msg[k] = v
        msg["edit_date"] = int(time.time())
        return msg

    def _m_copyMessage(self, call: Call) -> JSONDict:
        p = call.params
        src = self.messages.get((self._chat_id(p["from_chat_id"]), p["message_id"]))
        if src is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        msg = self._base_message(self._chat_id(p["chat_id"]), p)
        for k in ("text", "entities", "caption", "caption_entities", "location", *_MEDIA_KINDS):
            if k in src:
                msg[k] = src[k]
        if "caption" in p:
            parsed = formatted_text(p["caption"], p.get("parse_mode"))
            msg.pop("caption_entities", None)
            msg["caption"] = parsed.text.strip()
            if parsed.entities:
                msg["caption_entities"] = parsed.entities
        self._store(msg)
        return {"message_id": msg["message_id"]}

    def _m_forwardMessage(self, call: Call) -> JSONDict:
        p = call.params
        src = self.messages.get((self._chat_id(p["from_chat_id"]), p["message_id"]))
        if src is None:
            raise ApiError(400, "Bad Request: message to forward not found")
        msg = self._base_message(self._chat_id(p["chat_id"]), p)
        for k in ("text", "entities", "caption", "caption_entities", "location", *_MEDIA_KINDS):
            if k in src:
                msg[k] = src[k]
        msg["forward_origin"] = {"type": "user", "date": src["date"], "sender_user": src["from"]}
        return self._store(msg)

    def _m_sendMediaGroup(self, call: Call) -> list[JSONDict]:
        p = call.params
        chat_id = self._chat_id(p["chat_id"])
        group_id = str(next(self._file_counter) + 10_000_000)
        out = []
        for item in p["media"]:
            msg = self._base_message(chat_id, p)
            msg["media_group_id"] = group_id
            kind = item["type"]
            media = item["media"]
            content = call.files.get(media[len("attach://"):]) if media.startswith(
                "attach://") else None
            file_id = self._resolve_file(media, content, kind)
            msg[kind] = self._file_object(kind, file_id, item)
            if item.get("caption"):
                parsed = formatted_text(item["caption"], item.get("parse_mode"))
                msg["caption"] = parsed.text.strip()
                if parsed.entities:
                    msg["caption_entities"] = parsed.entities
            out.append(self._store(msg))
        return out

    def _send(self, call: Call) -> JSONDict:
        p = call.params
        chat_id = self._chat_id(p["chat_id"])
        msg = self._base_message(chat_id, p)
        m = call.method
        if m == "sendMessage":
            parsed = formatted_text(p["text"], p.get("parse_mode"))
            msg["text"] = parsed.text.strip()
            if parsed.entities:
                msg["entities"] = parsed.entities
            elif "entities" in p:
                msg["entities"] = p["entities"]
        elif m == "sendLocation":
            msg["location"] = {"latitude": p["latitude"], "longitude": p["longitude"]}
        else:
            kind, param = _MEDIA[m]
            file_id = self._resolve_file(p.get(param), call.files.get(param), kind)
            msg[kind] = self._file_object(kind, file_id, p)
            if isinstance(p.get("caption"), str):
                parsed = formatted_text(p["caption"], p.get("parse_mode"))
                if parsed.text.strip():
                    msg["caption"] = parsed.text.strip()
                if parsed.entities:
                    msg["caption_entities"] = parsed.entities
        return self._store(msg)

    def _resolve_file(self, ref: Any, content: bytes | None, kind: str) -> str:
        if content is not None:
            return self._issue_file(kind, content)
        if isinstance(ref, str) and ref in self.file_contents:
            return ref
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            return self._issue_file(kind, b"downloaded from " + ref.encode())
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _issue_file(self, kind: str, content: bytes) -> str:
        file_id = f"{kind}-{next(self._file_counter)}"
        self.file_contents[file_id] = content
        return file_id

    def _file_object(self, kind: str, file_id: str, p: Mapping[str, Any]) -> Any:
        size = len(self.file_contents.get(file_id, b""))
        base: JSONDict = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                          "file_size": size}
        if kind == "photo":
            return [{**base, "file_id": file_id, "file_unique_id": f"u{file_id}-s",
                     "width": 90, "height": 90},
                    {**base, "width": 800, "height": 600}]
        if kind in ("video", "animation"):
            return {**base, "width": p.get("width", 640), "height": p.get("height", 480),
                    "duration": p.get("duration", 1)}
        if kind in ("voice", "audio"):
            return {**base, "duration": p.get("duration", 1),
                    "mime_type": "audio/ogg" if kind == "voice" else "audio/mpeg"}
        if kind == "video_note":
            return {**base, "length": p.get("length", 240), "duration": p.get("duration", 1)}
        if kind == "sticker":
            return {**base, "type": "regular", "width": 512, "height": 512,
                    "is_animated": False, "is_video": False}
        return {**base, "file_name": f"{file_id}.bin", "mime_type": "application/octet-stream"}

    # ------------------------------------------------------------------ message helpers

    @staticmethod
    def _chat_id(value: Any) -> int:
        if isinstance(value, int):
            return value
        raise ApiError(400, "Bad Request: chat not found")

    def _chat(self, chat_id: int) -> JSONDict:
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def _new_message_id(self, chat_id: int) -> int:
        nxt = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = nxt + 1
        return nxt

    @staticmethod
    def _inline_markup(p: JSONDict) -> JSONDict | None:
        rm = p.get("reply_markup")
        return rm if isinstance(rm, dict) and "inline_keyboard" in rm else None

    def _base_message(self, chat_id: int, p: JSONDict) -> JSONDict:
        chat = self._chat(chat_id)
        msg: JSONDict = {"message_id": self._new_message_id(chat_id), "from": self.bot_user,
                         "chat": chat, "date": int(time.time())}
        if "message_thread_id" in p:
            if chat.get("is_forum") and (chat_id, p["message_thread_id"]) not in self.topics:
                raise ApiError(400, "Bad Request: message thread not found")
            msg["message_thread_id"] = p["message_thread_id"]
            if chat.get("is_forum"):
                msg["is_topic_message"] = True
        markup = self._inline_markup(p)
        if markup is not None:
            msg["reply_markup"] = markup
        reply = p.get("reply_parameters")
        if isinstance(reply, dict):
            target = self.messages.get((chat_id, reply.get("message_id", -1)))
            if target is not None:
                msg["reply_to_message"] = {k: v for k, v in target.items()
                                           if k != "reply_to_message"}
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        return msg

    def _store(self, msg: JSONDict) -> JSONDict:
        self.messages[(msg["chat"]["id"], msg["message_id"])] = msg
        return msg

    # ------------------------------------------------------------------ update builders

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (update_id is assigned if missing) and wake long polls."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        errors = validate_object("Update", update)
        if errors:
            raise AssertionError(f"pushed update does not match the Bot API spec: {errors}")
        self.pending_updates.append(update)
        self._updates_changed.set()
        self._webhook_wake.set()
        return update

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _user_message(self, chat_id: int, user_id: int | None, first_name: str,
                      language_code: str | None, **content: Any) -> JSONDict:
        uid = user_id if user_id is not None else chat_id
        if chat_id in self.chats:
            chat = self.chats[chat_id]
        elif chat_id > 0:
            chat = self.register_chat(chat_id, first_name=first_name)
        else:
            chat = self._chat(chat_id)
        msg: JSONDict = {"message_id": self._new_message_id(chat_id),
                         "from": self._user(uid, first_name, language_code),
                         "chat": chat, "date": int(time.time())}
        msg.update({k: v for k, v in content.items() if v is not None})
        return self._store(msg)

    def push_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                  language_code: str | None = "fr", first_name: str = "Amina",
                  entities: list[JSONDict] | None = None) -> JSONDict:
        msg = self._user_message(chat_id, user_id, first_name, language_code, text=text,
                                 entities=entities)
        return self.push_update({"message": msg})

    def push_command(self, chat_id: int, command: str, *, user_id: int | None = None,
                     language_code: str | None = "fr", first_name: str = "Amina") -> JSONDict:
        """``command`` like "/start" or "/start payload"; adds the bot_command entity."""
        if not command.startswith("/"):
            command = "/" + command
        word = command.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(word.encode("utf-16-le")) // 2}
        return self.push_text(chat_id, command, user_id=user_id, language_code=language_code,
                              first_name=first_name, entities=[entity])

    def push_callback(self, chat_id: int, data: str, *, message_id: int | None = None,
                      user_id: int | None = None, language_code: str | None = "fr",
                      first_name: str = "Amina") -> JSONDict:
        """Callback query on ``message_id`` (default: the bot's latest message in the chat)."""
        uid = user_id if user_id is not None else chat_id
        msg: JSONDict | None
        if message_id is not None:
            msg = self.messages.get((chat_id, message_id))
        else:
            own = [m for (c, _), m in self.messages.items()
                   if c == chat_id and m.get("from", {}).get("id") == self.bot_user["id"]]
            msg = own[-1] if own else None
        if msg is None:
            msg = {"message_id": message_id or self._new_message_id(chat_id),
                   "from": self.bot_user, "chat": self._chat(chat_id), "date": int(time.time()),
                   "text": "…"}
        query = {"id": str(next(self._callback_counter)),
                 "from": self._user(uid, first_name, language_code),
                 "message": msg, "chat_instance": str(-(abs(chat_id) * 7919 % 10**18) or -1),
                 "data": data}
        return self.push_update({"callback_query": query})

    def push_photo(self, chat_id: int, *, caption: str | None = None, content: bytes = b"JPEG",
                   user_id: int | None = None, language_code: str | None = "fr",
                   first_name: str = "Amina") -> JSONDict:
        file_id = self._issue_file("photo", content)
        photo = self._file_object("photo", file_id, {})
        msg = self._user_message(chat_id, user_id, first_name, language_code, photo=photo,
                                 caption=caption)
        return self.push_update({"message": msg})

    def push_voice(self, chat_id: int, *, duration: int = 3, content: bytes = b"OggS",
                   user_id: int | None = None, language_code: str | None = "fr",
                   first_name: str = "Amina") -> JSONDict:
        file_id = self._issue_file("voice", content)
        voice = self._file_object("voice", file_id, {"duration": duration})
        msg = self._user_message(chat_id, user_id, first_name, language_code, voice=voice)
        return self.push_update({"message": msg})

    def push_document(self, chat_id: int, *, file_name: str = "document.pdf",
                      mime_type: str = "application/pdf", content: bytes = b"%PDF-1.4",
                      caption: str | None = None, user_id: int | None = None,
                      language_code: str | None = "fr", first_name: str = "Amina") -> JSONDict:
        file_id = self._issue_file("document", content)
        doc = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
               "mime_type": mime_type, "file_size": len(content)}
        msg = self._user_message(chat_id, user_id, first_name, language_code, document=doc,
                                 caption=caption)
        return self.push_update({"message": msg})

    def push_sticker(self, chat_id: int, *, emoji: str = "👍", user_id: int | None = None,
                     language_code: str | None = "fr", first_name: str = "Amina") -> JSONDict:
        file_id = self._issue_file("sticker", b"RIFFWEBP")
        sticker = {**self._file_object("sticker", file_id, {}), "emoji": emoji}
        msg = self._user_message(chat_id, user_id, first_name, language_code, sticker=sticker)
        return self.push_update({"message": msg})

    def push_location(self, chat_id: int, latitude: float = 50.8467,
                      longitude: float = 4.3525, *, user_id: int | None = None,
                      language_code: str | None = "fr", first_name: str = "Amina") -> JSONDict:
        msg = self._user_message(chat_id, user_id, first_name, language_code,
                                 location={"latitude": latitude, "longitude": longitude})
        return self.push_update({"message": msg})

    def push_edited_text(self, chat_id: int, message_id: int, text: str, *,
                         user_id: int | None = None, language_code: str | None = "fr",
                         first_name: str = "Amina") -> JSONDict:
        msg = self.messages.get((chat_id, message_id))
        if msg is None:
            uid = user_id if user_id is not None else chat_id
            msg = {"message_id": message_id, "from": self._user(uid, first_name, language_code),
                   "chat": self._chat(chat_id), "date": int(time.time()) - 60}
        msg = {**msg, "text": text, "edit_date": int(time.time())}
        msg.pop("entities", None)
        self._store(msg)
        return self.push_update({"edited_message": msg})

    def push_group_text(self, chat_id: int, text: str, *, thread_id: int | None,
                        user_id: int, first_name: str = "Amina",
                        language_code: str | None = "fr",
                        title: str = "Passerelle Forum") -> JSONDict:
        """Message in a forum supergroup topic (``thread_id`` None = General topic)."""
        if chat_id not in self.chats:
            self.register_chat(chat_id, type="supergroup", title=title, is_forum=True)
        content: JSONDict = {"text": text}
        if thread_id is not None:
            content.update(message_thread_id=thread_id, is_topic_message=True)
        msg = self._user_message(chat_id, user_id, first_name, language_code, **content)
        return self.push_update({"message": msg})

    def push_group_photo(self, chat_id: int, *, thread_id: int, user_id: int,
                         first_name: str = "Marie", caption: str | None = None,
                         content: bytes = b"JPEG") -> JSONDict:
        """A photo posted in a forum topic (e.g. a worker sending a document back)."""
        if chat_id not in self.chats:
            self.register_chat(chat_id, type="supergroup", title="Passerelle Forum",
                               is_forum=True)
        file_id = self._issue_file("photo", content)
        photo = self._file_object("photo", file_id, {})
        msg = self._user_message(chat_id, user_id, first_name, "fr", photo=photo,
                                 caption=caption, message_thread_id=thread_id,
                                 is_topic_message=True)
        return self.push_update({"message": msg})
