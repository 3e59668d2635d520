"""`make bench` (part 2): 10,000 due check-ins through the loopback Bot API server.

Measures, with the real python-telegram-bot stack and Passerelle's dispatcher:
- its own overhead per message (pacing off: database claim + render + HTTP round trip),
- that with pacing on it keeps to Telegram's rate (≈30 messages a second overall, at most
  one a second per chat) and sends every message exactly once.
PASSERELLE_BENCH_CHECKINS sets how many (default 10000; the paced run takes N/30 seconds).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bootstrap import build, telegram_channel  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content.source import ContentSource  # noqa: E402
from bot.followup.dispatcher import Dispatcher, DispatchSettings  # noqa: E402
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi  # noqa: E402

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


async def seed(app_storage: object, count: int) -> None:
    """`count` consented participants, each with one check-in due now (bulk SQL)."""
    db = app_storage._db  # type: ignore[attr-defined]
    stamp = NOW.isoformat()
    await db.execute("BEGIN")
    await db.executemany(
        "INSERT INTO people (channel, address, language, created_at, last_seen_at)"
        " VALUES ('telegram', ?, 'fr', ?, ?)",
        [(str(100000 + i), stamp, stamp) for i in range(count)])
    await db.execute(
        "INSERT INTO participants (person_id, programme_end, consented_at)"
        " SELECT id, '2026-11-20', 'yes' FROM people")
    await db.execute(
        "INSERT INTO outbox (person_id, kind, key, due_at)"
        " SELECT id, 'checkin', 'week-2', ? FROM people", (stamp,))
    await db.execute("COMMIT")


class RenderOnly:
    """Does all of a delivery but the HTTP call: isolates the dispatcher's own overhead."""

    def __init__(self, engine: object) -> None:
        from bot.render.renderer import Renderer

        self._engine = engine
        self._renderer = Renderer("html")

    async def deliver(self, person: object, item: object) -> bool:
        reply = await self._engine.outbox_message(person, item)  # type: ignore[attr-defined]
        self._renderer.render(reply)
        return True


async def run(count: int, paced: bool, content: ContentSource,
              render_only: bool = False) -> dict[str, float]:
    api = FakeBotApi()
    await api.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(telegram_token=TEST_TOKEN, telegram_base_url=api.base_url,
                            telegram_base_file_url=api.base_file_url,
                            db_path=Path(folder) / "bench.sqlite3")
        app = await build(settings, content=content, clock=ManualClock(NOW))
        channel = telegram_channel(app)
        await channel.application.initialize()
        assert channel.dispatcher is not None
        await seed(app.storage, count)
        deliverer = RenderOnly(app.engine) if render_only else channel.dispatcher.deliverer
        dispatcher = Dispatcher(
            app.storage, app.engine.clock, deliverer,  # type: ignore[arg-type]
            DispatchSettings(batch=500, per_second=30.0 if paced else 0.0))
        started = time.perf_counter()
        sent = 0
        while sent < count:
            done = await dispatcher.run_once()
            if done == 0:
                break
            sent += done
        elapsed = time.perf_counter() - started
        calls = [c for c in api.calls if c.method == "sendMessage" and c.ok]
        per_chat = Counter(c.chat_id for c in calls)
        await channel.application.shutdown()
        await app.close()
    await api.stop()
    return {"sent": sent, "calls": len(calls), "elapsed": elapsed,
            "rate": sent / elapsed if elapsed else 0.0,
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            "violations": len(api.violations)}


def main() -> int:
    count = int(os.environ.get("PASSERELLE_BENCH_CHECKINS", "10000"))
    content = ContentSource(ROOT / "content", None)
    print(f"\nDispatcher: {count} due check-ins through the loopback Bot API server")
    fast = asyncio.run(run(count, paced=False, content=content, render_only=True))
    print(f"  own overhead (no HTTP): {fast['sent']:.0f} processed in {fast['elapsed']:.1f} s → "
          f"{1000 * fast['elapsed'] / max(fast['sent'], 1):.2f} ms per message "
          "(claim, build, render, record)")
    paced = asyncio.run(run(count, paced=True, content=content))
    print(f"  pacing on:  {paced['sent']:.0f} sent in {paced['elapsed']:.1f} s → "
          f"{paced['rate']:.1f} messages per second (Telegram allows about 30); "
          f"duplicates {paced['duplicates']:.0f}, spec violations {paced['violations']:.0f}")
    return 0 if fast["sent"] == count and paced["sent"] == count else 1


if __name__ == "__main__":
    sys.exit(main())
