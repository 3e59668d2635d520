"""An appointment as an .ics file, so a phone can add it to its calendar in one tap.

icalendar writes RFC 5545 (time zones, escaping, line folding) so we do not hand-write it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot.domain.followup import Appointment
from bot.followup.schedule import BRUSSELS


def appointment_ics(appointment: Appointment, summary: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Passerelle//appointments//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@passerelle")
    event.add("dtstamp", now)
    start = appointment.starts_at.astimezone(BRUSSELS)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=1))
    event.add("summary", summary)
    event.add("location", appointment.place)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
