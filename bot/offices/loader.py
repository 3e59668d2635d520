"""Read `content/offices/<id>.yaml` into Offices, with a clear message for each mistake.

Editors change these files (hours, a new phone number, a closed day), so every problem
names the file and line, says what is wrong and how to write it instead. The whole list
is collected in one pass, like the rest of the content check.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from bot.content.model import Problem
from bot.offices.model import DETAILS_TOPICS, Office, Offices

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KNOWN = {"name", "workers_groups", "hours", "closed", "address", "phone", "languages",
         "postcodes", "details_on", "default"}
OFFICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")  # fits `/start office-<id>` and buttons
POSTCODE = re.compile(r"^[1-9][0-9]{3}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ./]{5,20}$")
SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")
FORMAT = "see docs/content-format.md, section Offices"


class _Loader(yaml.SafeLoader):
    """Dates stay text, so `2026-02-30` is reported on its line, not a crash of the file."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers
            if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load_offices(folder: Path, languages: Collection[str], topic_ids: Collection[str],
                 problems: list[Problem]) -> Offices:
    """Every office file of `folder` (none: a single-office deployment, no problem)."""
    if not folder.is_dir():
        return Offices()
    offices: list[Office] = []
    for path in sorted(folder.glob("*.yaml")):
        office = _load_office(path, languages, topic_ids, problems)
        if office is not None:
            offices.append(office)
    _cross_check(folder, offices, problems)
    return Offices(tuple(offices))


def _load_office(path: Path, languages: Collection[str], topic_ids: Collection[str],
                 problems: list[Problem]) -> Office | None:
    def problem(field_name: str | None, message: str, hint: str = FORMAT) -> None:
        line = _line_of(path, f"{field_name}:") if field_name else 1
        problems.append(Problem(path, line, message, hint))

    if not OFFICE_ID.match(path.stem):
        problem(None, f"'{path.stem}' cannot be an office id",
                "name the file with lowercase letters, digits and '-', at most 31 "
                "characters, e.g. cpas-liege.yaml")
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        problem(None, "the file is not saved as UTF-8 text", "save it again as UTF-8")
        return None
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        problems.append(Problem(path, line, "not valid YAML (" + str(error).splitlines()[0]
                                + ")", "check quotes and indentation"))
        return None
    if not isinstance(data, dict):
        problem(None, "an office file must be 'field: value' lines")
        return None
    for name in data:
        if name not in KNOWN:
            problem(str(name), f"unknown field '{name}'",
                    "remove it or check its spelling; known: " + ", ".join(sorted(KNOWN)))
    names = _names(data.get("name"))
    if not names:
        problem("name", "the office has no name",
                "write name: CPAS de Liège (or one name per language: fr: …, nl: …)")
    groups = _groups(data.get("workers_groups"), problem)
    hours = _hours(data.get("hours"), data.get("closed"), problem)
    phone = str(data.get("phone") or "").strip()
    if phone and not PHONE.match(phone):
        problem("phone", f"'{phone}' is not a phone number",
                "write digits and spaces only, e.g. 04 220 58 11 or +32 4 220 58 11")
    offered = _strings(data.get("languages"))
    for code in offered:
        if code not in languages:
            problem("languages", f"'{code}' is not a content language",
                    "use folder names of content/, e.g. fr, nl, ar")
    postcodes = tuple(str(p) for p in _strings(data.get("postcodes")))
    for code in postcodes:
        if not POSTCODE.match(code):
            problem("postcodes", f"'{code}' is not a Belgian postcode",
                    "write four digits, e.g. 4000")
    details = _strings(data.get("details_on")) if "details_on" in data else DETAILS_TOPICS
    for topic_id in details:
        if topic_id not in topic_ids:
            problem("details_on", f"'{topic_id}' is not a topic of content/topics.yaml",
                    "list topic ids, e.g. contact-social-worker")
    default = data.get("default", False)
    if not isinstance(default, bool):
        problem("default", "default must be true or false")
        default = False
    return Office(id=path.stem, names=names, groups=groups, hours=hours,
                  address=" ".join(str(data.get("address") or "").split()), phone=phone,
                  languages=offered, postcodes=postcodes, details_on=details,
                  default=default)


