"""What is stored about one person, table by table, as the database holds it (/mydata)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredRows:
    """The rows of one table that refer to the person (directly, or through a ticket)."""

    table: str
    rows: tuple[Mapping[str, object], ...]


@dataclass(frozen=True)
class StoredData:
    tables: tuple[StoredRows, ...]

    def rows(self, table: str) -> tuple[Mapping[str, object], ...]:
        return next((t.rows for t in self.tables if t.table == table), ())
