"""The office part of a conversation: which office (CPAS/OCMW) a person belongs to, and
that office's details under the answers that need them.

The office is chosen by an office link (`/start office-<id>`, the web point's
`/o/<id>/`), by an enrolment link (its office), by postcode, or with buttons asked once
after the language when the deployment has several offices; `/office` and the menu's
🏢 button change it. With one office nothing here is ever shown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.conversation.flow import Part, Result
from bot.domain.actions import Act, encode
from bot.domain.messages import Button, Reply
from bot.domain.people import Person
from bot.i18n.locale import format_day, weekday_name
from bot.offices.directory import OfficeDirectory
from bot.offices.loader import POSTCODE
from bot.offices.model import Office

PENDING = "choose-office"
LINK_PREFIX = "office-"  # /start office-<id>
CLOSED_AHEAD = timedelta(days=45)  # closed days shown this far ahead


class OfficeFlow(Part):
    @property
    def offices(self) -> OfficeDirectory:
        assert self._context.offices is not None
        return self._context.offices

    def office_id(self, person: Person) -> str:
        """The office whose local answers and details the person gets."""
        return self.offices.office_of(person).id

    def offered(self, person: Person) -> tuple[str, ...]:
        """The languages the person's office offers (empty: all)."""
        return self.offices.office_of(person).languages

    # -- choosing -------------------------------------------------------------------------

    def picker(self, person: Person, language: str, text: str | None = None) -> Reply:
        _ = self.replies.gettext(language)
        current = person.office
        buttons = tuple(
            (Button(("✓ " if office.id == current else "") + office.name(language),
                    encode(Act.OFFICE, office.id)),)
            for office in self.offices.offices.offices)
        prompt = text or _("Which office helps you? Choose below, or write your postcode.")
        return self.replies.text(language, "🏢 " + prompt, buttons)

    def ask(self, person: Person, language: str) -> Result:
        return [self.picker(person, language)], replace(person, pending=PENDING)

    def ask_once(self, person: Person, language: str) -> Result | None:
        """After the language: the office question, when there are several and the person
        has none yet (None: nothing to ask)."""
        if not self.offices.several or person.office is not None:
            return None
        return self.ask(person, language)

    def choose(self, office_id: str, person: Person, language: str) -> Result | None:
        """None for an office that does not exist (a forged or outdated button)."""
        office = self.offices.offices.get(office_id)
        if office is None:
            return None
        _ = self.replies.gettext(language)
        person = replace(person, office=office.id, pending=None)
        text = _("Your office is now {office}.").format(office=office.name(language))
        lines = self.details(office, language)
        body = "\n".join(["✅ " + text, *lines])
        return [self.replies.text(language, body), self.replies.main_menu(language)], person

    def typed(self, text: str, person: Person, language: str) -> Result | None:
        """While the office question is open, a postcode answers it."""
        words = text.strip()
        if person.pending != PENDING or not POSTCODE.match(words):
            return None
        office = self.offices.offices.by_postcode(words)
        if office is None:
            _ = self.replies.gettext(language)
            unknown = _("I do not know the postcode {postcode}. Choose your office below.")
            return [self.picker(person, language, unknown.format(postcode=words))], person
        return self.choose(office.id, person, language)

    def from_link(self, payload: str, person: Person) -> Person | None:
        """`office-<id>` of a deep link: the person now belongs to that office (None: the
        payload is not an office link, or names no office)."""
        if not payload.startswith(LINK_PREFIX):
            return None
        return self.set(payload.removeprefix(LINK_PREFIX), person)

    def set(self, office_id: str | None, person: Person) -> Person | None:
        """The person in office `office_id` (an enrolment's, the web point's), None if no
        such office is configured."""
        if office_id is None or self.offices.offices.get(office_id) is None:
            return None
        return replace(person, office=office_id)

    # -- showing ---------------------------------------------------------------------------

    def answer_lines(self, topic_id: str, person: Person, language: str) -> list[str]:
        """The office's details under an answer that needs them (contact, first
        appointment…); nothing in a single-office deployment without details."""
        office = self.offices.office_of(person)
        if topic_id not in office.details_on:
            return []
        return self.details(office, language)

    def details(self, office: Office, language: str) -> list[str]:
        _ = self.replies.gettext(language)
        lines = []
        if office.names:
            lines.append("🏢 " + office.name(language))
        if office.address:
            lines.append("📍 " + office.address)
        if office.phone:
            lines.append("📞 " + office.phone)
        if office.hours is not None:
            hours = self.offices.hours(office)
            for index in range(7):
                spans = hours.periods.get(index, ())
                if spans:
                    times = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in spans)
                    lines.append(f"🕘 {weekday_name(index, language)}: {times}")
            today = self._clock.now().date()
            ahead = sorted(d for d in hours.extra_closed if today <= d <= today + CLOSED_AHEAD)
            if ahead:
                days = ", ".join(format_day(d, language) for d in ahead)
                lines.append("⛔ " + _("Closed on {days}").format(days=days))
        return lines if len(lines) > 1 or office.address or office.phone else []
