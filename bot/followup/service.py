"""Enrolment by one-time link, consent, the person's check-in plan, and their answers."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.domain.followup import Appointment, OutboxItem, Participant
from bot.domain.tickets import pseudonym
from bot.followup.appointments import REMINDER, reminder_times
from bot.followup.schedule import Checkin, CheckinPlan
from bot.storage.ports import Storage

CHECKIN = "checkin"
TOKEN_LIFETIME = timedelta(days=30)
ANSWERS = ("1", "2", "3", "4", "5", "question", "help")


def token_hash(token: str) -> str:
    """Only a hash of a link's token is stored: a stolen database cannot enrol anyone."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class FollowupService:
    def __init__(self, storage: Storage, clock: Clock, plan: CheckinPlan | None) -> None:
        self._storage = storage
        self._clock = clock
        self.plan = plan

    async def create_token(self, programme_end: date, worker: str | None,
                           office: str | None) -> str:
        """A one-time, unguessable token for a deep link (t.me/<bot>?start=<token>)."""
        token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]
        now = self._clock.now()
        await self._storage.add_token(token_hash(token), programme_end.isoformat(), worker,
                                      office, now, now + TOKEN_LIFETIME)
        return token

    async def redeem(self, token: str, person_id: int) -> bool:
        """Use a link once: the person becomes a participant waiting for consent."""
        used = await self._storage.use_token(token_hash(token), self._clock.now())
        if used is None:
            return False
        end, worker, office = used
        await self._storage.save_participant(
            Participant(person_id, end, worker, office, consented=False, stopped=False))
        return True

    async def participant(self, person_id: int) -> Participant | None:
        return await self._storage.participant(person_id)

    async def consent(self, person_id: int) -> datetime | None:
        """Enrol for real; return when the first check-in is due (None if none left)."""
        participant = await self._storage.participant(person_id)
        if participant is None:
            return None
        await self._storage.save_participant(replace(participant, consented=True, stopped=False))
        return await self._reschedule(person_id, date.fromisoformat(participant.programme_end))

    async def stop(self, person_id: int) -> bool:
        participant = await self._storage.participant(person_id)
        if participant is None or not participant.consented:
            return False
        await self._storage.save_participant(replace(participant, stopped=True))
        await self._storage.cancel_pending(person_id, CHECKIN)
        return True

    async def change_end(self, person_id: int, programme_end: date) -> datetime | None:
        """A new end date: unsent check-ins are recomputed (sent ones stay sent)."""
        participant = await self._storage.participant(person_id)
        if participant is None:
            return None
        await self._storage.save_participant(
            replace(participant, programme_end=programme_end.isoformat()))
        if not participant.consented or participant.stopped:
            return None
        return await self._reschedule(person_id, programme_end)

    async def next_checkin(self, person_id: int) -> datetime | None:
        items = [i for i in await self._storage.pending_items(person_id) if i.kind == CHECKIN]
        return items[0].due_at if items else None

    async def _reschedule(self, person_id: int, programme_end: date) -> datetime | None:
        if self.plan is None:
            return None
        await self._storage.cancel_pending(person_id, CHECKIN)
        upcoming = self.plan.schedule(programme_end, self._clock.now())
        for checkin, due in upcoming:
            await self._storage.schedule(person_id, CHECKIN, checkin.key, due)
        return upcoming[0][1] if upcoming else None

    async def answer(self, person_id: int, item_id: int, question_index: int,
                     answer: str) -> tuple[Checkin, int | None] | None:
        """Record one tap; return the check-in and the next question to ask (if any)."""
        item = await self._storage.outbox_item(item_id)
        if (item is None or item.person_id != person_id or item.kind != CHECKIN
                or self.plan is None or answer not in ANSWERS):
            return None
        checkin = self.plan.checkin(item.key)
        if checkin is None or not 0 <= question_index < len(checkin.questions):
            return None
        await self._storage.record_answer(person_id, checkin.key,
                                          checkin.questions[question_index], answer,
                                          self._clock.now())
        following = question_index + 1
        more = answer.isdigit() and following < len(checkin.questions)
        return checkin, following if more else None

    async def add_appointment(self, person_id: int, starts_at: datetime, place: str,
                              worker: str | None) -> tuple[Appointment, list[datetime]]:
        """Save an appointment and plan its confirmation and reminders in the outbox, in
        one unit of work. The same person, time and place again is the same appointment:
        a worker's command handled a second time after a crash plans nothing twice."""
        now = self._clock.now()
        async with self._storage.unit_of_work():
            appointment = await self._storage.same_appointment(person_id, starts_at, place) \
                or await self._storage.add_appointment(person_id, starts_at, place, worker, now)
            planned = reminder_times(appointment, now, self.plan)
            for key, due in planned:
                await self._storage.schedule(person_id, REMINDER, key, due)
        return appointment, [due for _key, due in planned]

    async def appointment(self, appointment_id: int) -> Appointment | None:
        return await self._storage.appointment(appointment_id)

    async def cancel_appointment(self, person_id: int,
                                 appointment_id: int) -> Appointment | None:
        """A worker cancels: no more reminders for it (sent ones stay sent)."""
        appointment = await self._storage.appointment(appointment_id)
        if appointment is None or appointment.person_id != person_id:
            return None
        await self._storage.answer_appointment(appointment_id, "cancelled")
        await self._storage.cancel_keys(person_id, REMINDER, f"appt-{appointment_id}:")
        return appointment

    async def answer_appointment(self, person_id: int, appointment_id: int,
                                 coming: bool) -> Appointment | None:
        appointment = await self._storage.appointment(appointment_id)
        if appointment is None or appointment.person_id != person_id:
            return None
        await self._storage.answer_appointment(appointment_id,
                                               "coming" if coming else "not-coming")
        return appointment

    async def overview(self) -> list[tuple[int, datetime | None, int, str]]:
        """For the workers' /followups: next check-in, overdue messages, last answer."""
        rows = await self._storage.followup_overview(self._clock.now())
        return [(person_id, datetime.fromisoformat(due) if due else None, overdue, answer)
                for person_id, due, overdue, answer in rows]

    async def export_rows(self, since: datetime) -> list[tuple[str, str, str, str, str]]:
        """Answers for the programme's evaluation, pseudonymised (no chat numbers)."""
        return [(pseudonym(person_id), checkin, question, answer, answered_at[:10])
                for person_id, checkin, question, answer, answered_at
                in await self._storage.answers_since(since)]

    async def pending(self, person_id: int) -> list[OutboxItem]:
        return await self._storage.pending_items(person_id)

    async def item(self, item_id: int) -> OutboxItem | None:
        return await self._storage.outbox_item(item_id)
