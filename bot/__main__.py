"""The `passerelle` command line (also `python -m bot`).

    passerelle run                      the web point, plus Telegram if TELEGRAM_BOT_TOKEN is set
    passerelle web [--kiosk]            only the web point
    passerelle poster --out poster.pdf  the A4 poster with QR codes
    passerelle chat --lang fr           talk to the bot in this terminal
    passerelle match --lang fr "text"   what the bot would answer, as JSON
    passerelle match --batch            JSON Lines {"id","lang","text"} in, results out
    passerelle backup FILE              a consistent copy of the database, while it runs
    passerelle status                   are promises kept? one JSON line, exit 1 if not
    passerelle stats [--json]           counts: tickets, check-ins, reminders, languages
    passerelle content check            lint content for editors (exit 1 on errors)
    passerelle content stamp --lang nl [TOPIC ...]
    passerelle content minor-edit TOPIC
    passerelle content preview TOPIC --lang ar [--out FILE.html]
    passerelle content evidence TOPIC [--lang nl]   each sentence beside its evidence
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.content.source import ContentError
from bot.storage.versions import SchemaTooNew

log = logging.getLogger("passerelle")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = load_settings(config_file=args.config)
    from bot.monitoring.logs import configure

    configure(settings.log_format, logging.INFO if args.verbose else logging.WARNING)
    try:
        result: int = args.handler(args, settings)
        return result
    except ContentError as error:
        print("Passerelle cannot start: the content has problems.", file=sys.stderr)
        for problem in error.problems:
            print("  " + problem.describe(settings.content_dir.parent), file=sys.stderr)
        return 1
    except SchemaTooNew as error:  # an older Passerelle on an upgraded database
        print(f"Passerelle cannot start: {error}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="passerelle", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=None, help="TOML configuration file")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the web point (and Telegram with a token)")
    run.set_defaults(handler=_run)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", default=None)
    chat.set_defaults(handler=_chat)

    from bot.channels.web.cli import add_commands as add_web_commands

    add_web_commands(commands)  # passerelle web, passerelle poster
    from bot.storage.backup import add_commands as add_backup_command

    add_backup_command(commands)  # passerelle backup FILE
    from bot.storage.status import add_commands as add_status_command

    add_status_command(commands)  # passerelle status
    from bot.monitoring.stats import add_commands as add_stats_command

    add_stats_command(commands)  # passerelle stats

    match = commands.add_parser("match", help="show what a message would be answered with")
    match.add_argument("--lang", default="fr")
    match.add_argument("--batch", action="store_true", help="JSON Lines on stdin")
    match.add_argument("text", nargs="?", default="")
    match.set_defaults(handler=_match)

    export = commands.add_parser("export", help="pseudonymised data for evaluations")
    export.add_argument("what", choices=["checkins"])
    export.add_argument("--since", required=True, help="YYYY-MM-DD")
    export.add_argument("--out", type=Path, default=None, help="CSV file (default: stdout)")
    export.set_defaults(handler=_export)

    content = commands.add_parser("content", help="tools for editors")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="check every content file")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.set_defaults(handler=_content_check)
    stamp = content_commands.add_parser("stamp", help="record the French version translated")
    stamp.add_argument("--lang", required=True)
    stamp.add_argument("topics", nargs="*")
    stamp.set_defaults(handler=_content_stamp)
    minor = content_commands.add_parser("minor-edit", help="a French change that needs no "
                                        "new translation")
    minor.add_argument("topic")
    minor.set_defaults(handler=_content_minor_edit)
    preview = content_commands.add_parser("preview", help="render a topic as a phone shows it")
    preview.add_argument("topic")
    preview.add_argument("--lang", default="fr")
    preview.add_argument("--out", type=Path, default=None)
    preview.set_defaults(handler=_content_preview)
    evidence = content_commands.add_parser("evidence", help="each sentence beside its evidence")
    evidence.add_argument("topic")
    evidence.add_argument("--lang", default="fr")
    evidence.set_defaults(handler=_content_evidence)
    return parser


# -- run and chat ---------------------------------------------------------------------------


def _run(args: argparse.Namespace, settings: Settings) -> int:
    """The web point, plus the Telegram bot when TELEGRAM_BOT_TOKEN is set; one process."""
    from bot.runtime import WebPlace, run

    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    telegram = bool(settings.telegram_token)
    web = (WebPlace(settings.web_host, settings.web_port, settings.web_kiosk)
           if settings.web_enabled else None)
    if not telegram:
        print("No TELEGRAM_BOT_TOKEN set: serving the web point only (requests for a person "
              "are printed here). `passerelle chat` talks to the bot in this terminal.",
              flush=True)
    return run(settings, telegram=telegram, web=web)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bootstrap import build, wire_escalation
    from bot.channels.terminal import CHANNEL, ConsoleDesk, TerminalChat

    async def session() -> None:
        app = await build(settings)
        wire_escalation(app, ConsoleDesk())
        chat = TerminalChat(app.engine, language=args.lang)
        app.router.register(CHANNEL, chat)  # check-ins and reminders arrive here too
        stop = asyncio.Event()
        jobs = asyncio.create_task(app.jobs.run(stop)) if app.jobs else None
        try:
            await chat.run()
        finally:
            stop.set()
            if jobs is not None:
                await jobs
            await app.close()

    asyncio.run(session())
    return 0


# -- matching -------------------------------------------------------------------------------


def _match(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bootstrap import load_content_source

    matcher = load_content_source(settings).current.matcher
    if not args.batch:
        print(json.dumps(matcher.match(args.text).as_json(), ensure_ascii=False))
        return 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            result = matcher.match(str(item.get("text", ""))).as_json()
        except (json.JSONDecodeError, AttributeError) as error:
            print(json.dumps({"id": None, "error": f"bad input line: {error}"}), flush=True)
            continue
        print(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False), flush=True)
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    import csv
    from datetime import UTC, datetime

    from bot.clock import SystemClock
    from bot.followup.service import FollowupService
    from bot.storage import open_storage

    since = datetime.fromisoformat(args.since).replace(tzinfo=UTC)

    async def rows() -> list[tuple[str, str, str, str, str]]:
        storage = await open_storage(settings.database)
        try:
            return await FollowupService(storage, SystemClock(), None).export_rows(since)
        finally:
            await storage.close()

    data = asyncio.run(rows())
    out = args.out.open("w", newline="", encoding="utf-8") if args.out else sys.stdout
    writer = csv.writer(out)
    writer.writerow(["participant", "checkin", "question", "answer", "date"])
    writer.writerows(data)
    if args.out:
        out.close()
        print(f"{len(data)} answer(s) written to {args.out}", file=sys.stderr)
    return 0


# -- content tools ----------------------------------------------------------------------------


def _content_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content.crisis_lint import crisis_problems
    from bot.content.elsewhere_lint import elsewhere_problems
    from bot.content.lint import lint, translation_problems, translation_report
    from bot.content.loader import load_content

    root = settings.content_dir
    library, problems = load_content(root)
    problems += (lint(library) + translation_problems(library) + crisis_problems(library)
                 + elsewhere_problems(library))
    shown_root = root.parent if root.parent.exists() else PROJECT_ROOT
    for problem in sorted(problems, key=lambda p: (p.severity != "error", str(p.path), p.line)):
        print(problem.describe(shown_root))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print()
    print("Translations (French is the source):")
    for code, report in translation_report(library).items():
        print(f"  {code}: {len(report.up_to_date)} up to date, {len(report.outdated)} outdated, "
              f"{len(report.unversioned)} without version, {len(report.missing)} missing; "
              f"{report.drafts} of {report.total} still draft (not reviewed by a person)")
    from bot.content.evidence import evidence_summary

    print(evidence_summary(library))
    print(f"\nContent version {library.version}: {errors} error(s), {warnings} warning(s).")
    if errors:
        print("Fix the errors above: each line says the file, the line, what is wrong "
              "and how to fix it.")
    return 1 if errors or (args.strict and warnings) else 0


def _content_stamp(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content.loader import load_content
    from bot.content.stamp import stamp

    library, _problems = load_content(settings.content_dir)
    written = stamp(library, args.lang, args.topics or None)
    for path in written:
        print(f"stamped {path}")
    print(f"{len(written)} file(s) stamped with the current French version.")
    return 0


def _content_minor_edit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content.loader import load_content
    from bot.content.stamp import minor_edit

    library, _problems = load_content(settings.content_dir)
    try:
        written = minor_edit(library, args.topic)
    except KeyError:
        print(f"There is no French topic '{args.topic}'.", file=sys.stderr)
        return 1
    for path in written:
        print(f"still up to date: {path}")
    return 0


def _content_evidence(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content.evidence import evidence_report
    from bot.content.loader import load_content

    library, _problems = load_content(settings.content_dir)
    try:
        print(evidence_report(library, args.topic, args.lang))
    except KeyError:
        print(f"There is no topic '{args.topic}' in '{args.lang}'.", file=sys.stderr)
        return 1
    return 0


def _content_preview(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bootstrap import build, load_content_source
    from bot.channels.preview import page, preview_topic, screenshot

    content = load_content_source(settings)
    library = content.current.library
    if args.lang not in library.languages:
        print(f"Unknown language '{args.lang}'. Known: {', '.join(sorted(library.languages))}",
              file=sys.stderr)
        return 1

    async def render() -> str:
        app = await build(settings, content=content, db_path=":memory:")
        try:
            replies = await preview_topic(app.engine, args.topic, args.lang)
        finally:
            await app.close()
        return page(replies, library.pictograms, args.lang, args.topic)

    out: Path = args.out or Path("preview") / f"{args.topic}.{args.lang}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(asyncio.run(render()), encoding="utf-8")
    print(f"wrote {out}")
    png = out.with_suffix(".png")
    if screenshot(out, png):
        print(f"wrote {png}")
    else:
        print("(no PNG: install Chromium for a screenshot)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
