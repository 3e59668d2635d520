"""Two real `passerelle run` processes on one PostgreSQL database, each killed with
SIGKILL at random moments: every promised message arrives exactly once at the Bot API.

Runs in `make test`'s PostgreSQL pass (several processes need a shared server; SQLite is
one process). `tools/throwaway_postgres.py -- python tools/chaos.py --processes 2` does
the same with 100 kills.
"""

from __future__ import annotations

import pytest

from tests.databases import on_postgres
from tools.chaos import run_chaos

pytestmark = pytest.mark.skipif(not on_postgres(),
                                reason="several processes share a PostgreSQL database: "
                                       "this runs in make test's PostgreSQL pass")


async def test_two_processes_killed_in_turn_neither_lose_nor_double() -> None:
    result = await run_chaos(kills=4, people_count=4, messages=3, seed=13, processes=2)
    assert result.promised == 4 * 3 * 2 + 4
    assert result.lost == 0, result.details
    assert result.doubled == 0, result.details
    assert "exit code after SIGTERM: 0, 0" in result.details
