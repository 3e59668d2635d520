"""Per-person flood control, on the manual clock: a burst is answered, a flood gets one
kind message and then quiet, and the person is answered again once it is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.application.flood import FloodGuard, FloodSettings, Verdict
from bot.clock import ManualClock


def test_a_burst_passes_a_flood_is_told_once_then_quiet_then_over() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    guard = FloodGuard(clock, FloodSettings(burst=5, per_minute=30))
    assert [guard.check("a") for _ in range(5)] == [Verdict.ALLOW] * 5
    assert guard.check("a") is Verdict.WARN
    assert [guard.check("a") for _ in range(100)] == [Verdict.DROP] * 100
    assert guard.check("b") is Verdict.ALLOW, "someone else is not slowed down"
    clock.advance(timedelta(seconds=2))
    assert guard.check("a") is Verdict.DROP, "one token back is not the end of a flood"
    clock.advance(timedelta(seconds=4))  # half the bucket is back
    assert guard.check("a") is Verdict.ALLOW
    clock.advance(timedelta(minutes=5))
    assert [guard.check("a") for _ in range(5)] == [Verdict.ALLOW] * 5
    assert guard.check("a") is Verdict.WARN, "a new flood is told again, once"


def test_a_steady_person_is_never_throttled() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    guard = FloodGuard(clock)
    for _ in range(1000):  # one message every two seconds, for half an hour
        assert guard.check("steady") is Verdict.ALLOW
        clock.advance(timedelta(seconds=2))


def test_memory_stays_bounded_with_many_people() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    guard = FloodGuard(clock)
    for n in range(25_000):
        guard.check(str(n))
        clock.advance(timedelta(seconds=1))
    assert len(guard._buckets) <= 10_000


async def test_the_application_gate_answers_warns_once_then_drops_and_lets_danger_through(
    content_source: object,
) -> None:
    """The gate every channel uses: the engine is not even called for a dropped event."""
    from bot.application.flood import FloodGate
    from bot.config import PROJECT_ROOT
    from bot.content.source import ContentSource
    from bot.conversation.engine import Engine
    from bot.domain.messages import Event, EventKind
    from bot.domain.people import PersonRef
    from bot.i18n.catalogs import Catalogs
    from tests.databases import fresh_storage

    assert isinstance(content_source, ContentSource)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    storage = await fresh_storage()
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), clock)
    gate = FloodGate(engine, storage, clock, FloodSettings(burst=3, per_minute=30))
    flooder, other = PersonRef("web", "a" * 32), PersonRef("telegram", "77")
    try:
        await gate.handle(Event(flooder, EventKind.BUTTON, action="lang:nl"))
        answered = [await gate.handle(Event(flooder, EventKind.TEXT, text="huurwaarborg"))
                    for _ in range(2)]
        assert all(answered), "within the burst"
        (warning,) = await gate.handle(Event(flooder, EventKind.TEXT, text="huurwaarborg"))
        assert warning.lang == "nl" and "⏳" in str(warning.context["text"])
        assert await gate.handle(Event(flooder, EventKind.TEXT, text="huurwaarborg")) == []
        danger = await gate.handle(Event(flooder, EventKind.TEXT, text="ik wil zelfmoord plegen"))
        assert danger and danger[0].template == "crisis", "danger words always pass"
        assert await gate.handle(Event(other, EventKind.BUTTON, action="lang:fr")), \
            "someone else is not slowed down"
        clock.advance(timedelta(minutes=1))
        assert await gate.handle(Event(flooder, EventKind.TEXT, text="huurwaarborg"))
    finally:
        await storage.close()


async def test_the_web_point_goes_through_the_gate(content_source: object) -> None:
    import re

    import httpx

    from bot.bootstrap import build
    from bot.channels.web.app import web_channel
    from bot.config import Settings
    from bot.content.source import ContentSource
    from tests.databases import fresh_database

    assert isinstance(content_source, ContentSource)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app = await build(Settings(), content=content_source, db_path=await fresh_database(),
                      clock=clock)
    channel = web_channel(app)
    assert channel.flood is not None
    channel.flood.guard.settings = FloodSettings(burst=2, per_minute=30)
    try:
        transport = httpx.ASGITransport(app=channel.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def ask(text: str) -> str:
                page = (await client.get("/", follow_redirects=True)).text
                token = re.search(r'name="t" value="([0-9a-f]+)"', page)
                assert token
                answer = await client.post("/ask", data={"q": text, "t": token.group(1)},
                                           follow_redirects=True)
                assert answer.status_code == 200
                return answer.text

            assert "⏳" not in await ask("garantie locative")
            assert "⏳" not in await ask("garantie locative")
            assert "⏳" in await ask("garantie locative"), "told once, kindly"
    finally:
        await app.close()
