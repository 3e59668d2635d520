"""The real `passerelle run` process, killed with SIGKILL and stopped with SIGTERM.

Counts at the loopback Bot API what was promised (relays both ways, an appointment's
.ics file) and what arrived: nothing may be lost across kills (`make chaos` does 100).
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
import time
from pathlib import Path

from tests.fakes.botapi_server import FakeBotApi
from tools.chaos import WORKERS, Bot, run_chaos


async def test_killed_three_times_during_a_workload_nothing_promised_is_lost() -> None:
    result = await run_chaos(kills=3, people_count=3, messages=3, seed=8)
    assert result.promised == 3 * 3 * 2 + 3
    assert result.lost == 0, result.details
    assert "exit code after SIGTERM: 0" in result.details


async def test_sigterm_stops_within_five_seconds_cleanly() -> None:
    api = FakeBotApi(long_poll_cap=30.0)  # a long poll is in flight when the signal comes
    await api.start()
    api.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    try:
        with tempfile.TemporaryDirectory() as name:
            bot = Bot(api, Path(name))
            await bot.start()
            await api.wait_for("setMyCommands", lambda c: c.ok, timeout=60)
            await asyncio.sleep(1.0)  # its first long poll (up to 25 s) is now waiting
            assert bot.process is not None
            started = time.monotonic()
            bot.process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(bot.process.wait(), timeout=5)
            assert code == 0 and time.monotonic() - started < 5
            bot.log.close()
            log = (Path(name) / "bot.log").read_text(encoding="utf-8", errors="replace")
            assert "Traceback" not in log and "stopped cleanly" in log
    finally:
        await api.stop()
