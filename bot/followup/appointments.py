"""Appointments and their reminders: a confirmation now, the day before, two hours before."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.domain.followup import Appointment
from bot.followup.schedule import BRUSSELS, CheckinPlan

REMINDER = "reminder"


def parse_appointment(text: str) -> tuple[datetime, str] | None:
    """`2026-12-03 14:30 CPAS, rue Royale 1` → (a Brussels-time aware moment, place)."""
    parts = text.split(maxsplit=2)
    if len(parts) < 3:
        return None
    try:
        day = datetime.strptime(f"{parts[0]} {parts[1]}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return day.replace(tzinfo=BRUSSELS), parts[2].strip()


def reminder_times(appointment: Appointment, now: datetime,
                   plan: CheckinPlan | None) -> list[tuple[str, datetime]]:
    """(key, due) of the messages still ahead: confirmation, day before, two hours before."""
    start = appointment.starts_at
    local = start.astimezone(BRUSSELS)
    day_before = datetime.combine(local.date() - timedelta(days=1),
                                  plan.delivery if plan else time(10, 30), BRUSSELS)
    if plan is not None:
        day_before = plan.not_at_night(day_before)
    two_hours = start - timedelta(hours=2)
    if plan is not None:
        two_hours = min(two_hours, start)  # appointments are in the day: no night move needed
    times = [("confirm", now), ("day-before", day_before), ("2h", two_hours)]
    prefix = f"appt-{appointment.id}:"
    return [(prefix + key, due) for key, due in times if due >= now and due < start]
