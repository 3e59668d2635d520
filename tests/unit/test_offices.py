"""Many offices: office files and local answers as the content check sees them, the
office of a person in the conversation, the workers' group for a person, and a worker of
one office who cannot act for another office's people."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.application.desk import ActionKind, WorkerEvent, WorkersDesk
from bot.application.outbound import Router
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.lint import lint, translation_problems
from bot.content.loader import load_content
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import PersonRef
from bot.escalation.office_hours import OfficeHours
from bot.escalation.service import EscalationService
from bot.followup.schedule import load_plan
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.offices.directory import OfficeDirectory
from bot.offices.routing import group_for
from tests.databases import fresh_storage
from tests.factory import with_example_offices
from tests.unit.test_workers_desk import SilentDesk

LIEGE_GROUP, GENT_GROUPS = -1001000000101, (-1001000000201, -1001000000202)
MONDAY_10H = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def office_problems(root: Path) -> list[str]:
    _library, problems = load_content(root)
    return [p.describe(root) for p in problems]


def test_the_examples_pass_the_content_check(tmp_path: Path) -> None:
    root = with_example_offices(tmp_path / "content")
    library, problems = load_content(root)
    problems += lint(library) + translation_problems(library)
    assert [p for p in problems if p.severity == "error"] == []
    assert [o.id for o in library.offices.offices] == ["cpas-liege", "ocmw-gent"]
    gaps = [p for p in problems if "local answer 'first-appointment'" in p.message]
    assert gaps and "ar, uk, en" in gaps[0].message, "the languages it is not written in"


def test_office_mistakes_are_named_with_their_line_and_a_fix(tmp_path: Path) -> None:
    root = with_example_offices(tmp_path / "content")
    (root / "offices" / "ocmw-gent.yaml").write_text(textwrap.dedent("""\
        name: OCMW Gent
        workers_groups: [-1001000000101, 12ab]
        phone: call us
        hours:
          maandag: ["09:00-12:00"]
          tuesday: ["12:00-09:00", "9h-12h"]
        closed: [2026-02-30]
        languages: [nl, xx]
        postcodes: [4000, 900]
        colour: blue
        """), encoding="utf-8")
    shutil.copy(root / "offices" / "ocmw-gent.yaml", root / "offices" / "Bad Name.yaml")
    found = "\n".join(office_problems(root))
    for expected in (
        "ocmw-gent.yaml:2: ERROR: '12ab' is not a Telegram group id",
        "ocmw-gent.yaml:2: ERROR: the workers' group -1001000000101 is also cpas-liege's",
        "ocmw-gent.yaml:3: ERROR: 'call us' is not a phone number",
        "ocmw-gent.yaml:4: ERROR: 'maandag' is not a weekday → write the day in English",
        "'12:00-09:00' on tuesday is not an opening period",
        "'9h-12h' on tuesday is not an opening period",
        "ocmw-gent.yaml:7: ERROR: '2026-02-30' is not a date → write closed days as 2026-12-24",
        "ocmw-gent.yaml:8: ERROR: 'xx' is not a content language",
        "ocmw-gent.yaml:9: ERROR: '900' is not a Belgian postcode",
        "ocmw-gent.yaml:9: ERROR: postcode 4000 is also cpas-liege's",
        "ocmw-gent.yaml:10: ERROR: unknown field 'colour'",
        "'Bad Name' cannot be an office id",
    ):
        assert expected in found, expected


def test_local_content_mistakes(tmp_path: Path) -> None:
    root = with_example_offices(tmp_path / "content")
    (root / "local" / "cpas-bruges" / "fr").mkdir(parents=True)
    (root / "local" / "cpas-bruges" / "fr" / "debt-help.md").write_text(
        "---\nid: debt-help\nstatus: draft\n---\nUne phrase.\n", encoding="utf-8")
    wrong = root / "local" / "cpas-liege" / "fr"
    (wrong / "no-such-topic.md").write_text("---\nid: no-such-topic\nstatus: draft\n---\n"
                                            "Une phrase.\n", encoding="utf-8")
    (wrong / "debt-help.md").write_text(
        "---\nid: debt-help\nlocal: append\nsource: https://www.cpasdeliege.be\n"
        "status: draft\n---\n" + "Une phrase courte. " * 7 + "\n", encoding="utf-8")
    found = "\n".join(office_problems(root))
    assert "cpas-bruges:1: ERROR: 'cpas-bruges' is not an office" in found
    assert "no-such-topic.md:2: ERROR: 'no-such-topic' is not a topic" in found
    assert "debt-help.md:2: ERROR: local 'append' is unknown → write local: replace" in found
    library, _problems = load_content(root)
    plain = [p.message for p in lint(library) if "cpas-liege/fr/debt-help" in str(p.path)]
    assert any("7 sentences" in message for message in plain), "local text is linted too"


def test_a_local_answer_replaces_or_adds_for_that_office_only(tmp_path: Path) -> None:
    root = with_example_offices(tmp_path / "content")
    (root / "local" / "ocmw-gent" / "nl").mkdir(parents=True)
    (root / "local" / "ocmw-gent" / "nl" / "first-appointment.md").write_text(
        "---\nid: first-appointment\nlocal: add\nsource: https://stad.gent\nstatus: draft\n"
        "---\nIn Gent kom je naar Onderbergen 86.\n", encoding="utf-8")
    library, _problems = load_content(root)
    national = library.served("fr", "first-appointment")
    liege = library.served("fr", "first-appointment", "cpas-liege")
    assert national is not None and liege is not None
    assert "À Liège" in liege.topic.body and "À Liège" not in national.topic.body
    assert liege.topic.title == national.topic.title, "the title comes from the national file"
    gent = library.served("nl", "first-appointment", "ocmw-gent")
    dutch = library.served("nl", "first-appointment")
    assert gent is not None and dutch is not None
    assert gent.topic.body.startswith(dutch.topic.body) and "Onderbergen" in gent.topic.body
    arabic = library.served("ar", "first-appointment", "cpas-liege")
    assert arabic is not None and arabic.topic.lang == "ar", "no local ar: the national ar"


# -- the conversation ----------------------------------------------------------------------


async def _engine(content: ContentSource) -> tuple[Engine, ManualClock]:
    clock = ManualClock(MONDAY_10H)
    storage = await fresh_storage()
    engine = Engine(content, storage, Catalogs(PROJECT_ROOT / "locales"), clock,
                    followup=FollowupService(storage, clock, load_plan(PROJECT_ROOT / "content")))
    return engine, clock


def actions(replies: list[Reply]) -> list[str]:
    return [b.action for r in replies for row in r.buttons for b in row]


def texts(replies: list[Reply]) -> str:
    return "\n".join(str(r.context.get("text", "")) + str(r.context.get("body", ""))
                     + "\n".join(str(x) for x in r.context.get("office", []))  # type: ignore
                     for r in replies)


async def test_asked_once_after_the_language_then_a_postcode_chooses(
    offices_content: ContentSource,
) -> None:
    engine, clock = await _engine(offices_content)
    ref = PersonRef("web", "p1")
    replies = await engine.handle(Event(ref, EventKind.BUTTON, action="lang:fr"))
    assert {"office:cpas-liege", "office:ocmw-gent"} <= set(actions(replies))
    replies = await engine.handle(Event(ref, EventKind.TEXT, text="1234"))
    assert "1234" in texts(replies) and "office:ocmw-gent" in actions(replies), "kind, again"
    replies = await engine.handle(Event(ref, EventKind.TEXT, text="9000"))
    assert "CPAS de Gand" in texts(replies) and "Onderbergen 86" in texts(replies)
    person = await engine._storage.person(ref, clock.now())
    assert person.office == "ocmw-gent" and person.pending is None
    menu = await engine.handle(Event(ref, EventKind.COMMAND, command="menu"))
    assert "office" in actions(menu), "the menu's 🏢 button changes it"
    replies = await engine.handle(Event(ref, EventKind.BUTTON, action="office:cpas-liege"))
    assert (await engine._storage.person(ref, clock.now())).office == "cpas-liege"
    forged = await engine.handle(Event(ref, EventKind.BUTTON, action="office:elsewhere"))
    assert "ne marche plus" in texts(forged)
    assert (await engine._storage.person(ref, clock.now())).office == "cpas-liege"


async def test_a_question_instead_of_an_office_is_answered_and_not_asked_again(
    offices_content: ContentSource,
) -> None:
    engine, clock = await _engine(offices_content)
    ref = PersonRef("web", "p2")
    await engine.handle(Event(ref, EventKind.BUTTON, action="lang:fr"))
    replies = await engine.handle(Event(ref, EventKind.BUTTON, action="topic:first-appointment"))
    assert replies[0].template == "answer"
    assert "À Liège" in texts(replies), "no choice yet: the default office (cpas-liege)"
    person = await engine._storage.person(ref, clock.now())
    assert person.office is None and person.pending is None


async def test_an_office_link_shows_local_details_and_languages_offered(
    offices_content: ContentSource,
) -> None:
    engine, clock = await _engine(offices_content)
    ref = PersonRef("telegram", "42")
    start = await engine.handle(Event(ref, EventKind.COMMAND, command="start",
                                      text="office-ocmw-gent"))
    assert set(actions(start)) >= {"lang:nl", "lang:ti"}
    assert (await engine._storage.person(ref, clock.now())).office == "ocmw-gent"
    liege = await engine.handle(Event(PersonRef("telegram", "43"), EventKind.COMMAND,
                                      command="start", text="office-cpas-liege"))
    assert "lang:nl" not in actions(liege) and "lang:uk" in actions(liege)
    chosen = await engine.handle(Event(ref, EventKind.BUTTON, action="lang:nl"))
    assert not any(a.startswith("office:") for a in actions(chosen)), "already has one"
    answer = await engine.handle(Event(ref, EventKind.BUTTON,
                                       action="topic:contact-social-worker"))
    lines = "\n".join(str(line) for line in answer[0].context["office"])  # type: ignore
    assert "Onderbergen 86, 9000 Gent" in lines and "09 266 99 00" in lines
    assert "donderdag: 09:00–12:00, 13:00–19:00" in lines and "vrijdag" not in lines
    assert "24 dec" in lines, "the closed day ahead"
    other = await engine.handle(Event(ref, EventKind.BUTTON, action="topic:rental-deposit"))
    assert other[0].context["office"] == [], "details only under the answers that need them"
    unknown = await engine.handle(Event(PersonRef("telegram", "44"), EventKind.COMMAND,
                                        command="start", text="office-nowhere"))
    assert any(a.startswith("lang:") for a in actions(unknown))
    assert (await engine._storage.person(PersonRef("telegram", "44"), clock.now())).office \
        is None


async def test_an_enrolment_puts_the_person_in_the_workers_office(
    offices_content: ContentSource,
) -> None:
    engine, clock = await _engine(offices_content)
    assert engine.followup is not None
    token = await engine.followup.create_token(datetime(2027, 6, 1).date(), "Marie",
                                               "ocmw-gent")
    ref = PersonRef("telegram", "77")
    await engine.handle(Event(ref, EventKind.COMMAND, command="start", text=token))
    assert (await engine._storage.person(ref, clock.now())).office == "ocmw-gent"


async def test_one_office_is_zero_config(content_source: ContentSource) -> None:
    engine, _clock = await _engine(content_source)
    ref = PersonRef("web", "solo")
    replies = await engine.handle(Event(ref, EventKind.BUTTON, action="lang:fr"))
    assert not any(a.startswith("office") for a in actions(replies))
    assert not any(a.startswith("office") for a in actions(
        await engine.handle(Event(ref, EventKind.COMMAND, command="menu"))))
    answer = await engine.handle(Event(ref, EventKind.BUTTON, action="topic:first-appointment"))
    assert answer[0].context["office"] == []


# -- the workers' side ---------------------------------------------------------------------


async def test_the_group_for_a_person_spreads_and_remembers(
    offices_content: ContentSource,
) -> None:
    engine, clock = await _engine(offices_content)
    storage, directory = engine._storage, engine.offices
    people = []
    for n in range(3):
        person = await storage.person(PersonRef("telegram", str(100 + n)), clock.now())
        person = replace(person, office="ocmw-gent")
        await storage.save_person(person)
        group = await group_for(person, directory, storage)
        await storage.remember_thread(person.id, "5", clock.now(), str(group))
        people.append((person, group))
    assert [g for _p, g in people] == [GENT_GROUPS[0], GENT_GROUPS[1], GENT_GROUPS[0]]
    first = people[0][0]
    assert await group_for(first, directory, storage) == GENT_GROUPS[0], "remembered"
    moved = replace(first, office="cpas-liege")
    assert await group_for(moved, directory, storage) == LIEGE_GROUP, "changed office"
    assert await storage.person_of_thread("5", str(GENT_GROUPS[1])) == people[1][0].id
    assert await storage.person_of_thread("5", str(LIEGE_GROUP)) is None


async def test_one_office_keeps_the_deployments_group(content_source: ContentSource) -> None:
    engine, clock = await _engine(content_source)
    directory = OfficeDirectory(lambda: content_source.current.library.offices, -100777)
    person = await engine._storage.person(PersonRef("telegram", "1"), clock.now())
    assert await group_for(person, directory, engine._storage) == -100777
    await engine._storage.remember_thread(person.id, "9", clock.now())  # as before 0007
    assert await group_for(person, directory, engine._storage) == -100777
    assert await engine._storage.person_of_thread("9", "-100777", "-100777") == person.id


async def test_a_worker_of_one_office_cannot_act_for_another_office(
    offices_content: ContentSource,
) -> None:
    engine, clock = await _engine(offices_content)
    storage = engine._storage
    directory = OfficeDirectory(lambda: offices_content.current.library.offices)
    engine.offices = directory
    escalation = EscalationService(storage, SilentDesk(), OfficeHours.from_config(None), clock,
                                   hours_of=directory.hours_of)
    engine.escalation = escalation
    desk = WorkersDesk(engine, escalation, engine.followup, Router(), directory)
    ref = PersonRef("telegram", "501")
    await engine.handle(Event(ref, EventKind.COMMAND, command="start", text="office-ocmw-gent"))
    await engine.handle(Event(ref, EventKind.COMMAND, command="person"))
    person = await storage.person(ref, clock.now())
    gent = str(GENT_GROUPS[0])
    await storage.remember_thread(person.id, "7", clock.now(), gent)
    ticket = await storage.open_ticket_of(person.id)
    assert ticket is not None

    # the same topic number in Liège's group is not this person's thread
    assert await desk.handle(WorkerEvent("Luc", "7", "Bonjour", group=str(LIEGE_GROUP))) == []
    assert await desk.ticket_in_thread(str(ticket.id), "7", str(LIEGE_GROUP)) is None
    assert await desk.ticket_in_thread(str(ticket.id), "7", gent) == ticket
    # even if the thread were found there, another office's person is refused
    await storage.remember_thread(person.id, "7", clock.now(), str(LIEGE_GROUP))
    (refused,) = await desk.handle(WorkerEvent("Luc", "7", "/close", group=str(LIEGE_GROUP)))
    assert refused.kind is ActionKind.SAY and "autre bureau" in refused.text
    assert await desk.ticket_in_thread(str(ticket.id), "7", str(LIEGE_GROUP)) is None
    assert (await storage.open_ticket_of(person.id)) is not None, "still open"
    await storage.remember_thread(person.id, "7", clock.now(), gent)
    (closed,) = await desk.handle(WorkerEvent("Anke", "7", "/close", group=gent))
    assert closed.kind is ActionKind.STATUS


async def test_followups_list_only_the_groups_office(offices_content: ContentSource) -> None:
    engine, clock = await _engine(offices_content)
    storage = engine._storage
    directory = OfficeDirectory(lambda: offices_content.current.library.offices)
    escalation = EscalationService(storage, SilentDesk(), OfficeHours.from_config(None), clock)
    desk = WorkersDesk(engine, escalation, engine.followup, Router(), directory)
    assert engine.followup is not None
    for number, office in (("601", "ocmw-gent"), ("602", "cpas-liege")):
        token = await engine.followup.create_token(datetime(2027, 6, 1).date(), "X", office)
        ref = PersonRef("telegram", number)
        await engine.handle(Event(ref, EventKind.COMMAND, command="start", text=token))
        await engine.handle(Event(ref, EventKind.BUTTON, action="consent:yes"))
    (gent,) = await desk.handle(WorkerEvent("Anke", None, "/followups",
                                            group=str(GENT_GROUPS[1])))
    assert gent.text.count("\n") == 0 and gent.text, "one participant: Gent's"
    (enrol,) = await desk.handle(WorkerEvent("Anke", None, "/enrol 2027-06-01 Anke cpas-liege",
                                             group=str(GENT_GROUPS[0])))
    assert enrol.kind is ActionKind.ENROL_LINK
    ref = PersonRef("telegram", "603")
    await engine.handle(Event(ref, EventKind.COMMAND, command="start", text=enrol.token))
    assert (await storage.person(ref, clock.now())).office == "ocmw-gent", "their own office"


def test_an_office_without_its_own_group_is_a_warning(tmp_path: Path) -> None:
    root = with_example_offices(tmp_path / "content")
    gent = root / "offices" / "ocmw-gent.yaml"
    gent.write_text("\n".join(line for line in gent.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("workers_groups")), encoding="utf-8")
    _library, problems = load_content(root)
    (warning,) = [p for p in problems if "no workers_groups" in p.message]
    assert warning.severity == "warning" and warning.path.name == "ocmw-gent.yaml"


async def test_mydata_shows_the_office(offices_content: ContentSource) -> None:
    engine, clock = await _engine(offices_content)
    ref = PersonRef("web", "me")
    await engine.handle(Event(ref, EventKind.COMMAND, command="start", text="office-ocmw-gent"))
    person = await engine._storage.person(ref, clock.now())
    await engine._storage.remember_thread(person.id, "3", clock.now(), str(GENT_GROUPS[0]))
    (shown,) = await engine.handle(Event(ref, EventKind.COMMAND, command="mydata"))
    text = str(shown.context["text"])
    assert "ocmw-gent" in text and str(GENT_GROUPS[0]) not in text and "group_chat" not in text
