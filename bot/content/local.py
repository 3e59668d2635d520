"""Local content: `content/local/<office>/<lang>/<topic>.md` replaces or adds to a
national answer for one office's people.

A local file has the national file's shape, but only `id` and `status` are required:
title, pictogram, phrasings and keywords come from the national answer (matching stays
national). `local: add` puts its text under the national one; the default replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.content.model import SOURCE_LANGUAGE, Problem, Topic, TopicCatalogue
from bot.offices.model import Offices

LOCAL_REQUIRED = ("id", "status")
LOCAL_MODES = ("replace", "add")
LoadTopic = Callable[[Path, str, TopicCatalogue, list[Problem], tuple[str, ...]], Topic | None]


def load_local(folder: Path, topics: dict[tuple[str, str], Topic], offices: Offices,
               catalogue: TopicCatalogue, load_topic: LoadTopic,
               problems: list[Problem]) -> tuple[dict[tuple[str, str, str], Topic],
                                                  tuple[Topic, ...]]:
    """The answers as each office's people see them, and the files as written."""
    served: dict[tuple[str, str, str], Topic] = {}
    written: list[Topic] = []
    if not folder.is_dir():
        return served, ()
    languages = {lang for lang, _id in topics}
    for office_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        if offices.get(office_dir.name) is None:
            problems.append(Problem(office_dir, 1, f"'{office_dir.name}' is not an office",
                                    "name the folder like a file of content/offices/ "
                                    "(without .yaml)"))
            continue
        for lang_dir in sorted(p for p in office_dir.iterdir() if p.is_dir()):
            if lang_dir.name not in languages:
                problems.append(Problem(lang_dir, 1, f"'{lang_dir.name}' is not a content "
                                        "language", "use a folder name of content/, e.g. fr"))
                continue
            for path in sorted(lang_dir.glob("*.md")):
                topic = _local_topic(path, lang_dir.name, topics, catalogue, load_topic,
                                     problems)
                if topic is not None:
                    written.append(topic)
                    mode = _mode(path, problems)
                    served[(office_dir.name, topic.lang, topic.id)] = _as_served(
                        topic, topics, mode)
    return served, tuple(written)


def _local_topic(path: Path, lang: str, topics: dict[tuple[str, str], Topic],
                 catalogue: TopicCatalogue, load_topic: LoadTopic,
                 problems: list[Problem]) -> Topic | None:
    found: list[Problem] = []
    topic = load_topic(path, lang, catalogue, found, LOCAL_REQUIRED)
    # `local:` is this folder's own field; the national loader does not know it
    problems.extend(p for p in found if p.message != "unknown field 'local'")
    if topic is None:
        return None
    national = topics.get((lang, topic.id)) or topics.get((SOURCE_LANGUAGE, topic.id))
    if national is None:
        problems.append(Problem(path, 1, f"there is no national answer '{topic.id}'",
                                f"write content/{lang}/{topic.id}.md first, or fix the id"))
        return None
    return replace(topic, title=topic.title if topic.title != topic.id else national.title,
                   pictogram=topic.pictogram or national.pictogram,
                   phrasings=national.phrasings, keywords=national.keywords,
                   theme=national.theme, related=topic.related or national.related,
                   glossary=topic.glossary or national.glossary)


def _mode(path: Path, problems: list[Problem]) -> str:
    import yaml

    from bot.content.loader import split_front_matter

    parts = split_front_matter(path.read_text(encoding="utf-8"))
    meta = yaml.safe_load(parts[0]) if parts else None
    mode = str(meta.get("local", "replace")) if isinstance(meta, dict) else "replace"
    if mode not in LOCAL_MODES:
        problems.append(Problem(path, 2, f"local '{mode}' is unknown",
                                "write local: replace (the default) or local: add"))
        return "replace"
    return mode


def _as_served(topic: Topic, topics: dict[tuple[str, str], Topic], mode: str) -> Topic:
    """`add`: the national text in the same language, then the local lines."""
    national = topics.get((topic.lang, topic.id))
    if mode != "add" or national is None:
        return topic
    return replace(national, body=f"{national.body}\n\n{topic.body}",
                   source=national.source or topic.source)


def local_gaps(offices: Offices, written: tuple[Topic, ...],
               languages: tuple[str, ...]) -> list[Problem]:
    """A local answer missing in a language the office offers: those readers get the
    national answer (a warning: not wrong, only not local)."""
    problems: list[Problem] = []
    have = {(t.path.parent.parent.name, t.lang, t.id) for t in written}
    firsts: dict[tuple[str, str], Topic] = {}
    for topic in written:
        firsts.setdefault((topic.path.parent.parent.name, topic.id), topic)
    for (office_id, topic_id), topic in firsts.items():
        office = offices.get(office_id)
        offered = office.languages if office and office.languages else languages
        missing = [code for code in offered if (office_id, code, topic_id) not in have]
        if missing:
            problems.append(Problem(
                topic.path, 1, f"the local answer '{topic_id}' of {office_id} is not written "
                f"in {', '.join(missing)}: those readers see the national answer",
                f"add content/local/{office_id}/<lang>/{topic_id}.md", "warning"))
    return problems
