"""`make bench` (part 2): the shipped outbox loop through the loopback Bot API server.

Runs exactly what `passerelle run` runs: the Telegram channel started by `start()`, whose
jobs drive `Dispatcher.run` (the shipped loop, real clock, default settings), against the
loopback Bot API server. Two workloads, read back from the database:
- burst: N check-ins due at once → messages per second (Telegram allows about 30) and
  how late the last one is;
- steady: check-ins falling due at 20 a second → p50/p99 lateness against the due time.
Every message must arrive exactly once. PASSERELLE_BENCH_CHECKINS sets N (default 3000).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bootstrap import build, telegram_channel  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content.source import ContentSource  # noqa: E402
from bot.storage.unit_of_work import from_utc_text, utc_text  # noqa: E402
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi  # noqa: E402


def seed(db_file: Path, due: list[datetime]) -> None:
    """One consented participant per due time, each with one check-in (bulk SQL)."""
    stamp = utc_text(datetime.now(UTC))
    with sqlite3.connect(db_file) as db:
        db.executemany(
            "INSERT INTO people (channel, address, language, created_at, last_seen_at)"
            " VALUES ('telegram', ?, 'fr', ?, ?)",
            [(str(100000 + i), stamp, stamp) for i in range(len(due))])
        db.execute("INSERT INTO participants (person_id, programme_end, consented_at)"
                   " SELECT id, '2026-11-20', 'yes' FROM people")
        db.executemany("INSERT INTO outbox (person_id, kind, key, due_at)"
                       " VALUES (?, 'checkin', 'week-2', ?)",
                       [(i + 1, utc_text(at)) for i, at in enumerate(due)])


def read_back(db_file: Path) -> tuple[int, list[float], datetime | None]:
    with sqlite3.connect(db_file) as db:
        rows = db.execute("SELECT due_at, sent_at FROM outbox WHERE status = 'sent'").fetchall()
    late = [(from_utc_text(s) - from_utc_text(d)).total_seconds() for d, s in rows]
    last = max((from_utc_text(s) for _d, s in rows), default=None)
    return len(rows), late, last


async def run(name: str, due_times: list[datetime], content: ContentSource) -> dict[str, float]:
    api = FakeBotApi()
    await api.start()
    count = len(due_times)
    with tempfile.TemporaryDirectory() as folder:
        db_file = Path(folder) / "bench.sqlite3"
        settings = Settings(telegram_token=TEST_TOKEN, telegram_base_url=api.base_url,
                            telegram_base_file_url=api.base_file_url, db_path=db_file)
        app = await build(settings, content=content)
        seed(db_file, due_times)
        channel = telegram_channel(app)
        started = time.perf_counter()
        await channel.start()
        assert app.dispatcher is not None
        app.dispatcher.wake()
        deadline = time.monotonic() + count / 10 + 60
        while time.monotonic() < deadline:
            sent, _late, _last = read_back(db_file)
            if sent >= count:
                break
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - started
        await channel.stop()
        await app.close()
        sent, late, last = read_back(db_file)
    calls = [c for c in api.calls if c.method == "sendMessage" and c.ok]
    per_chat = Counter(c.chat_id for c in calls)
    await api.stop()
    span = (last - min(due_times)).total_seconds() if last else elapsed
    late.sort()
    return {"sent": sent, "count": count, "rate": sent / span if span else 0.0,
            "p50": statistics.median(late) if late else 0.0,
            "p99": late[int(0.99 * (len(late) - 1))] if late else 0.0,
            "max": late[-1] if late else 0.0,
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            "arrived": len(per_chat), "violations": len(api.violations)}


def main() -> int:
    count = int(os.environ.get("PASSERELLE_BENCH_CHECKINS", "3000"))
    content = ContentSource(ROOT / "content", None)
    print("\nOutbox: the shipped dispatcher loop (passerelle run's jobs) through the loopback "
          "Bot API server")
    now = datetime.now(UTC) + timedelta(seconds=2)
    burst = asyncio.run(run("burst", [now] * count, content))
    print(f"  burst, {count} due at once: {burst['sent']:.0f} sent, {burst['rate']:.1f} "
          f"messages/s (Telegram allows about 30); last one {burst['max']:.0f} s after its due "
          f"time; arrived {burst['arrived']:.0f}, duplicates {burst['duplicates']:.0f}, "
          f"spec violations {burst['violations']:.0f}")
    steady_count = max(count // 3, 1)
    start = datetime.now(UTC) + timedelta(seconds=3)
    steady = asyncio.run(run("steady", [start + timedelta(seconds=i / 20)
                                        for i in range(steady_count)], content))
    print(f"  steady, {steady_count} falling due at 20/s: lateness p50 {steady['p50']:.2f} s, "
          f"p99 {steady['p99']:.2f} s, max {steady['max']:.2f} s; duplicates "
          f"{steady['duplicates']:.0f}, spec violations {steady['violations']:.0f}")
    ok = all(r["sent"] == r["count"] == r["arrived"] and r["duplicates"] == 0
             for r in (burst, steady))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
