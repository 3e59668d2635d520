"""The web channel: HTTP requests → engine Events → rendered Replies, as plain HTML pages.

Every button is a form that POSTs the button's action string (Post/Redirect/Get), so
menus, answers and questions work with JavaScript off; a small script only adds polling
for a worker's answer and the kiosk's inactivity timer. Nothing here decides what to say.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.application.flood import FloodGate
from bot.channels.web import CHANNEL
from bot.channels.web.sessions import Block, Screen, Sessions
from bot.channels.web.view import WebOutbound, WebView
from bot.conversation.engine import Engine

if TYPE_CHECKING:
    from bot.bootstrap import Passerelle
from bot.conversation.events import Button, Event, EventKind
from bot.conversation.person import PersonRef
from bot.i18n.locale import is_rtl

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
COOKIE = "passerelle_sid"
KIOSK_COOKIE = "passerelle_kiosk"
OFFICE_COOKIE = "passerelle_office"  # a kiosk's office survives "start again"
MAX_BODY = 8192
MAX_ACTION = 64
MAX_TEXT = 2000
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'self'")
# The few words of the page itself that are not in the shared catalogs yet.
SEND = {"fr": "Envoyer", "nl": "Versturen", "en": "Send", "ar": "إرسال", "ti": "ስደድ",
        "uk": "Надіслати"}


@dataclass(frozen=True)
class WebOptions:
    kiosk: bool = False
    kiosk_idle_seconds: int = 90
    poll_seconds: float = 3.0


class SecurityHeaders:
    """CSP without inline script, nosniff, no referrer; pages are never cached (a kiosk's
    next visitor cannot go back to the previous one's answers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(("/static/", "/pictograms/"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin")]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                else:
                    headers.append((b"cache-control", b"public, max-age=86400"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class WebChannel:
    """Owns the session memory, the Outbound port and the Starlette application."""

    def __init__(self, engine: Engine, pictograms: Callable[[], Mapping[str, Path]],
                 options: WebOptions | None = None, *, default_language: str = "fr") -> None:
        self.engine = engine
        self.flood: FloodGate | None = None  # set by web_channel: per visitor, as Telegram
        self.options = options or WebOptions()
        self.sessions = Sessions()
        self.view = WebView(self.sessions, engine.replies.glossary)
        self.outbound = WebOutbound(self.sessions, self.view)
        self._pictograms = pictograms
        self._default_language = default_language
        self._env = Environment(loader=PackageLoader("bot.channels.web", "templates"),
                                autoescape=True, undefined=StrictUndefined,
                                trim_blocks=True, lstrip_blocks=True)
        self._env.globals["button_view"] = self._button_view
        self._env.globals["pictogram_url"] = self._pictogram_url
        self._env.filters["b64"] = lambda data: base64.b64encode(data).decode()
        routes = [
            Route("/", self.page, methods=["GET"]),
            Route("/o/{office}/", self.office_page, methods=["GET"]),
            Route("/o/{office}", self.office_redirect, methods=["GET"]),
            Route("/act", self.act, methods=["POST"]),
            Route("/ask", self.ask, methods=["POST"]),
            Route("/updates", self.updates, methods=["GET"]),
            Route("/reset", self.reset, methods=["GET", "POST"]),
            Route("/pictograms/{name}", self.pictogram, methods=["GET"]),
            Route("/healthz", lambda _r: Response("ok"), methods=["GET"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        self.asgi: ASGIApp = SecurityHeaders(Starlette(routes=routes))

    # -- requests ---------------------------------------------------------------------------

    async def office_page(self, request: Request) -> Response:
        """`/o/<office>/`: the start page for one office's people (its link or QR code);
        an unknown office gets the ordinary start page, where the bot asks."""
        office = request.path_params.get("office", "")
        if self.engine.offices.offices.get(office) is None:
            return RedirectResponse("/", status_code=303)
        return await self.page(request, office)

    async def office_redirect(self, request: Request) -> Response:
        office = self._known_office(request.path_params.get("office"))  # never echoed raw
        return RedirectResponse(f"/o/{office}/" if office else "/", status_code=308)

    async def page(self, request: Request, office: str | None = None) -> Response:
        sid, fresh = self._sid(request)
        kiosk = self._kiosk(request)
        office = office or self._known_office(request.query_params.get("office"))
        if office is not None:  # told to the engine with the visitor's first tap
            self.sessions.state(sid).office = office
        state = self.sessions.get(sid)
        if request.query_params.get("kiosk") == "1" and state is not None and state.touched:
            return await self._reset(request, kiosk=True)
        seq_text = request.query_params.get("s", "")
        screen = state.screen(int(seq_text)) if state and seq_text.isdigit() else (
            state.screen(None) if state else None)
        if screen is None:
            screen = self._language_screen(request, state.office if state else None)
        pushed = list(state.pushed) if state else []
        response = self._html(request, sid, screen, pushed, kiosk)
        if office is not None and kiosk:
            response.set_cookie(OFFICE_COOKIE, office, httponly=True, samesite="lax",
                                secure=request.url.scheme == "https")
        return self._cookies(response, request, sid, fresh, kiosk)

    def _known_office(self, office: str | None) -> str | None:
        return office if office and self.engine.offices.offices.get(office) else None

    async def act(self, request: Request) -> Response:
        form = await self._form(request)
        action = form.get("a", "")
        if not action or len(action) > MAX_ACTION:
            return self._problem(400, "bad button")
        return await self._handle(request, form, lambda ref, hint: Event(
            ref, EventKind.BUTTON, action=action, language_hint=hint))

    async def ask(self, request: Request) -> Response:
        form = await self._form(request)
        text = form.get("q", "")[:MAX_TEXT]
        return await self._handle(request, form, lambda ref, hint: Event(
            ref, EventKind.TEXT, text=text, language_hint=hint, message_ref=text or None))

    async def updates(self, request: Request) -> Response:
        """Pushed replies after `after` (the script's polling), as HTML fragments."""
        sid = request.cookies.get(COOKIE)
        after_text = request.query_params.get("after", "0")
        after = int(after_text) if after_text.isdigit() else 0
        state = self.sessions.get(sid) if sid and Sessions.valid_id(sid) else None
        if state is None or sid is None:
            return JSONResponse({"last": after, "html": ""})
        new = [block for block in state.pushed if block.seq > after]
        html = self._env.get_template("fragment.j2").render(
            blocks=new, token=self.sessions.token(sid)) if new else ""
        last = max([after, *(block.seq for block in new)])
        return JSONResponse({"last": last, "html": html})

    async def reset(self, request: Request) -> Response:
        """The kiosk's "start again" and its inactivity timer: forget the visitor."""
        sid = request.cookies.get(COOKIE)
        if request.method == "POST":
            token = (await self._form(request)).get("t")
        else:
            token = request.query_params.get("t")
        if not sid or not Sessions.valid_id(sid) or not self.sessions.check_token(sid, token):
            return RedirectResponse("/", status_code=303)
        return await self._reset(request, kiosk=self._kiosk(request))

    async def pictogram(self, request: Request) -> Response:
        name = request.path_params["name"]
        stem, _dot, suffix = name.rpartition(".")
        path = self._pictograms().get(stem)
        if path is None or suffix not in {"svg", "png"}:
            return Response("not found", status_code=404)
        file = path.with_suffix("." + suffix)
        if not file.is_file():
            return Response("not found", status_code=404)
        return FileResponse(file)

    # -- helpers ----------------------------------------------------------------------------

    async def _handle(self, request: Request, form: dict[str, str],
                      event_for: Callable[[PersonRef, str | None], Event]) -> Response:
        sid = request.cookies.get(COOKIE)
        if not sid or not Sessions.valid_id(sid) or not self.sessions.check_token(
                sid, form.get("t")):
            return self._problem(403, "This form has expired. Please go back to the start page.")
        client = request.client.host if request.client else "?"
        if not self.sessions.allow(sid, client):
            return self._problem(429, "Too many requests. Please wait a moment.")
        event = event_for(PersonRef(CHANNEL, sid), _hint(request))
        state = self.sessions.state(sid)
        if state.office is not None:  # the office of the URL the visitor came by
            event = replace(event, office=state.office)
            state.office = None
        replies = await (self.flood or self.engine).handle(event)
        state.touched = True
        if event.kind is EventKind.BUTTON and event.action == "forget:yes":
            screen = self.view.screen(replies, state.lang)
            self.sessions.drop(sid)  # forgotten: a new visitor from now on
            new_sid = Sessions.new_id()
            fresh_state = self.sessions.state(new_sid)
            fresh_state.screens.append(screen)
            response = RedirectResponse(f"/?s={screen.seq}", status_code=303)
            return self._cookies(response, request, new_sid, True, self._kiosk(request))
        if not replies:  # relayed to a worker: stay on the same screen
            current = state.screen(None)
            return RedirectResponse(f"/?s={current.seq}" if current else "/", status_code=303)
        screen = self.view.screen(replies, state.lang)
        state.lang = screen.lang
        state.screens.append(screen)
        return RedirectResponse(f"/?s={screen.seq}", status_code=303)

    async def _reset(self, request: Request, *, kiosk: bool) -> Response:
        sid = request.cookies.get(COOKIE)
        if sid and Sessions.valid_id(sid):
            state = self.sessions.drop(sid)
            if state is not None and state.touched:
                await self.engine.handle(Event(PersonRef(CHANNEL, sid), EventKind.BUTTON,
                                               action="forget:yes"))
        office = self._known_office(request.cookies.get(OFFICE_COOKIE)) if kiosk else None
        response = RedirectResponse(f"/o/{office}/" if office else "/", status_code=303)
        return self._cookies(response, request, Sessions.new_id(), True, kiosk)

    def _language_screen(self, request: Request, office_id: str | None = None) -> Screen:
        replies = self.engine.replies
        language = self._guess(request)
        office = self.engine.offices.offices.get(office_id)
        offered = office.languages if office is not None else ()
        # a new session is a new person: the start page says once what is kept and why
        return self.view.screen([replies.greeting(language, first_contact=True),
                                 replies.language_picker(language, offered)], language)

    def _guess(self, request: Request) -> str:
        languages = self.engine.replies.snapshot.library.languages
        for part in request.headers.get("accept-language", "").split(","):
            code = part.split(";")[0].strip().split("-")[0].lower()
            if code in languages:
                return code
        return self._default_language

    def _html(self, request: Request, sid: str, screen: Screen, pushed: list[Block],
              kiosk: bool) -> HTMLResponse:
        lang = screen.lang
        _ = self.engine.replies.gettext(lang)
        token = self.sessions.token(sid)
        last = max([0, *(block.seq for block in pushed)])
        html = self._env.get_template("page.j2").render(
            lang=lang, dir="rtl" if is_rtl(lang) else "ltr", kiosk=kiosk, token=token,
            blocks=screen.blocks, pushed=pushed, last=last,
            poll=self.options.poll_seconds, idle=self.options.kiosk_idle_seconds,
            reset_url=f"/reset?t={token}", labels={
                "menu": "🏠 " + _("Menu"), "language": "🌐 " + _("Language"),
                "person": "💬 " + _("Talk to a person"), "restart": "↺ " + _("Start again"),
                "ask": _("Ask your question in your own words, or choose a theme."),
                "send": SEND.get(lang, SEND["en"]), "main_menu": _("Main menu"),
            })
        return HTMLResponse(html)

    def _button_view(self, button: Button, lang: str) -> dict[str, str | None]:
        kind, _sep, value = button.action.partition(":")
        view: dict[str, str | None] = {"label": button.label, "lang": None, "image": None,
                                       "kind": kind}
        if kind == "lang":
            view["lang"] = value
            view["label"] = button.label.removeprefix("✓ ")
        elif kind == "topic":
            library = self.engine.replies.snapshot.library
            served = library.served(lang, value)
            if served is not None and served.topic.pictogram:
                url = self._pictogram_url(served.topic.pictogram)
                emoji = library.pictogram_emoji.get(served.topic.pictogram, "")
                if url is not None:
                    view["image"] = url
                    if emoji:
                        view["label"] = button.label.removeprefix(emoji).strip()
        return view

    def _pictogram_url(self, name: str) -> str | None:
        path = self._pictograms().get(name)
        if path is None:
            return None
        suffix = ".svg" if path.with_suffix(".svg").is_file() else path.suffix
        return f"/pictograms/{name}{suffix}"

    def _sid(self, request: Request) -> tuple[str, bool]:
        sid = request.cookies.get(COOKIE)
        if sid and Sessions.valid_id(sid):
            return sid, False
        return Sessions.new_id(), True

    def _kiosk(self, request: Request) -> bool:
        flag = request.query_params.get("kiosk")
        if flag in {"0", "1"}:
            return flag == "1"
        return self.options.kiosk or request.cookies.get(KIOSK_COOKIE) == "1"

    def _cookies(self, response: Response, request: Request, sid: str, fresh: bool,
                 kiosk: bool) -> Response:
        secure = request.url.scheme == "https"
        if fresh:
            response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", secure=secure)
        flag = request.query_params.get("kiosk")
        if flag == "1":
            response.set_cookie(KIOSK_COOKIE, "1", httponly=True, samesite="lax", secure=secure)
        elif flag == "0":
            response.delete_cookie(KIOSK_COOKIE)
        return response

    async def _form(self, request: Request) -> dict[str, str]:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return {}
        fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return {key: values[0] for key, values in fields.items() if values}

    def _problem(self, status: int, text: str) -> Response:
        html = self._env.get_template("problem.j2").render(text=text, status=status)
        return HTMLResponse(html, status_code=status)


def _hint(request: Request) -> str | None:
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first or None


def web_channel(app: Passerelle, options: WebOptions | None = None) -> WebChannel:
    """The web channel of a wired application, registered with its Router."""
    channel = WebChannel(app.engine, lambda: app.content.current.library.pictograms, options,
                         default_language=app.settings.default_language)
    channel.flood = FloodGate(app.engine, app.storage, app.clock)
    app.router.register(CHANNEL, channel.outbound)
    return channel
