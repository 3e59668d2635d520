"""`passerelle content check` for the crisis files: the phrase rules and the examples the
crisis model learns from, in words an editor can act on.

Why in the content check and not only in tests: editors change `content/crisis/` through a
pull request, and a wrong label there (a cry for help filed as "not a crisis") teaches the
model to stay quiet. CI must say so in the file and on the line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.library import ContentLibrary
from bot.content.model import Problem
from bot.understanding.crisis import CRISIS_FOLDER, CrisisCategory, CrisisRules, crisis_normal
from bot.understanding.crisis_model import EXAMPLES_FOLDER
from bot.understanding.matcher import ordinary_texts

SECTIONS = (*(category.value for category in CrisisCategory), "not_crisis")
MIN_PER_CATEGORY = 10


def crisis_problems(library: ContentLibrary) -> list[Problem]:
    """Rule problems, then example problems, for every language."""
    folder = library.root / CRISIS_FOLDER
    rules = CrisisRules.load(folder)
    problems = [Problem(folder / f"{message.split(':', 1)[0]}.yaml", 1, message,
                        "see content/crisis/README.md, 'How to write a phrase'")
                for message in rules.check()]
    ordinary = {crisis_normal(text) for text in ordinary_texts(library)}
    for path in sorted((library.root / EXAMPLES_FOLDER).glob("*.yaml")):
        problems.extend(_example_problems(path, ordinary, rules))
    return problems


def _example_problems(path: Path, ordinary: set[str], rules: CrisisRules) -> list[Problem]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return [Problem(path, getattr(getattr(error, "problem_mark", None), "line", 0) + 1,
                        f"this file cannot be read as YAML ({error.__class__.__name__})",
                        "check the quotes and the two-space indentation of the list")]
    if not isinstance(data, dict):
        return [Problem(path, 1, "the file must be sections (suicide:, medical:, …) with lists",
                        f"use the sections {', '.join(SECTIONS)}")]
    lines = path.read_text(encoding="utf-8").splitlines()
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for section, values in data.items():
        line = _line_of(lines, f"{section}:")
        if section not in SECTIONS:
            problems.append(Problem(path, line, f"unknown section '{section}'",
                                    f"use one of {', '.join(SECTIONS)}"))
            continue
        for text in values if isinstance(values, list) else []:
            normal = crisis_normal(str(text))
            where = _line_of(lines, str(text)) or line
            if normal in seen and seen[normal] != section:
                problems.append(Problem(path, where, f"«{text}» is both under '{seen[normal]}' "
                                        f"and under '{section}'", "keep it in one section"))
            seen.setdefault(normal, section)
            if section != "not_crisis" and normal in ordinary:
                problems.append(Problem(path, where, f"«{text}» is an emergency here but an "
                                        "ordinary phrasing, title or out-of-scope example",
                                        "remove it from the topic or from this file"))
            marker = rules.not_now_marker(normal)
            if section != "not_crisis" and marker is not None:
                problems.append(Problem(path, where, f"«{text}» is an emergency, but the "
                                        f"not-now marker «{marker.source}» ({marker.name}) "
                                        "is in it, so the bot would only ask",
                                        "make the marker more precise, or check the label"))
    for section in SECTIONS[:-1]:
        count = len(data.get(section) or [])
        if count < MIN_PER_CATEGORY:
            problems.append(Problem(path, 1, f"only {count} example(s) of '{section}'",
                                    f"write at least {MIN_PER_CATEGORY}, the ways people "
                                    "really type them", severity="warning"))
    return problems


def _line_of(lines: list[str], fragment: str) -> int:
    return next((number for number, line in enumerate(lines, 1) if fragment in line), 0)
