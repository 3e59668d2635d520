"""The delivery journal: an update handled again after a crash sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.application.deliveries import handling, once, once_in_order
from bot.application.inbox import InboxProcessor
from bot.clock import ManualClock
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_storage

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


async def stored_update(storage: SqlStorage, external_id: int = 1) -> int:
    await storage.receive("telegram", [(external_id, "7000:", "{}")], NOW)
    items = await storage.waiting_updates("telegram")
    return items[-1].id


async def test_a_second_handling_skips_what_the_first_sent() -> None:
    storage = await fresh_storage()
    inbox_id = await stored_update(storage)
    sent: list[str] = []

    async def send(what: str) -> None:
        sent.append(what)

    with handling(storage, inbox_id):
        await once("relay:1", lambda: send("relay"))
        await once_in_order("to-person", lambda: send("answer 1"))
        # the process dies here: "answer 2" was never sent
    with handling(storage, inbox_id):  # after the restart, the same update again
        await once("relay:1", lambda: send("relay"))
        await once_in_order("to-person", lambda: send("answer 1"))
        await once_in_order("to-person", lambda: send("answer 2"))
    assert sent == ["relay", "answer 1", "answer 2"]
    await storage.close()


async def test_outside_an_update_everything_is_sent() -> None:
    sent: list[int] = []

    async def send() -> None:
        sent.append(1)

    assert await once("k", send) and await once("k", send)
    assert sent == [1, 1]


async def test_the_journal_goes_with_its_inbox_row() -> None:
    storage = await fresh_storage()
    first = await stored_update(storage, 1)
    await stored_update(storage, 2)

    async def nothing() -> None:
        return None

    with handling(storage, first):
        await once("reply:0", nothing)
    await storage.update_handled(first, NOW)
    assert await storage.prune_inbox("telegram", NOW) == 0, "handled a moment ago: kept"
    assert await storage.receive("telegram", [(1, "7000:", "{}")], NOW) == 0, "seen: once"
    assert await storage.prune_inbox("telegram", NOW + timedelta(days=1)) == 1
    assert [tuple(row) for row in await storage.query("SELECT COUNT(*) FROM deliveries")] == [(0,)]
    await storage.close()


async def test_the_inbox_processor_handles_each_update_inside_its_journal() -> None:
    storage = await fresh_storage()
    await stored_update(storage)
    calls: list[bool] = []

    async def handler(_item: object) -> None:
        calls.append(await once("reply:0", _noop))

    async def _noop() -> None:
        return None

    processor = InboxProcessor(storage, ManualClock(NOW), "telegram", handler)
    await processor._queue_new()
    for task in list(processor._workers.values()):
        await task
    inbox_id = (await storage.query("SELECT id FROM inbox"))[0][0]
    assert calls == [True]
    assert await storage.delivered(int(inbox_id), "reply:0")
    await storage.close()
