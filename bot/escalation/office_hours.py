"""Office hours of the social workers, in Europe/Brussels, with Belgian public holidays.

Why here and not in the channel: the newcomer must be told *when* a worker will answer,
and a waiting ticket is only "late" while the office is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOURS = {day: (("09:00", "12:00"), ("13:00", "16:00")) for day in WEEKDAYS[:5]}


@dataclass(frozen=True)
class OfficeHours:
    """Opening periods per weekday; closed on Belgian public holidays and extra dates."""

    periods: dict[int, tuple[tuple[time, time], ...]]
    extra_closed: frozenset[date] = field(default_factory=frozenset)
    country: str = "BE"

    @classmethod
    def from_config(cls, config: dict[str, object] | None) -> OfficeHours:
        """`{"monday": ["09:00-12:00", "13:00-16:00"], ..., "closed": ["2026-12-24"]}`."""
        config = config or {}
        # Days named in the configuration replace the defaults; a day not named is closed.
        defaults = {} if any(day in config for day in WEEKDAYS) else DEFAULT_HOURS
        periods: dict[int, tuple[tuple[time, time], ...]] = {}
        for index, day in enumerate(WEEKDAYS):
            raw = config.get(day, defaults.get(day, ()))
            spans = []
            for span in raw if isinstance(raw, list | tuple) else ():
                start, end = (span.split("-") if isinstance(span, str) else span)
                spans.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
            periods[index] = tuple(spans)
        closed = config.get("closed", [])
        extra = frozenset(date.fromisoformat(str(d)) for d in closed) if isinstance(
            closed, list) else frozenset()
        return cls(periods, extra)

    def _closed_day(self, day: date) -> bool:
        return day in self.extra_closed or day in holidays.country_holidays(
            self.country, years=day.year)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(BRUSSELS)
        if self._closed_day(local.date()):
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.periods.get(local.weekday(), ()))

    def next_opening(self, moment: datetime) -> datetime:
        """When a worker is next in (now if open), within the next 30 days."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(BRUSSELS)
        for offset in range(0, 31):
            day = local.date() + timedelta(days=offset)
            if self._closed_day(day):
                continue
            for start, _end in self.periods.get(day.weekday(), ()):
                candidate = datetime.combine(day, start, BRUSSELS)
                if candidate > local:
                    return candidate
        return local + timedelta(days=1)
