"""Plain-language and translation checks for editors (`passerelle content check`).

Each problem names the file and line, says what is wrong and how to fix it, in words an
editor understands. Errors fail CI; warnings are advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pyphen

from bot.clock import Clock, SystemClock
from bot.content.evidence import evidence_problems
from bot.content.library import ContentLibrary
from bot.content.local import local_gaps
from bot.content.model import SOURCE_LANGUAGE, Problem, Topic
from bot.content.sentences import count_words, split_sentences

MAX_SENTENCES = 5
AVERAGE_WORDS_WARNING = 10
READABILITY_WARNING = 70
MAX_TITLE = 40
_ABBREVIATION = re.compile(r"\b[A-Z][A-Z0-9]{1,}\b")
_KNOWN_WORDS = {"OK", "SMS", "QR", "TV", "WC", "PC"}
_TASHKEEL = re.compile("[\u064b-\u065f\u0670]")
_EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9\u1369-\u137c]")
# Flesch adaptations: (base, words-per-sentence factor, syllables-per-word factor)
READABILITY = {"fr": (207.0, 1.015, 73.6), "nl": (206.835, 0.93, 77.0)}
READABILITY_NAME = {"fr": "Kandel–Moles", "nl": "Flesch–Douma"}


@dataclass
class TranslationReport:
    """Per language: which translations are up to date, outdated, missing; drafts."""

    up_to_date: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    unversioned: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    drafts: int = 0
    total: int = 0


def lint(library: ContentLibrary, clock: Clock | None = None) -> list[Problem]:
    """Plain-language, evidence and review-status problems of every answer in every language.

    `clock` gives the check's "today" (evidence older than a year, dates in the future);
    the real date by default.
    """
    problems: list[Problem] = []
    for topic in (*library.topics.values(), *library.local_written):  # local answers too
        problems.extend(_lint_topic(library, topic))
    today: date = (clock or SystemClock()).now().date()
    problems.extend(evidence_problems(library, today))
    return problems


def _lint_topic(library: ContentLibrary, topic: Topic) -> list[Problem]:
    problems: list[Problem] = []
    language = library.languages.get(topic.lang)
    max_words = language.max_words_per_sentence if language else 15
    if len(topic.title) > MAX_TITLE:
        problems.append(Problem(topic.path, 3, f"the title has {len(topic.title)} characters "
                                f"(at most {MAX_TITLE})", "a button label must be short"))
    if not topic.body:
        return problems
    sentences = split_sentences(topic.body)
    if len(sentences) > MAX_SENTENCES:
        problems.append(Problem(topic.path, topic.body_line,
                                f"{len(sentences)} sentences (at most {MAX_SENTENCES})",
                                "keep only what a person needs first; link the source for more"))
    counts = [count_words(s) for s in sentences]
    for sentence, words in zip(sentences, counts, strict=True):
        if words > max_words:
            problems.append(Problem(topic.path, _line_of_text(topic, sentence),
                                    f"a sentence has {words} words (at most {max_words}): "
                                    f"«{_clip(sentence)}»",
                                    "split it in two; one idea per sentence"))
    if counts and sum(counts) / len(counts) > AVERAGE_WORDS_WARNING:
        problems.append(Problem(topic.path, topic.body_line,
                                f"sentences have {sum(counts) / len(counts):.1f} words on "
                                f"average (aim for {AVERAGE_WORDS_WARNING} or fewer)",
                                "shorter sentences are easier to read", "warning"))
    problems.extend(_abbreviations(library, topic))
    problems.extend(_script_rules(topic))
    score = readability(topic.lang, topic.body)
    if score is not None and score < READABILITY_WARNING:
        problems.append(Problem(topic.path, topic.body_line,
                                f"readability {READABILITY_NAME[topic.lang]} is {score:.0f} "
                                f"(aim for {READABILITY_WARNING} or more)",
                                "use shorter words and sentences", "warning"))
    return problems


def _abbreviations(library: ContentLibrary, topic: Topic) -> list[Problem]:
    explained: set[str] = set()
    for entry_id in topic.glossary:
        entry = library.glossary_entry(topic.lang, entry_id)
        if entry is not None:
            explained.update(_ABBREVIATION.findall(f"{entry.term} {entry.means}"))
    problems = []
    for abbreviation in sorted(set(_ABBREVIATION.findall(topic.body)) - explained - _KNOWN_WORDS):
        problems.append(Problem(topic.path, _line_of_text(topic, abbreviation),
                                f"the abbreviation '{abbreviation}' is not explained",
                                f"add its id to 'glossary:' (and to content/{topic.lang}/"
                                "glossary.yaml), or write the words in full"))
    return problems


def _script_rules(topic: Topic) -> list[Problem]:
    problems = []
    if topic.lang == "ar" and _TASHKEEL.search(topic.body):
        problems.append(Problem(topic.path, topic.body_line,
                                "the Arabic text has vowel marks (tashkeel)",
                                "remove them unless a word would be misread", "warning"))
    if _EASTERN_DIGITS.search(topic.body):
        problems.append(Problem(topic.path, topic.body_line,
                                "numbers are written with non-Western digits",
                                "write phone numbers as 112, 0800 32 123 so they can be dialled"))
    if topic.lang == "ti":
        geez = sum(1 for c in topic.body if 0x1200 <= ord(c) <= 0x139F)
        latin = sum(1 for c in topic.body if c.isascii() and c.isalpha())
        if geez < latin:
            problems.append(Problem(topic.path, topic.body_line,
                                    "the Tigrinya text is not mainly in Ge'ez script",
                                    "write Tigrinya in Ge'ez script (ፊደል)"))
    return problems


def readability(lang: str, body: str) -> float | None:
    """Kandel–Moles (fr) or Flesch–Douma (nl) reading ease; None for other languages."""
    if lang not in READABILITY:
        return None
    base, per_sentence, per_syllable = READABILITY[lang]
    sentences = split_sentences(body)
    words = [w for s in sentences for w in re.findall(r"[^\W\d_]+", s)]
    if not sentences or not words:
        return None
    dictionary = pyphen.Pyphen(lang=lang)
    syllables = sum(len(dictionary.positions(word)) + 1 for word in words)
    return base - per_sentence * len(words) / len(sentences) - per_syllable * syllables / len(words)


def translation_report(library: ContentLibrary) -> dict[str, TranslationReport]:
    """Translation state of every language against the French source."""
    reports: dict[str, TranslationReport] = {}
    sources = {t.id for t in library.topics_in(SOURCE_LANGUAGE)}
    for code in sorted(library.languages):
        report = TranslationReport()
        for topic_id in sorted(sources):
            topic = library.topics.get((code, topic_id))
            report.total += 1
            if topic is None:
                report.missing.append(topic_id)
                continue
            if topic.status == "draft":
                report.drafts += 1
            if code == SOURCE_LANGUAGE:
                report.up_to_date.append(topic_id)
            elif topic.translated_from is None:
                report.unversioned.append(topic_id)
            elif library.is_outdated(topic):
                report.outdated.append(topic_id)
            else:
                report.up_to_date.append(topic_id)
        reports[code] = report
    return reports


def translation_problems(library: ContentLibrary) -> list[Problem]:
    """Outdated or unversioned translations, as warnings an editor can act on."""
    problems = []
    for code, report in translation_report(library).items():
        for topic_id in report.outdated:
            problems.append(Problem(library.root / code / f"{topic_id}.md", 1,
                                    "the French text changed since this translation",
                                    "update the translation, then run: passerelle content stamp "
                                    f"--lang {code} {topic_id}", "warning"))
        for topic_id in report.unversioned:
            problems.append(Problem(library.root / code / f"{topic_id}.md", 1,
                                    "this translation does not say which French version it "
                                    "comes from", f"run: passerelle content stamp --lang {code} "
                                    f"{topic_id}", "warning"))
    problems.extend(local_gaps(library.offices, library.local_written,
                               tuple(library.languages)))
    return problems


def _line_of_text(topic: Topic, fragment: str) -> int:
    probe = fragment.strip()[:20]
    try:
        lines = topic.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return topic.body_line
    for number, line in enumerate(lines, start=1):
        if number >= topic.body_line and probe and probe in line.replace("**", ""):
            return number
    return topic.body_line


def _clip(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
