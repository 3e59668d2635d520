"""The check-in plan (content/checkins.yaml) and when each check-in is due.

Fire times follow RapidPro's campaign events (mailroom): a date field (the programme's end
date), an offset, a delivery hour, in the person's time zone (Europe/Brussels); events
already in the past when a person enrols are skipped, never sent late in a burst; when
the date changes, unsent events are recomputed. Nothing is ever sent at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

BRUSSELS = ZoneInfo("Europe/Brussels")
PLAN_FILE = "checkins.yaml"


@dataclass(frozen=True)
class Checkin:
    key: str
    offset_days: int
    questions: tuple[str, ...]


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
        due = [(c, self.fire_time(programme_end, c)) for c in self.checkins]
        return [(c, at) for c, at in due if at > now]

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
        checkins=tuple(Checkin(str(c["key"]), int(c["offset_days"]),
                               tuple(str(q) for q in c.get("questions", ())))
                       for c in data.get("checkins", [])),
        questions={str(k): {str(lang): str(text) for lang, text in v.items()}
                   for k, v in (data.get("questions") or {}).items()},
    )
