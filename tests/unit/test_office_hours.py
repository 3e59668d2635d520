"""Office hours in Brussels time, with Belgian public holidays."""

from datetime import UTC, datetime

from bot.escalation.office_hours import BRUSSELS, OfficeHours

HOURS = OfficeHours.from_config({"monday": ["09:00-12:00", "13:00-16:00"],
                                 "tuesday": ["09:00-12:00"], "closed": ["2026-12-01"]})


def test_open_within_periods_in_brussels_time() -> None:
    assert HOURS.is_open(datetime(2026, 11, 23, 10, 0, tzinfo=BRUSSELS))
    assert not HOURS.is_open(datetime(2026, 11, 23, 12, 30, tzinfo=BRUSSELS))  # lunch
    assert HOURS.is_open(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # 09:30 in Brussels
    assert not HOURS.is_open(datetime(2026, 11, 25, 10, 0, tzinfo=BRUSSELS))  # no wednesday


def test_next_opening_skips_weekends_holidays_and_closed_days() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=BRUSSELS)
    assert HOURS.next_opening(friday_evening) == datetime(2026, 11, 30, 9, 0, tzinfo=BRUSSELS)
    monday_evening = datetime(2026, 11, 30, 17, 0, tzinfo=BRUSSELS)
    # Tuesday 1 December is closed by configuration: next is Monday 7 December.
    assert HOURS.next_opening(monday_evening) == datetime(2026, 12, 7, 9, 0, tzinfo=BRUSSELS)
    christmas_eve = datetime(2026, 12, 24, 17, 0, tzinfo=BRUSSELS)
    default = OfficeHours.from_config(None)
    assert not default.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=BRUSSELS))  # Christmas
    assert default.next_opening(christmas_eve) == datetime(2026, 12, 28, 9, 0, tzinfo=BRUSSELS)
