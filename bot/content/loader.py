"""Read `content/` from disk into a ContentLibrary, collecting every problem.

The loader never stops at the first problem: editors fix a pull request in one pass
when they see the whole list. Structural problems (broken front matter, unknown
pictogram, dangling related id, missing topic) are errors that stop the bot starting.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from babel import Locale, UnknownLocaleError

from bot.content.evidence import parse_evidence, states_facts
from bot.content.library import ContentLibrary
from bot.content.local import load_local
from bot.content.model import (
    FUNCTIONS,
    SOURCE_LANGUAGE,
    GlossaryEntry,
    Language,
    Problem,
    Topic,
    TopicCatalogue,
)
from bot.offices.loader import load_offices

NOT_UTF8 = "the file is not saved as UTF-8 text"
SAVE_AS_UTF8 = "save it again as UTF-8 (in most editors: Save as, Encoding: UTF-8)"
MAX_BODY_CHARS = 3000  # leaves room in Telegram's 4096 for title, date, source and notices
LANGUAGE_FILE = "_language.yaml"
GLOSSARY_FILE = "glossary.yaml"
OUT_OF_SCOPE_FILE = "out-of-scope.yaml"
TRANSLATED_FROM = re.compile(r"^fr@[0-9a-f]{10}$")
REQUIRED = ("id", "title", "pictogram", "phrasings", "keywords", "status")
KNOWN = {
    *REQUIRED,
    "related",
    "glossary",
    "source",
    "checked",
    "checked_by",
    "evidence",
    "translated_from",
}
NOT_LANGUAGES = {"pictograms", "offices", "local"}  # folders of content/ that hold no language


def load_content(root: Path) -> tuple[ContentLibrary, list[Problem]]:
    """Load everything under `root`; the library holds whatever could be read."""
    problems: list[Problem] = []
    catalogue = _load_catalogue(root / "topics.yaml", problems)
    pictograms, emoji = _load_pictograms(root / "pictograms", problems)
    languages: dict[str, Language] = {}
    topics: dict[tuple[str, str], Topic] = {}
    glossaries: dict[str, dict[str, GlossaryEntry]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in NOT_LANGUAGES):
        language = _load_language(folder, problems)
        if language is None:
            continue
        languages[language.code] = language
        glossaries[language.code] = _load_glossary(folder / GLOSSARY_FILE, problems)
        for path in _topic_files(folder):
            topic = _load_topic(path, language.code, catalogue, problems)
            if topic is not None:
                topics[(language.code, topic.id)] = topic
    for key, topic in topics.items():  # translations share the French evidence
        french = topics.get((SOURCE_LANGUAGE, topic.id))
        if topic.lang != SOURCE_LANGUAGE and french is not None:
            topics[key] = replace(topic, shared_evidence=french.evidence)
    offices = load_offices(root / "offices", languages, catalogue.all_ids, problems)
    local, local_written = load_local(root / "local", topics, offices, catalogue, _load_topic,
                                      problems)
    library = ContentLibrary(
        root=root,
        catalogue=catalogue,
        languages=languages,
        topics=topics,
        glossaries=glossaries,
        pictograms=pictograms,
        version=content_version(root),
        pictogram_emoji=emoji,
        out_of_scope=_load_out_of_scope(root / OUT_OF_SCOPE_FILE, problems),
        offices=offices,
        local=local,
        local_written=local_written,
    )
    problems.extend(_cross_check(library))
    return library, problems


def content_version(root: Path) -> str:
    """`<changelog version>+<hash of every content file>`: shown by /about."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".md", ".yaml"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    label = "unreleased"
    changelog = root / "CHANGELOG.md"
    if changelog.exists():
        for line in changelog.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                label = line[3:].split()[0]
                break
    return f"{label}+{digest.hexdigest()[:8]}"


def _load_catalogue(path: Path, problems: list[Problem]) -> TopicCatalogue:
    data = _read_yaml(path, problems) or {}
    themes: dict[str, tuple[str, ...]] = {}
    briefs: dict[str, str] = {}
    functions: tuple[str, ...] = FUNCTIONS
    for section, entries in data.items():
        if not isinstance(entries, dict):
            continue
        for topic_id, spec in entries.items():
            briefs[topic_id] = (spec or {}).get("brief", "") if isinstance(spec, dict) else ""
        if section == "functions":
            functions = tuple(entries)
        else:
            themes[section] = tuple(entries)
    return TopicCatalogue(themes=themes, functions=functions, briefs=briefs)


