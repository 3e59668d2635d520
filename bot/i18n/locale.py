"""Locale facts from babel's CLDR data: language names, text direction, dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton

BRUSSELS = ZoneInfo("Europe/Brussels")


def native_name(code: str) -> str:
    """The language's name written in that language (ትግርኛ, العربية), capitalised."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def is_rtl(code: str) -> bool:
    return Locale.parse(code).text_direction == "rtl"


def format_day(day: date, code: str) -> str:
    """An unambiguous date (month written out): '22 nov. 2026', '22 نوفمبر 2026'."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=BRUSSELS)
    return format_skeleton("yMMMd", moment, locale=code)


def format_moment(moment: datetime, code: str) -> str:
    """Weekday, date and time in Brussels time: month written out, 24-hour clock.

    Skeletons, not fixed patterns: a locale's short pattern can be ambiguous (3/12).
    Date and time are formatted apart because not every locale has a combined skeleton.
    """
    local = moment.astimezone(BRUSSELS)
    day = format_skeleton("yMMMEd", local, tzinfo=BRUSSELS, locale=code)
    return f"{day}, {format_skeleton('Hm', local, tzinfo=BRUSSELS, locale=code)}"


def weekday_name(index: int, code: str) -> str:
    """Monday is 0: 'lundi', 'maandag', 'الاثنين' (CLDR's wide stand-alone names)."""
    from babel.dates import get_day_names

    return str(get_day_names("wide", context="stand-alone", locale=code)[index])
