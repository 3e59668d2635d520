"""`passerelle content check` for `content/elsewhere.yaml` (other countries' names).

Why: a name that is also Belgian or an everyday word there would make the bot refuse
ordinary Belgian questions. CI names it: an unknown section or topic, and any ordinary
phrasing of the content that the rule would now decline (with the word to blame).
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.content.library import ContentLibrary
from bot.content.model import Problem
from bot.understanding.elsewhere import ELSEWHERE_FILE, SECTIONS, ElsewhereRule

HINT = "see the comments at the top of content/elsewhere.yaml"


def elsewhere_problems(library: ContentLibrary) -> list[Problem]:
    """Unreadable file, unknown sections and topics, and phrasings the rule would decline."""
    path = library.root / ELSEWHERE_FILE
    if not path.exists():
        return []
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return [Problem(path, 1, f"this file cannot be read: {error}", HINT)]
    if not isinstance(data, dict):
        return [Problem(path, 1, "this file must have the sections " + ", ".join(SECTIONS),
                        HINT)]
    problems = [Problem(path, 1, f"unknown section '{key}'", "use " + ", ".join(SECTIONS))
                for key in data if key not in SECTIONS]
    known = {topic_id for _, topic_id in library.topics}
    problems += [Problem(path, 1, f"abroad_topics: '{topic}' is not a topic id", HINT)
                 for topic in data.get("abroad_topics") or [] if str(topic) not in known]
    rule = ElsewhereRule.from_data(data)
    for (language, topic_id), topic in sorted(library.topics.items()):
        for text in topic.phrasings:
            if rule.declines(text, topic_id):
                problems.append(Problem(
                    path, 1, f"the {language} phrasing '{text}' of {topic_id} would be "
                    "refused as another country's question",
                    "remove or narrow the word that matches it, or add a word under 'here'"))
    return problems
