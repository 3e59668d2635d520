"""What the web point keeps in memory, per browser session, and nothing else.

The cookie holds only a random id (the person's address on the "web" channel). In memory,
bounded: the last few screens (the rendered replies of the last actions, for the
Post/Redirect/Get cycle) and the replies pushed by the Router (a worker's answer, a
check-in). Never the text a person typed. A restart forgets it all.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from markupsafe import Markup

from bot.conversation.events import Button

MAX_SESSIONS = 5000
SCREENS_KEPT = 8
PUSHED_KEPT = 30


@dataclass(frozen=True)
class Glossed:
    """A glossary button shown as an explanation in place (works without JavaScript)."""

    term: str
    html: Markup


@dataclass(frozen=True)
class Block:
    """One reply, rendered for the web."""

    seq: int
    template: str
    lang: str
    rtl: bool
    html: Markup
    image: str | None
    buttons: tuple[tuple[Button, ...], ...]
    glossary: tuple[Glossed, ...] = ()
    attachment: tuple[str, bytes] | None = None


@dataclass
class Screen:
    seq: int
    lang: str
    blocks: list[Block]


@dataclass
class SessionState:
    screens: deque[Screen] = field(default_factory=lambda: deque(maxlen=SCREENS_KEPT))
    pushed: deque[Block] = field(default_factory=lambda: deque(maxlen=PUSHED_KEPT))
    lang: str | None = None
    touched: bool = False  # the engine has a person row for this session
    office: str | None = None  # chosen by the URL (/o/<office>/), told with the next event
    last_seen: float = field(default_factory=time.monotonic)
    bucket: float = 20.0
    bucket_at: float = field(default_factory=time.monotonic)

    def screen(self, seq: int | None) -> Screen | None:
        if not self.screens:
            return None
        for screen in self.screens:
            if screen.seq == seq:
                return screen
        return self.screens[-1]


class Sessions:
    """Session ids, CSRF tokens, bounded per-session memory and per-visitor rate limits."""

    def __init__(self, max_sessions: int = MAX_SESSIONS, *, rate: float = 1.0,
                 burst: float = 20.0) -> None:
        self._states: OrderedDict[str, SessionState] = OrderedDict()
        self._max = max_sessions
        self._secret = secrets.token_bytes(32)
        self._seq = 0
        self.rate = rate
        self.burst = burst
        self._by_client: dict[str, tuple[float, float]] = {}

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(24)

    @staticmethod
    def valid_id(value: str | None) -> bool:
        return bool(value) and value is not None and 20 <= len(value) <= 64 and all(
            c.isalnum() or c in "-_" for c in value)

    def token(self, sid: str) -> str:
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()[:32]

    def check_token(self, sid: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.token(sid), token)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def get(self, sid: str) -> SessionState | None:
        state = self._states.get(sid)
        if state is not None:
            self._states.move_to_end(sid)
        return state

    def state(self, sid: str) -> SessionState:
        state = self.get(sid)
        if state is None:
            state = self._states[sid] = SessionState(bucket=self.burst)
            while len(self._states) > self._max:
                self._states.popitem(last=False)
        state.last_seen = time.monotonic()
        return state

    def drop(self, sid: str) -> SessionState | None:
        return self._states.pop(sid, None)

    def __len__(self) -> int:
        return len(self._states)

    def allow(self, sid: str, client: str) -> bool:
        """A token bucket per session and a wider one per client address (a waiting room
        shares one address)."""
        now = time.monotonic()
        state = self.state(sid)
        state.bucket = min(self.burst, state.bucket + (now - state.bucket_at) * self.rate)
        state.bucket_at = now
        level, at = self._by_client.get(client, (self.burst * 10, now))
        level = min(self.burst * 10, level + (now - at) * self.rate * 10)
        if state.bucket < 1 or level < 1:
            return False
        state.bucket -= 1
        if len(self._by_client) > self._max:
            self._by_client.clear()
        self._by_client[client] = (level - 1, now)
        return True