def _load_pictograms(
    folder: Path, problems: list[Problem]
) -> tuple[dict[str, Path], dict[str, str]]:
    """Pictogram PNGs by name, and the emoji each stands for (shown on buttons)."""
    names = _read_yaml(folder / "pictograms.yaml", problems) or {}
    found: dict[str, Path] = {}
    emoji = {str(name): "".join(chr(int(part, 16)) for part in str(code).split("-"))
             for name, code in names.items()}
    for name in names:
        png = folder / f"{name}.png"
        if png.exists():
            found[str(name)] = png
        else:
            problems.append(
                Problem(folder / "pictograms.yaml", 1, f"pictogram '{name}' has no PNG file",
                        "run tools/render_pictograms.py")
            )
    return found, emoji


def _load_language(folder: Path, problems: list[Problem]) -> Language | None:
    code = folder.name
    settings_path = folder / LANGUAGE_FILE
    settings: dict[str, Any] = {}
    if settings_path.exists():
        settings = _read_yaml(settings_path, problems) or {}
    elif not any(_topic_files(folder)):
        return None  # not a language: e.g. content/crisis/ (phrases, README.md)
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        problems.append(Problem(folder, 1, f"'{code}' is not a language code babel knows",
                                "name the folder with an ISO 639 code such as 'uk'"))
        return None
    direction: Literal["ltr", "rtl"] = "rtl" if locale.text_direction == "rtl" else "ltr"
    return Language(
        code=code,
        native_name=str(locale.get_display_name(code) or code),
        direction=direction,
        fallback=tuple(settings.get("fallback", ())),
        max_words_per_sentence=int(settings.get("max_words_per_sentence", 15)),
        partial=bool(settings.get("partial", False)),
        telegram_codes=tuple(settings.get("telegram_codes", (code,))),
        names=tuple(str(name) for name in settings.get("names", ())),
    )


def _topic_files(folder: Path) -> list[Path]:
    """The topic files of a language folder: every `*.md` except a README."""
    return sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")


def _load_out_of_scope(path: Path, problems: list[Problem]) -> tuple[str, ...]:
    """Examples of messages the bot should not answer with a topic (optional file)."""
    if not path.exists():
        return ()
    data = _read_yaml(path, problems) or {}
    examples = data.get("examples", []) if isinstance(data, dict) else []
    return tuple(str(example) for example in examples if str(example).strip())


def _load_glossary(path: Path, problems: list[Problem]) -> dict[str, GlossaryEntry]:
    if not path.exists():
        return {}
    data = _read_yaml(path, problems) or {}
    entries: dict[str, GlossaryEntry] = {}
    for entry_id, spec in data.items():
        if not isinstance(spec, dict) or not spec.get("term") or not spec.get("means"):
            problems.append(Problem(path, _line_of(path, f"{entry_id}:"),
                                    f"glossary entry '{entry_id}' needs 'term' and 'means'",
                                    "write both, each on its own line"))
            continue
        entries[str(entry_id)] = GlossaryEntry(str(entry_id), str(spec["term"]), str(spec["means"]))
    return entries


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, body's first line number) or None if there is none."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def _load_topic(
    path: Path, lang: str, catalogue: TopicCatalogue, problems: list[Problem],
    required: tuple[str, ...] = REQUIRED,
) -> Topic | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, 1, NOT_UTF8, SAVE_AS_UTF8))
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.append(Problem(path, 1, "the file does not start with front matter",
                                "the first line must be '---', then the fields, then '---'"))
        return None
    front_text, body, body_line = parts
    try:
        meta = yaml.safe_load(front_text) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 2
        problems.append(Problem(path, line, f"the front matter is not valid YAML ({_short(error)})",
                                "check quotes and indentation; put text with ':' in quotes"))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(path, 2, "the front matter must be 'field: value' lines"))
        return None

    def where(field_name: str) -> int:
        return _line_of(path, f"{field_name}:")

    for name in required:
        if not meta.get(name):
            problems.append(Problem(path, 2, f"the field '{name}' is missing or empty",
                                    "see docs/content-format.md for every field"))
    for name in meta:
        if name not in KNOWN:
            known = ", ".join(sorted(KNOWN))
            problems.append(Problem(path, where(name), f"unknown field '{name}'",
                                    f"remove it or check its spelling; known: {known}"))
    topic_id = str(meta.get("id", path.stem))
    if topic_id != path.stem:
        problems.append(Problem(path, where("id"), f"id '{topic_id}' differs from the file name",
                                f"rename the file to {topic_id}.md or fix the id"))
    if topic_id not in catalogue.all_ids:
        problems.append(Problem(path, where("id"),
                                f"'{topic_id}' is not a topic of content/topics.yaml",
                                "use an existing id, or add the topic to topics.yaml first"))
    status = str(meta.get("status", "draft"))
    if status not in {"draft", "reviewed"}:
        problems.append(Problem(path, where("status"), f"status '{status}' is unknown",
                                "write 'draft' or 'reviewed'"))
    checked = meta.get("checked")
    if checked is not None and not isinstance(checked, date):
        problems.append(Problem(path, where("checked"), f"checked '{checked}' is not a date",
                                "write it as 2026-11-22"))
        checked = None
    is_function = topic_id in catalogue.functions
    source = meta.get("source")
    if source is not None and not str(source).startswith("https://"):
        problems.append(Problem(path, where("source"), "the source must be an https:// address",
                                "link the official page the answer is based on"))
    # Answers and `crisis` state facts; the other functions describe Passerelle itself.
    if states_facts(topic_id, is_function) and not source:
        problems.append(Problem(path, 2, "the answer has no official source",
                                "add 'source: https://…' with an official page"))
    # `checked`, `checked_by`, `status` and `evidence` are judged by the content check
    # (bot/content/evidence.py), not here: a draft without evidence is still served.
    checked_by = meta.get("checked_by")
    translated_from = meta.get("translated_from")
    if lang != SOURCE_LANGUAGE and translated_from is not None and not TRANSLATED_FROM.match(
        str(translated_from)
    ):
        problems.append(Problem(path, where("translated_from"),
                                f"translated_from '{translated_from}' is not a French version",
                                "let the tool write it: passerelle content stamp"))
    if len(body) > MAX_BODY_CHARS:
        problems.append(Problem(path, body_line, f"the text is too long for one phone message "
                                f"({len(body)} characters, at most {MAX_BODY_CHARS})",
                                "shorten it: at most 5 short sentences"))
    if not is_function and not body.strip():
        problems.append(Problem(path, body_line, "the answer text is empty",
                                "write the answer below the second '---'"))
    return Topic(
        id=topic_id,
        lang=lang,
        theme=catalogue.theme_of(topic_id),
        title=str(meta.get("title", topic_id)),
        pictogram=str(meta.get("pictogram", "")),
        body=body.strip(),
        phrasings=_strings(meta.get("phrasings")),
        keywords=_strings(meta.get("keywords")),
        related=_strings(meta.get("related")),
        glossary=_strings(meta.get("glossary")),
        source=str(source) if source else None,
        checked=checked,
        checked_by=(str(checked_by).strip() or None) if checked_by is not None else None,
        status=status,
        translated_from=str(translated_from) if translated_from else None,
        path=path,
        body_line=body_line + _leading_blank_lines(body),
        evidence=parse_evidence(meta.get("evidence")),
    )