def _names(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v).strip() for k, v in value.items() if str(v or "").strip()}
    text = str(value or "").strip()
    return {"": text} if text else {}


def _groups(value: Any, problem: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    raw = value if isinstance(value, list) else [value]
    groups: list[int] = []
    for item in raw:
        text = str(item).strip()
        if not re.fullmatch(r"-100[0-9]{5,13}|-[0-9]{1,13}", text):
            problem("workers_groups", f"'{text}' is not a Telegram group id",
                    "a supergroup id is negative, e.g. -1001234567890; the bot prints it "
                    "in the log when it is added to the group")
            continue
        groups.append(int(text))
    return tuple(groups)


def _hours(value: Any, closed: Any, problem: Any) -> dict[str, object] | None:
    """The shape OfficeHours.from_config reads; None when the file gives neither."""
    if value is None and closed is None:
        return None
    config: dict[str, object] = {}
    if value is not None and not isinstance(value, dict):
        problem("hours", "hours must list weekdays, one per line",
                "write monday: [\"09:00-12:00\", \"13:00-16:00\"]")
        value = {}
    for day, spans in (value or {}).items():
        if str(day).lower() not in WEEKDAYS:
            problem("hours", f"'{day}' is not a weekday",
                    "write the day in English: " + ", ".join(WEEKDAYS))
            continue
        good: list[str] = []
        for span in spans if isinstance(spans, list) else [spans]:
            match = SPAN.match(str(span))
            start = end = None
            if match:
                try:
                    start, end = (time.fromisoformat(t.zfill(5)) for t in match.groups())
                except ValueError:
                    start = end = None
            if start is None or end is None or start >= end:
                problem("hours", f"'{span}' on {day} is not an opening period",
                        "write it as \"09:00-12:00\" (start before end, 24-hour clock)")
                continue
            good.append(f"{start:%H:%M}-{end:%H:%M}")
        config[str(day).lower()] = good
    dates: list[str] = []
    for item in closed if isinstance(closed, list) else ([closed] if closed else []):
        try:
            dates.append(date.fromisoformat(str(item)).isoformat())
        except ValueError:
            problem("closed", f"'{item}' is not a date", "write closed days as 2026-12-24")
    config["closed"] = dates
    return config


def _cross_check(folder: Path, offices: list[Office], problems: list[Problem]) -> None:
    """What needs every office: a group or a postcode in two offices, two defaults."""
    seen_groups: dict[int, str] = {}
    seen_codes: dict[str, str] = {}
    for office in offices:
        path = folder / f"{office.id}.yaml"
        for group in office.groups:
            other = seen_groups.setdefault(group, office.id)
            if other != office.id:
                problems.append(Problem(path, _line_of(path, "workers_groups:"),
                                        f"the workers' group {group} is also {other}'s",
                                        "each office needs its own group: its workers must "
                                        "not see another office's people"))
        for code in office.postcodes:
            other = seen_codes.setdefault(code, office.id)
            if other != office.id:
                problems.append(Problem(path, _line_of(path, "postcodes:"),
                                        f"postcode {code} is also {other}'s",
                                        "a postcode belongs to one office"))
    if len(offices) > 1:
        for office in offices:
            if not office.groups:
                path = folder / f"{office.id}.yaml"
                problems.append(Problem(path, 1, f"{office.id} has no workers_groups: its "
                                        "people's requests go to PASSERELLE_WORKERS_CHAT_ID "
                                        "(and cannot reach anyone without it)",
                                        "add workers_groups: [-100…] with the office's own "
                                        "group", "warning"))
    defaults = [o.id for o in offices if o.default]
    if len(defaults) > 1:
        problems.append(Problem(folder, 1, "several offices say default: true ("
                                + ", ".join(defaults) + ")", "keep it in one office"))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(item).strip() for item in items if str(item).strip())


def _line_of(path: Path, needle: str) -> int:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(needle):
                return number
    except (OSError, UnicodeDecodeError):
        pass
    return 1
