"""The check-in plan (content/checkins.yaml) and when each check-in is due.

Fire times follow RapidPro's campaign events (mailroom): a date field (the programme's end
date), an offset, a delivery hour, in the person's time zone (Europe/Brussels); events
already in the past when a person enrols are skipped, never sent late in a burst; when
the date changes, unsent events are recomputed. Nothing is ever sent at night.

Offsets: `offset_days: 14`, or `offset: 2w` / `30d` / `3mo` (from the end date, at the
delivery hour), or `offset: 2h` / `10min` — counted from the moment the person agrees, so
a short pilot (or a test with its own PASSERELLE_CONTENT) sees check-ins within minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

BRUSSELS = ZoneInfo("Europe/Brussels")
PLAN_FILE = "checkins.yaml"


OFFSET = re.compile(r"^\s*(\d+)\s*(min|h|d|w|mo)\s*$")
DAYS_PER = {"d": 1, "w": 7, "mo": 30}


@dataclass(frozen=True)
class Checkin:
    key: str
    offset_days: int
    questions: tuple[str, ...]
    offset_soon: timedelta | None = None  # hours/minutes after consent, for pilots


def parse_offset(text: str) -> tuple[int, timedelta | None]:
    """`2w` → (14, None); `2h` → (0, 2 hours). Raises ValueError in an editor's words."""
    found = OFFSET.match(text)
    if found is None:
        raise ValueError(f"offset '{text}' is not like 14d, 2w, 3mo, 2h or 10min")
    amount, unit = int(found.group(1)), found.group(2)
    if unit == "min":
        return 0, timedelta(minutes=amount)
    if unit == "h":
        return 0, timedelta(hours=amount)
    return amount * DAYS_PER[unit], None


@dataclass(frozen=True)
class CheckinPlan:
    delivery: time
    quiet_from: time
    quiet_until: time
    checkins: tuple[Checkin, ...]
    questions: dict[str, dict[str, str]]

    def fire_time(self, programme_end: date, checkin: Checkin) -> datetime:
        """End date + offset, at the delivery hour in Brussels (DST-correct), as UTC."""
        day = programme_end + timedelta(days=checkin.offset_days)
        local = datetime.combine(day, self.delivery, BRUSSELS)
        return self.not_at_night(local).astimezone(UTC)

    def not_at_night(self, moment: datetime) -> datetime:
        """Move a moment inside quiet hours to the next morning's `quiet_until`."""
        local = moment.astimezone(BRUSSELS)
        clock = local.time()
        if self.quiet_from <= self.quiet_until:
            quiet = self.quiet_from <= clock < self.quiet_until
        else:
            quiet = clock >= self.quiet_from or clock < self.quiet_until
        if not quiet:
            return moment
        day = local.date() if clock < self.quiet_until else local.date() + timedelta(days=1)
        return datetime.combine(day, self.quiet_until, BRUSSELS)

    def schedule(self, programme_end: date, now: datetime) -> list[tuple[Checkin, datetime]]:
        """Check-ins still ahead of `now`; those already past are skipped."""
        due = [(c, self.not_at_night(now + c.offset_soon).astimezone(UTC)
                if c.offset_soon is not None else self.fire_time(programme_end, c))
               for c in self.checkins]
        return sorted(((c, at) for c, at in due if at > now), key=lambda pair: pair[1])

    def checkin(self, key: str) -> Checkin | None:
        return next((c for c in self.checkins if c.key == key), None)

    def question(self, key: str, chain: tuple[str, ...]) -> tuple[str, str]:
        """(text, language it is in) along the person's fallback chain."""
        texts = self.questions.get(key, {})
        for lang in chain:
            if lang in texts:
                return texts[lang], lang
        return next(iter(texts.values()), key), "fr"


def load_plan(content_dir: Path) -> CheckinPlan | None:
    path = content_dir / PLAN_FILE
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    quiet = data.get("quiet_hours", {})
    return CheckinPlan(
        delivery=time.fromisoformat(str(data.get("delivery_hour", "10:30"))),
        quiet_from=time.fromisoformat(str(quiet.get("from", "20:00"))),
        quiet_until=time.fromisoformat(str(quiet.get("until", "09:00"))),
        checkins=tuple(_checkin(c) for c in data.get("checkins", [])),
        questions={str(k): {str(lang): str(text) for lang, text in v.items()}
                   for k, v in (data.get("questions") or {}).items()},
    )


def _checkin(entry: dict[str, object]) -> Checkin:
    questions = tuple(str(q) for q in entry.get("questions", ()) or ())  # type: ignore[attr-defined]
    if "offset" in entry:
        days, soon = parse_offset(str(entry["offset"]))
    else:
        days, soon = int(str(entry["offset_days"])), None
    return Checkin(str(entry["key"]), days, questions, soon)