def _cross_check(library: ContentLibrary) -> list[Problem]:
    """Problems that need the whole library: dangling references, missing topics."""
    problems: list[Problem] = []
    for topic in library.topics.values():
        if topic.pictogram and topic.pictogram not in library.pictograms:
            problems.append(Problem(topic.path, _line_of(topic.path, "pictogram:"),
                                    f"unknown pictogram '{topic.pictogram}'",
                                    "pick a name from content/pictograms/pictograms.yaml"))
        for related in topic.related:
            if related not in library.catalogue.all_ids or related == topic.id:
                problems.append(Problem(topic.path, _line_of(topic.path, "related:"),
                                        f"related id '{related}' does not exist",
                                        "use ids from content/topics.yaml"))
        for entry in topic.glossary:
            if library.glossary_entry(topic.lang, entry) is None:
                problems.append(Problem(topic.path, _line_of(topic.path, "glossary:"),
                                        f"glossary id '{entry}' is not in "
                                        f"content/{topic.lang}/glossary.yaml",
                                        "add it to the glossary or remove it here"))
    for code, language in library.languages.items():
        for fallback in language.fallback:
            if fallback not in library.languages:
                problems.append(Problem(library.root / code / LANGUAGE_FILE, 1,
                                        f"fallback language '{fallback}' has no content folder"))
        for topic_id in library.catalogue.all_ids:
            if (code, topic_id) in library.topics:
                continue
            served = library.served(code, topic_id)
            if language.partial and served is not None:
                problems.append(Problem(library.root / code, 1,
                                        f"'{topic_id}' is not yet written in '{code}'; "
                                        f"the bot shows the {served.topic.lang} text",
                                        f"translate content/fr/{topic_id}.md", "warning"))
            else:
                problems.append(Problem(library.root / code / f"{topic_id}.md", 1,
                                        f"the topic '{topic_id}' is missing in '{code}'",
                                        f"translate content/fr/{topic_id}.md into this file"))
    return problems


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    if not path.exists():
        problems.append(Problem(path, 1, "file not found"))
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(path, 1, NOT_UTF8, SAVE_AS_UTF8))
        return None
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        problems.append(Problem(path, line, f"not valid YAML ({_short(error)})",
                                "check quotes and indentation"))
        return None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v is not None)


def _line_of(path: Path, needle: str) -> int:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith(needle):
                return number
    except OSError:
        pass
    return 1


def _leading_blank_lines(body: str) -> int:
    count = 0
    for line in body.splitlines():
        if line.strip():
            break
        count += 1
    return count


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:120]
