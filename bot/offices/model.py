"""An office (a CPAS/OCMW) as editors describe it in `content/offices/<id>.yaml`.

Plain frozen data: the loader validates it, the conversation shows its details, the
workers' side routes to its groups. No office file at all is one implicit office.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_OFFICE = "default"  # the implicit office of a single-office deployment
# Answers that show the person's office details (hours, address, phone) under them,
# unless the office file lists its own `details_on`.
DETAILS_TOPICS = ("contact-social-worker", "first-appointment", "reschedule-or-cancel",
                  "documents-to-bring")


@dataclass(frozen=True)
class Office:
    id: str
    names: dict[str, str] = field(default_factory=dict)  # per language; "" key: any
    groups: tuple[int, ...] = ()  # workers' Telegram groups; empty: the deployment's one
    hours: dict[str, object] | None = None  # OfficeHours.from_config shape; None: default
    address: str = ""
    phone: str = ""
    languages: tuple[str, ...] = ()  # offered; empty: every content language
    postcodes: tuple[str, ...] = ()
    details_on: tuple[str, ...] = DETAILS_TOPICS
    default: bool = False  # serves people who did not choose

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("") or next(
            iter(self.names.values()), self.id)


@dataclass(frozen=True)
class Offices:
    """Every office of the deployment, in file order (the first is the default unless
    one says `default: true`)."""

    offices: tuple[Office, ...] = ()

    def __len__(self) -> int:
        return len(self.offices)

    @property
    def several(self) -> bool:
        return len(self.offices) > 1

    def get(self, office_id: str | None) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)

    @property
    def default(self) -> Office | None:
        return next((o for o in self.offices if o.default), None) or (
            self.offices[0] if self.offices else None)

    def of(self, office_id: str | None) -> Office | None:
        """The office a person with `office_id` (None: not chosen) belongs to."""
        return self.get(office_id) or self.default

    def by_postcode(self, postcode: str) -> Office | None:
        return next((o for o in self.offices if postcode in o.postcodes), None)

    def serving_group(self, chat_id: int) -> tuple[Office, ...]:
        return tuple(o for o in self.offices if chat_id in o.groups)
