"""The group for this person: which workers' group a person's thread lives in.

The one place that decides it (a paced send queue for the workers' side only needs the
chat id it returns). A person stays in the group of their thread while it is one of
their office's groups; otherwise (new person, or they changed office) they get the
office's group holding the fewest people, and the thread made there remembers it.
"""

from __future__ import annotations

from bot.domain.people import Person
from bot.offices.directory import OfficeDirectory
from bot.storage.ports import TicketStore


async def group_for(person: Person, offices: OfficeDirectory, storage: TicketStore) -> int:
    """The workers' group chat id for `person` (raises LookupError if there is none)."""
    groups = offices.groups(offices.office_of(person))
    if not groups:
        raise LookupError("no workers' group is configured for this person's office")
    known = await storage.thread_group(person.id)
    if known is not None:
        stored = known[1]
        current = int(stored) if stored is not None else offices.default_group
        if current in groups:
            return current
    if len(groups) == 1:
        return groups[0]
    loads = await storage.threads_per_group([str(g) for g in groups])
    return min(groups, key=lambda g: loads.get(str(g), 0))  # ties: the first listed
