"""A database newer than the code is refused, with one sentence, before anything runs.

Why: there are no down-migrations. Going back to an older Passerelle after an upgrade
(a rollback of the code alone) would run old SQL on a schema it does not know; it could
fail in the middle of a person's conversation, or write rows the newer code misreads. The
way back is the backup taken before the upgrade (docs/deploy.md, Upgrading).
"""

from __future__ import annotations

from collections.abc import Iterable


class SchemaTooNew(Exception):
    """The database's schema version is higher than every migration this code ships."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database is at schema version {found}, newer than this version of "
            f"Passerelle knows ({known}): a newer Passerelle upgraded it. Run that version, "
            "or restore the backup taken before the upgrade (docs/deploy.md, Upgrading)")
        self.found = found
        self.known = known


def refuse_newer(current: int, migrations: Iterable[tuple[int, str]]) -> None:
    """Raise SchemaTooNew when `current` is past the newest of `migrations`."""
    known = max((version for version, _script in migrations), default=0)
    if current > known:
        raise SchemaTooNew(current, known)
