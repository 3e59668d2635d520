"""Record which French version a translation was made from (`translated_from`).

Editors never type hashes: after updating a translation they run
`passerelle content stamp --lang nl TOPIC`. After a French change that does not alter the
meaning (a typo), `passerelle content minor-edit TOPIC` re-stamps the translations that
were up to date before it, so they are not reported as outdated.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from bot.content.library import ContentLibrary, source_hash
from bot.content.loader import split_front_matter
from bot.content.model import SOURCE_LANGUAGE, Topic


def write_translated_from(path: Path, version: str) -> None:
    """Set the `translated_from` field in a file's front matter, keeping everything else."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    closing = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    field = f"translated_from: {version}\n"
    for index in range(1, closing):
        if lines[index].startswith("translated_from:"):
            lines[index] = field
            break
    else:
        lines.insert(closing, field)
    path.write_text("".join(lines), encoding="utf-8")


def stamp(library: ContentLibrary, lang: str, topic_ids: list[str] | None = None) -> list[Path]:
    """Stamp translations with the current French version: the named ones, else unstamped ones."""
    written = []
    for topic in library.topics_in(lang):
        source = library.topics.get((SOURCE_LANGUAGE, topic.id))
        if source is None or lang == SOURCE_LANGUAGE:
            continue
        if topic_ids is not None and topic.id not in topic_ids:
            continue
        if topic_ids is None and topic.translated_from is not None:
            continue
        write_translated_from(topic.path, source_hash(source))
        written.append(topic.path)
    return written


def minor_edit(library: ContentLibrary, topic_id: str, previous: Topic | None = None) -> list[Path]:
    """Carry translations that matched the previous French text over to the new one."""
    source = library.topics.get((SOURCE_LANGUAGE, topic_id))
    if source is None:
        raise KeyError(topic_id)
    previous = previous or committed_version(source)
    old = source_hash(previous) if previous else None
    new = source_hash(source)
    written = []
    for (code, other_id), topic in library.topics.items():
        if other_id != topic_id or code == SOURCE_LANGUAGE:
            continue
        if old is None or topic.translated_from == old:
            write_translated_from(topic.path, new)
            written.append(topic.path)
    return written


def committed_version(topic: Topic) -> Topic | None:
    """The French topic as last committed to git (None outside a git checkout)."""
    try:
        relative = topic.path.resolve().relative_to(_git_root(topic.path))
        text = subprocess.run(
            ["git", "show", f"HEAD:{relative.as_posix()}"], cwd=topic.path.parent,
            capture_output=True, text=True, check=True,
        ).stdout
    except (subprocess.CalledProcessError, OSError, ValueError):
        return None
    parts = split_front_matter(text)
    if parts is None:
        return None
    meta = yaml.safe_load(parts[0]) or {}
    return Topic(id=topic.id, lang=SOURCE_LANGUAGE, theme=topic.theme,
                 title=str(meta.get("title", "")), pictogram="", body=parts[1].strip())


def _git_root(path: Path) -> Path:
    out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent,
                         capture_output=True, text=True, check=True).stdout.strip()
    return Path(out).resolve()
