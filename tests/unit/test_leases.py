"""Leases: two processes on one database share the inbox and the jobs, each update once.

Each "process" here is its own storage connection to the same database (a file on
SQLite, the same schema on PostgreSQL) with its own lease owner, as two real processes
would have. The real kill -9 of several processes is in tests/e2e/test_processes.py.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.application import inbox as inbox_module
from bot.application.inbox import InboxProcessor
from bot.application.jobs import Jobs
from bot.application.leases import Leases, owner_name
from bot.clock import ManualClock
from bot.domain.inbox import InboxItem
from bot.storage import open_storage
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_database

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


async def two_connections(tmp_path: Path) -> tuple[SqlStorage, SqlStorage]:
    where = await fresh_database(tmp_path / "shared.sqlite3")
    return await open_storage(where), await open_storage(where)


async def test_a_lease_is_held_by_one_owner_until_it_runs_out(tmp_path: Path) -> None:
    first, second = await two_connections(tmp_path)
    clock = ManualClock(NOW)
    a, b = Leases(first, clock, "a"), Leases(second, clock, "b")
    assert await a.take("job:retention")
    assert not await b.take("job:retention")
    assert await a.take("job:retention")  # renewing is taking again
    clock.advance(timedelta(seconds=11))  # a died: nobody renewed it
    assert await b.take("job:retention")
    assert not await a.take("job:retention")
    await b.release("job:retention")
    assert await a.take("job:retention")
    assert await a.release_all() == 1
    await first.close()
    await second.close()


def test_owner_names() -> None:
    assert owner_name("passerelle@2", shared_database=True) == "passerelle@2"
    assert owner_name(None, shared_database=False) == "local"  # a restart resumes at once
    assert owner_name(None, True) != owner_name(None, True)


async def test_two_processes_handle_every_update_once_and_each_lane_in_order(
        tmp_path: Path) -> None:
    first, second = await two_connections(tmp_path)
    clock = ManualClock(NOW)
    handled: dict[str, list[tuple[str, int]]] = defaultdict(list)
    lanes = [f"{7000 + n}:" for n in range(8)]
    updates = [(k, lanes[k % len(lanes)], "{}") for k in range(1, 161)]
    await first.receive("telegram", updates, NOW)

    def handler(name: str):  # type: ignore[no-untyped-def]
        async def handle(item: InboxItem) -> None:
            await asyncio.sleep(0.002)  # a reply takes a moment: the other process runs
            handled[item.lane].append((name, item.external_id))
        return handle

    processes = [
        InboxProcessor(storage, clock, "telegram", handler(name), idle_poll=0.05,
                       leases=Leases(storage, clock, name))
        for name, storage in (("a", first), ("b", second))]
    for k, lane in enumerate(lanes):  # each got to half of the lanes first
        owner, storage = (("a", first), ("b", second))[k % 2]
        assert await Leases(storage, clock, owner).take(f"lane:telegram:{lane}")
    stop = asyncio.Event()
    running = [asyncio.create_task(p.run(stop)) for p in processes]
    for _ in range(400):
        if sum(len(v) for v in handled.values()) >= len(updates):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*running)
    ids = [external for lane in handled.values() for _name, external in lane]
    assert sorted(ids) == list(range(1, 161)), "lost or doubled"
    for lane, seen in handled.items():
        numbers = [external for _name, external in seen]
        assert numbers == sorted(numbers), f"lane {lane} out of order"
    assert {name for seen in handled.values() for name, _ in seen} == {"a", "b"}
    await first.close()
    await second.close()


async def test_a_dead_process_lanes_are_taken_over_after_the_lease(tmp_path: Path) -> None:
    first, second = await two_connections(tmp_path)
    clock = ManualClock(NOW)
    await first.receive("telegram", [(1, "7000:", "{}"), (2, "7000:", "{}")], NOW)
    dead = Leases(first, clock, "dead")
    assert await dead.take("lane:telegram:7000:")  # it held the lane, then was killed
    seen: list[int] = []

    async def handle(item: InboxItem) -> None:
        seen.append(item.external_id)

    survivor = InboxProcessor(second, clock, "telegram", handle, idle_poll=0.05,
                              leases=Leases(second, clock, "survivor"))
    stop = asyncio.Event()
    task = asyncio.create_task(survivor.run(stop))
    await asyncio.sleep(0.3)
    assert seen == [], "taken while the dead process's lease still ran"
    clock.advance(timedelta(seconds=11))
    for _ in range(100):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert seen == [1, 2]
    await first.close()
    await second.close()


async def test_a_periodic_job_runs_in_one_process_at_a_time(tmp_path: Path) -> None:
    first, second = await two_connections(tmp_path)
    clock = ManualClock(NOW)
    ticks: list[str] = []

    class NoDispatcher:
        async def run(self, stop: asyncio.Event) -> None:
            await stop.wait()

    def tick(name: str):  # type: ignore[no-untyped-def]
        async def run() -> int:
            ticks.append(name)
            return 0
        return run

    every = timedelta(seconds=0.05)
    jobs = [Jobs(NoDispatcher(), [("retention", tick(name), every)],  # type: ignore[arg-type]
                 leases=Leases(storage, clock, name))
            for name, storage in (("a", first), ("b", second))]
    stop = asyncio.Event()
    running = [asyncio.create_task(j.run(stop)) for j in jobs]
    await asyncio.sleep(0.6)
    stop.set()
    await asyncio.gather(*running)
    assert len(ticks) >= 3 and len(set(ticks)) == 1, ticks
    await first.close()
    await second.close()


async def test_a_process_with_many_busy_lanes_leaves_new_ones_to_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_module, "LANES_PER_PROCESS", 2)
    first, second = await two_connections(tmp_path)
    clock = ManualClock(NOW)
    release = asyncio.Event()
    who: dict[str, str] = {}

    def handler(name: str):  # type: ignore[no-untyped-def]
        async def handle(item: InboxItem) -> None:
            who[item.lane] = name
            await release.wait()  # a slow reply: the lane stays busy
        return handle

    a = InboxProcessor(first, clock, "telegram", handler("a"), idle_poll=0.05,
                       leases=Leases(first, clock, "a"))
    stop = asyncio.Event()
    running = [asyncio.create_task(a.run(stop))]
    await first.receive("telegram", [(1, "7001:", "{}"), (2, "7002:", "{}")], NOW)
    a.wake()
    for _ in range(100):
        if len(who) == 2:
            break
        await asyncio.sleep(0.02)
    b = InboxProcessor(second, clock, "telegram", handler("b"), idle_poll=0.05,
                       leases=Leases(second, clock, "b"))
    running.append(asyncio.create_task(b.run(stop)))
    await first.receive("telegram", [(3, "7003:", "{}")], NOW)
    a.wake()
    for _ in range(100):
        if len(who) == 3:
            break
        await asyncio.sleep(0.02)
    release.set()
    stop.set()
    await asyncio.gather(*running)
    assert who == {"7001:": "a", "7002:": "a", "7003:": "b"}
    await first.close()
    await second.close()
