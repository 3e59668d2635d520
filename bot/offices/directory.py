"""The offices as the running application sees them: content's offices (they reload with
the content) completed by the deployment's settings (PASSERELLE_WORKERS_CHAT_ID,
[passerelle.office_hours]). Without office files there is one implicit office, so a
single-office deployment needs no configuration and behaves as before.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.people import Person
from bot.escalation.office_hours import OfficeHours
from bot.offices.model import DEFAULT_OFFICE, Office, Offices


class OfficeDirectory:
    def __init__(self, offices: Callable[[], Offices], default_group: int | None = None,
                 default_hours: dict[str, object] | None = None) -> None:
        self._offices = offices
        self._default_group = default_group
        self._default_hours = default_hours
        self._hours: dict[tuple[str, str], OfficeHours] = {}

    @property
    def offices(self) -> Offices:
        configured = self._offices()
        if len(configured):
            return configured
        return Offices((Office(DEFAULT_OFFICE, default=True),))

    @property
    def several(self) -> bool:
        return self.offices.several

    def office_of(self, person: Person | None) -> Office:
        """The person's office; people who did not choose are the default office's."""
        found = self.offices.of(person.office if person else None)
        assert found is not None  # `offices` is never empty
        return found

    def groups(self, office: Office) -> tuple[int, ...]:
        """The office's workers' groups; an office without its own uses the deployment's."""
        if office.groups:
            return office.groups
        return (self._default_group,) if self._default_group is not None else ()

    def all_groups(self) -> frozenset[int]:
        return frozenset(g for office in self.offices.offices for g in self.groups(office))

    def serves(self, group: int, person: Person) -> bool:
        """Whether workers of `group` may see and act for `person` (their office's group)."""
        return group in self.groups(self.office_of(person))

    def offices_of_group(self, group: int) -> tuple[Office, ...]:
        return tuple(o for o in self.offices.offices if group in self.groups(o))

    def hours(self, office: Office) -> OfficeHours:
        config = office.hours if office.hours is not None else self._default_hours
        key = (office.id, repr(config))  # content reloads: a changed file is read again
        if key not in self._hours:
            self._hours[key] = OfficeHours.from_config(config)
        return self._hours[key]

    def hours_of(self, person: Person | None) -> OfficeHours:
        return self.hours(self.office_of(person))

    @property
    def default_group(self) -> int | None:
        return self._default_group
