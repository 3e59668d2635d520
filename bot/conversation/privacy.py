"""/mydata in plain words: every stored row about the person, table by table.

The rows come from `Storage.person_data`, which reads the schema's foreign keys, so what
is shown is what the database holds. Known tables and columns get plain labels; a table
added later without labels here is still shown, with its column names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.domain.privacy import StoredData
from bot.i18n.catalogs import noop as _noop
from bot.i18n.locale import format_moment

Gettext = Callable[[str], str]
Title = Callable[[str], str]  # a topic id → its title in the person's language

TABLES = {
    "people": _noop("About you"),
    "topic_views": _noop("Answers you opened"),
    "feedback": _noop("Your 👍/👎"),
    "tickets": _noop("Your requests to a social worker"),
    "worker_threads": _noop("Your topic in the social workers' group"),
    "relayed_messages": _noop("Messages passed on (only their numbers, never their text)"),
    "participants": _noop("Follow-up after your programme"),
    "outbox": _noop("Messages planned for you"),
    "checkin_answers": _noop("Your check-in answers"),
    "appointments": _noop("Your appointments"),
    "inbox": _noop("Messages received, being handled (their content is erased once handled)"),
    "deliveries": _noop("Replies already sent for a message (so that none is sent twice)"),
    "language_offers": _noop("language"),  # the switch offers made once (not taken: a no)
}
COLUMNS = {
    "channel": _noop("app"), "address": _noop("chat number"), "language": _noop("language"),
    "created_at": _noop("since"), "last_seen_at": _noop("last message"),
    "failed_matches": _noop("questions not understood in a row"),
    "pending": _noop("waiting for your answer to"), "topic_id": _noop("answer"),
    "lang": _noop("in"), "viewed_at": _noop("on"), "helpful": _noop("helped"),
    "given_at": _noop("on"), "status": _noop("state"), "source": _noop("opened by"),
    "urgent": _noop("urgent"), "about": _noop("about"), "worker": _noop("social worker"),
    "claimed_at": _noop("taken on"), "closed_at": _noop("closed on"),
    "closed_by": _noop("closed by"), "satisfaction": _noop("your rating"),
    "person_blocked": _noop("the bot was blocked"), "thread_id": _noop("topic number"),
    "direction": _noop("direction"), "relayed_at": _noop("on"), "offered_at": _noop("on"),
    "programme_end": _noop("end of the programme"), "office": _noop("office"),
    "consented_at": _noop("you agreed"), "stopped_at": _noop("you stopped"),
    "kind": _noop("what"), "key": _noop("which"), "due_at": _noop("planned for"),
    "sent_at": _noop("sent on"), "checkin": _noop("check-in"), "question": _noop("question"),
    "answer": _noop("answer"), "answered_at": _noop("on"), "starts_at": _noop("when"),
    "place": _noop("where"), "received_at": _noop("received"),
    "handled_at": _noop("handled"), "announced_at": _noop("social workers told on"),
    "person_told_at": _noop("you were told to wait on"),
    "privacy_noted_at": _noop("you were told what I keep on"),
}
# Bookkeeping, not facts about the person: ids, leases, counters, erased payloads.
INTERNAL = {"id", "person_id", "ticket_id", "claim", "lease_until", "parts_done", "payload",
            "attempts", "asking", "source_message", "copy_message", "external_id", "lane",
            "group_chat"}  # the workers' group of the topic (the office is shown)


def my_data_text(data: StoredData, language: str, _: Gettext, title: Title) -> str:
    if not data.tables:
        return _("I store nothing about you.")
    lines = ["🗂 " + _("This is everything I store about you:")]
    for stored in data.tables:
        label = _(TABLES[stored.table]) if stored.table in TABLES else stored.table
        lines.append("")
        lines.append(f"• {label} ({len(stored.rows)})")
        for row in stored.rows:
            facts = [_fact(column, value, language, _, title) for column, value in row.items()
                     if column not in INTERNAL and value is not None and value != ""]
            lines.append("  – " + ("; ".join(facts) if facts else "✓"))
    lines.append("")
    lines.append(_("Also technical numbers that link these lines. Never your name, phone "
                   "number or the text of your messages. Send /forget to delete all of it."))
    return "\n".join(lines)


def _fact(column: str, value: object, language: str, _: Gettext, title: Title) -> str:
    label = _(COLUMNS[column]) if column in COLUMNS else column
    shown = str(value)
    if column.endswith("_at") and isinstance(value, str):
        try:
            shown = format_moment(datetime.fromisoformat(value), language)
        except ValueError:
            shown = "✓"  # e.g. consented_at = 'yes'
    elif column == "topic_id" and isinstance(value, str):
        shown = title(value)
    elif column in {"helpful", "urgent", "person_blocked"}:
        shown = "✓" if value else "✗"
    return f"{label}: {shown}"


def row_facts(row: Mapping[str, object]) -> dict[str, object]:
    """The columns /mydata shows for a row (for tests and reports)."""
    return {c: v for c, v in row.items() if c not in INTERNAL and v is not None and v != ""}
