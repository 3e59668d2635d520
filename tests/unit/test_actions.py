"""Button data: written in one place, read back defensively, always within 64 bytes."""

from __future__ import annotations

import pytest

from bot.domain.actions import Act, Action, encode, parse


def test_what_is_written_reads_back() -> None:
    assert parse(encode(Act.CHECKIN, 12, 0, "help")) == Action(Act.CHECKIN, ("12", "0", "help"))
    assert parse(encode(Act.MENU)) == Action(Act.MENU)
    assert parse(encode(Act.FEEDBACK, "rental-deposit", 1)).value == "rental-deposit:1"  # type: ignore[union-attr]


def test_forged_stale_or_oversized_data_is_refused_not_raised() -> None:
    assert parse("w:claim:1") is None and parse("drop table") is None and parse("") is None
    assert parse("topic:" + "x" * 80) is None
    with pytest.raises(ValueError):
        encode(Act.TOPIC, "x" * 80)
    with pytest.raises(ValueError):
        encode(Act.ABOUT, "a:b")
