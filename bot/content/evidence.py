"""Evidence: every fact an answer states is backed by an official page and its exact words.

In a French topic file's front matter (a translation has its own list only for a fact it
adds; otherwise it shares the French evidence):

    source: https://www.wallonie.be/fr/...       # the page the newcomer is shown
    evidence:
      - claim: "maximum 2 mois de loyer"         # a few words copied from the body sentence
        url: https://www.wallonie.be/fr/...       # the official page (not a home page)
        quote: "ne peut excéder deux mois"        # the exact words on that page
        seen: 2026-12-03                          # the day the page (or its copy) was read

A glossary entry (`glossary.yaml`) may carry the same `evidence:` list; its claims are
copied from the entry's `means`, and its items are checked like an answer's (not required).

An item covers the one body sentence that contains its `claim`, compared without case,
accents, Markdown or extra spaces. `passerelle content check` (via `lint`) then says:

errors
    a fact sentence of a French answer (see `fact_reason`) that no item covers; a number
    of a fact sentence that is in no claim or quote of the items covering it; a claim in no
    sentence or in several; a missing or empty claim, url or quote; a url (or `source`)
    that is not https:// or is a site's home page; `seen` not a date or after today;
    `checked` without `checked_by` (or the reverse), `status: reviewed` without `checked`,
    `checked` on a draft, `checked` after today.
warnings
    evidence seen more than a year ago; a number in a claim but in no quote (the page
    should show it; "deux" for 2 counts); no evidence from the `source` page; a number in
    a translation that the French text does not have.

What is a fact sentence (French bodies; `fact_reason` says why, in the editor's message):
it has a digit (amount, duration, phone number, date, age) or a French number word
("deux mois"); or names a region (Bruxelles, Wallonie, Flandre, Communauté germanophone,
"région", "fédéral"); or an institution or authority (CPAS, OCMW, Unia, VMRI, Fedasil,
ONEM, INAMI, commune, mutualité, police, tribunal, école… and any abbreviation in
capitals or capitalised name inside the sentence, such as Ombudsfin or Lire et Écrire); or
a word of obligation, deadline, right or cost ("doit", "obligatoire", "délai", "maximum",
"gratuit", "droit", "rembourser", "amende", "tarif"…). Not facts: questions without a
number (they only address the reader), and sentences about Passerelle itself ("ce point
d'information", "ici", "nous"), which no official page can support. Function topics
(main menu, change language, talk to a person, delete my data) are exempt; `crisis` is
not: it gives the phone numbers a person in danger will dial.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.content.library import ContentLibrary
from bot.content.model import SOURCE_LANGUAGE, Evidence, Problem, Topic
from bot.content.sentences import split_sentences, strip_markdown

FIELDS = ("claim", "url", "quote", "seen")
STALE_AFTER = timedelta(days=365)
# Functions whose body states facts all the same (phone numbers): `crisis` and `crisis-…`.
FUNCTIONS_WITH_FACTS = ("crisis",)


def states_facts(topic_id: str, is_function: bool) -> bool:
    """Answers, and the crisis functions, state facts that need a source and evidence."""
    return not is_function or any(topic_id == f or topic_id.startswith(f"{f}-")
                                  for f in FUNCTIONS_WITH_FACTS)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "«": '"', "»": '"',
                              "“": '"', "”": '"', "„": '"'})
_NUMBER = re.compile(r"\d+(?:[ .,/]\d+)*")
_BELGIAN_PREFIX = re.compile(r"(?:\+|\b00)32[ .]?(?=\d)")  # +32 2 518 21 23 is 02 518 21 23


def normalise(text: str) -> str:
    """Text compared without case, accents, Markdown, typographic quotes or extra spaces."""
    text = strip_markdown(text).translate(_APOSTROPHES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def _words(*words: str) -> re.Pattern[str]:
    """Whole words or phrases (accentless, lower case), with an optional plural -s/-x."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})[sx]?(?![\w-])")


_NUMBER_WORDS = {
    # French
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20,
    "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000,
    "premier": 1, "premiere": 1, "deuxieme": 2, "second": 2, "seconde": 2, "troisieme": 3,
    "tweede": 2, "derde": 3, "third": 3,
    # Dutch, English, German (pages of Flanders, federal pages in English, the DG)
    "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "vijftien": 15, "twintig": 20,
    "dertig": 30, "veertig": 40, "vijftig": 50, "honderd": 100,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100,
    "zwei": 2, "drei": 3, "funf": 5, "sechs": 6, "sieben": 7, "zehn": 10, "zwolf": 12,
    "zwanzig": 20, "dreissig": 30,
}
# Number words that make a French sentence a fact ("un"/"une" are articles; "neuf" is "new").
_FACT_NUMBER_WORDS = _words("deux", "trois", "quatre", "cinq", "six", "sept", "huit", "dix",
                            "onze", "douze", "quinze", "vingt", "trente", "quarante",
                            "cinquante", "soixante", "cent", "mille", "demi", "moitie")
_REGIONS = _words("bruxelles", "bruxellois", "bruxelloise", "wallonie", "wallon", "wallonne",
                  "flandre", "flamand", "flamande", "germanophone", "communaute germanophone",
                  "region", "regional", "regionale", "federal", "federale")
_INSTITUTIONS = _words(
    "cpas", "ocmw", "unia", "vmri", "mensenrechteninstituut", "fedasil", "onem", "rva",
    "inami", "riziv", "commune", "mutualite", "mutuelle", "ziekenfonds", "caami", "police",
    "tribunal", "office des etrangers", "cgra", "actiris", "forem", "vdab", "adg", "baj",
    "bureau d'aide juridique", "maison de justice", "palais de justice", "avocat", "huissier",
    "banque", "ombudsfin", "mediateur", "agentschap", "cri", "bapa", "sncb", "stib", "tec",
    "de lijn", "fonds du logement", "societe de logement", "ais", "svk", "caisse", "spf",
    "ecole", "creche", "hopital", "medecin", "employeur", "proprietaire", "assistant social",
)
_OBLIGATIONS = _words(
    "doit", "doivent", "devez", "devrez", "devra", "devront", "obligatoire", "obligation",
    "oblige", "obligee", "interdit", "interdite", "delai", "maximum", "minimum",
    "au plus tard", "au moins", "gratuit", "gratuite", "gratuitement", "payant", "payante",
    "rembourse", "remboursez", "rembourser", "remboursement", "droit", "condition",
    "suspendu", "suspendue", "suspension", "amende", "sanction", "recours", "risquez",
    "perdre", "automatiquement", "valable", "expire", "expiree", "coute", "tarif", "prix",
    "cotisation", "allocation", "euro", "montant", "revenu", "il faut", "faut", "permet",
    "refugie", "reconnu", "protection subsidiaire", "registre",
)
_ABOUT_THIS_SERVICE = re.compile(
    r"passerelle|point d'information|(?<![\w-])(ici|nous|je|j')(?![\w-])")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,}\b")
_NOT_NAMES = {"OK", "SMS", "QR", "TV", "WC", "PC", "PIN", "E-MAIL"}
_NAME = re.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ][\w’'-]*")


def fact_reason(sentence: str) -> str | None:
    """Why a French body sentence states a fact (for the editor), or None if it does not."""
    norm = normalise(sentence)
    if _ABOUT_THIS_SERVICE.search(norm):
        return None
    numbers = number_tokens(sentence)
    if norm.endswith("?") and not numbers:
        return None
    if numbers:
        return f"it has the number {_shown_number(sentence, numbers[0])}"
    for pattern, what in ((_FACT_NUMBER_WORDS, "it says the number"),
                          (_REGIONS, "it names the region"), (_INSTITUTIONS, "it names")):
        match = pattern.search(norm)
        if match:
            return f"{what} «{match.group(0)}»"
    visible = strip_markdown(sentence)
    for acronym in _ACRONYM.findall(visible):
        if acronym not in _NOT_NAMES:
            return f"it names «{acronym}»"
    names = [m.group(0) for m in _NAME.finditer(visible)
             if m.start() > 0 and m.group(0) not in _NOT_NAMES
             and not visible[: m.start()].rstrip().endswith(("«", '"', "“", "(", ":"))]
    if names:
        return f"it names «{names[0]}»"
    match = _OBLIGATIONS.search(norm)
    if match:
        return f"it says «{match.group(0)}»"
    return None


def _numbers_text(text: str) -> str:
    return _BELGIAN_PREFIX.sub("0", normalise(text))


def number_tokens(text: str) -> list[str]:
    """Numbers written with digits, each as its digits only ("0800 32 123" → "080032123").

    Belgian phone numbers are compared in their national form: +32 2 … is 02 ….
    """
    norm = _numbers_text(text)
    return [_digits(m.group(0)) for m in _NUMBER.finditer(norm)]


def evidence_numbers(text: str) -> set[str]:
    """Every number a claim or quote gives: digit groups, their parts, and number words."""
    norm = _numbers_text(text)
    found: set[str] = set()
    for match in _NUMBER.finditer(norm):
        found.add(_digits(match.group(0)))
        found.update(_digits(part) for part in re.split(r"[ /]", match.group(0)))
    for word in re.findall(r"[a-z]+", norm):
        if word in _NUMBER_WORDS:
            found.add(str(_NUMBER_WORDS[word]))
    return found


def _digits(number: str) -> str:
    """A number's digits only; zero cents dropped ("1.250,00" and "1 250" are both "1250")."""
    return re.sub(r"\D", "", re.sub(r"[.,]0{1,2}$", "", number))


def _shown_number(sentence: str, token: str) -> str:
    for match in _NUMBER.finditer(_numbers_text(sentence)):
        if _digits(match.group(0)) == token:
            return match.group(0)
    return token


def home_page_reason(url: str) -> str | None:
    """What is wrong with an evidence or source address, or None if it can be used."""
    if not url.startswith("https://"):
        return "is not an https:// address"
    parts = urlsplit(url)
    if not parts.hostname:
        return "is not a web address"
    path = parts.path.rstrip("/")
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1].lower() in {"index.html", "index.htm", "index.php", "home",
                                             "accueil", "startpagina", "start"}:
        segments = segments[:-1]
    if not segments and parts.query and not re.fullmatch(r"(lang|language|hl)=\w+",
                                                         parts.query):
        return None  # a page chosen by its query, e.g. /?p=7743 or /index.php?page=25703
    if not segments or (len(segments) == 1 and re.fullmatch(r"[a-zA-Z]{2}([-_][a-zA-Z]{2})?",
                                                            segments[0])):
        return "is a site's home page"
    return None


def parse_evidence(raw: Any) -> tuple[Evidence, ...]:
    """The well-formed items of a front matter `evidence:` list (the check reports the rest)."""
    if not isinstance(raw, list):
        return ()
    items = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        claim, url, quote = (entry.get(name) for name in ("claim", "url", "quote"))
        seen = as_date(entry.get("seen"))
        if claim is None or url is None or seen is None:
            continue
        items.append(Evidence(claim=str(claim).strip(), url=str(url).strip(),
                              quote=str(quote or "").strip(), seen=seen))
    return tuple(items)


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def claim_matches(claim: str, sentences: list[str]) -> list[int]:
    """Indexes of the sentences that contain `claim` (case, accents, Markdown ignored)."""
    needle = normalise(claim).strip(" .!?;:")
    if not needle:
        return []
    return [i for i, sentence in enumerate(sentences) if needle in normalise(sentence)]


def needs_evidence(topic: Topic) -> bool:
    """French answers and the fact-stating functions; other functions are exempt."""
    return topic.lang == SOURCE_LANGUAGE and states_facts(topic.id, topic.is_function)


# -- the content check ----------------------------------------------------------------------


@dataclass
class _Item:
    """One `evidence:` entry as written, with its line numbers, for precise messages."""

    index: int
    line: int
    value: Any
    key_lines: dict[str, int] = field(default_factory=dict)

    def text(self, name: str) -> str:
        value = self.value.get(name) if isinstance(self.value, dict) else None
        return "" if value is None else str(value).strip()

    def line_of(self, name: str) -> int:
        return self.key_lines.get(name, self.line)


def evidence_problems(library: ContentLibrary, today: date) -> list[Problem]:
    """Evidence and review-status problems of every topic file (see the module docstring)."""
    problems: list[Problem] = []
    for topic in library.topics.values():
        problems.extend(_status_problems(topic, today))
        if topic.source and home_page_reason(topic.source) == "is a site's home page":
            problems.append(Problem(topic.path, _line_of(topic.path, "source:"),
                                    f"the source {topic.source} is a site's home page",
                                    "link the official page that says what the answer says: "
                                    "the newcomer is shown it"))
        declared, items = _read_items(topic.path)
        if declared is not None:
            problems.append(declared)
        sentences = split_sentences(topic.body)
        covering: dict[int, list[_Item]] = {}
        for item in items:
            problems.extend(_item_problems(library, topic, item, sentences, covering, today))
        if needs_evidence(topic):
            problems.extend(_coverage_problems(topic, sentences, covering))
            urls = {item.text("url") for item in items}
            if items and topic.source and topic.source not in urls:
                problems.append(Problem(topic.path, _line_of(topic.path, "source:"),
                                        "no evidence item is from the source page "
                                        f"{topic.source}", "the newcomer is shown the source: "
                                        "use the page most facts come from", "warning"))
        elif topic.lang != SOURCE_LANGUAGE and topic.body:
            problems.extend(_translation_numbers(library, topic, items))
    for lang in sorted(library.glossaries):
        problems.extend(glossary_evidence_problems(library.root / lang / "glossary.yaml", today))
    return problems


def glossary_evidence_problems(path: Path, today: date) -> list[Problem]:
    """An optional `evidence:` list under a glossary entry: each item's claim is in the
    entry's `means`, with the same url, quote and seen rules as an answer's items."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError):
        return []  # a missing glossary is fine; a broken one the loader already reported
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        return []
    problems: list[Problem] = []
    for key_node, value_node in root.value:
        entry = data.get(key_node.value)
        if not isinstance(value_node, yaml.MappingNode) or not isinstance(entry, dict):
            continue
        for field_node, items_node in value_node.value:
            if field_node.value != "evidence":
                continue
            line = field_node.start_mark.line + 1
            values = entry.get("evidence")
            if not isinstance(items_node, yaml.SequenceNode) or not isinstance(values, list):
                problems.append(Problem(path, line, f"glossary entry '{key_node.value}': "
                                        "'evidence' must be a list of items",
                                        "write each item as '- claim: …' with url, quote and "
                                        "seen below it"))
                continue
            means = str(entry.get("means") or "")
            for index, (node, value) in enumerate(zip(items_node.value, values, strict=True),
                                                  start=1):
                key_lines = ({str(k.value): k.start_mark.line + 1 for k, _ in node.value}
                             if isinstance(node, yaml.MappingNode) else {})
                item = _Item(index, node.start_mark.line + 1, value, key_lines)
                problems.extend(_glossary_item_problems(path, str(key_node.value), means,
                                                        item, today))
    return problems


def _glossary_item_problems(path: Path, entry_id: str, means: str, item: _Item,
                            today: date) -> list[Problem]:
    label = f"glossary '{entry_id}', evidence item {item.index}"
    if not isinstance(item.value, dict):
        return [Problem(path, item.line, f"{label} is not a claim/url/quote/seen item",
                        "write '- claim: …' then 'url: …', 'quote: …', 'seen: …' "
                        "indented below it")]
    problems = [Problem(path, item.line_of(str(key)), f"{label} has an unknown field '{key}'",
                        "the fields are claim, url, quote and seen")
                for key in item.value if key not in FIELDS]
    claim = item.text("claim")
    if not claim:
        problems.append(Problem(path, item.line, f"{label} has no claim",
                                "add 'claim:' with a few words copied from 'means'"))
    elif not claim_matches(claim, [means]):
        problems.append(Problem(path, item.line_of("claim"),
                                f"{label}: the claim «{_clip(claim)}» is not in 'means'",
                                "copy a few words of 'means' exactly (case, accents and ** "
                                "do not matter)"))
    else:
        label = f"glossary '{entry_id}', evidence «{_clip(claim, 40)}»"
    return problems + _page_problems(path, label, item, today)


def _status_problems(topic: Topic, today: date) -> list[Problem]:
    problems = []
    path = topic.path
    draft_checked = topic.status == "draft" and topic.checked is not None
    if topic.checked is not None and not topic.checked_by and not draft_checked:
        problems.append(Problem(path, _line_of(path, "checked:"),
                                "'checked' says a person checked the facts, but not who",
                                "add 'checked_by: <name or role>'; if nobody checked them, "
                                "remove 'checked'"))
    if topic.checked_by and topic.checked is None:
        problems.append(Problem(path, _line_of(path, "checked_by:"),
                                "'checked_by' is set but there is no 'checked' date",
                                "add 'checked: YYYY-MM-DD', the day of the review, or remove "
                                "'checked_by'"))
    if topic.status == "reviewed" and topic.checked is None:
        problems.append(Problem(path, _line_of(path, "status:"),
                                "the status is 'reviewed' but there is no 'checked' date",
                                "the reviewer adds 'checked: YYYY-MM-DD' and 'checked_by:'; "
                                "otherwise write 'status: draft'"))
    if draft_checked:
        problems.append(Problem(path, _line_of(path, "checked:"),
                                "a draft has a 'checked' date: no person reviewed it",
                                "remove 'checked' (and 'checked_by'); after a review write "
                                "'status: reviewed' with both (docs/reviewing.md)"))
    if topic.checked is not None and topic.checked > today:
        problems.append(Problem(path, _line_of(path, "checked:"),
                                f"'checked' is {topic.checked}, after today ({today})",
                                "write the day the person checked the facts"))
    return problems


def _item_problems(library: ContentLibrary, topic: Topic, item: _Item, sentences: list[str],
                   covering: dict[int, list[_Item]], today: date) -> list[Problem]:
    path = topic.path
    label = f"evidence item {item.index}"
    if not isinstance(item.value, dict):
        return [Problem(path, item.line, f"{label} is not a claim/url/quote/seen item",
                        "write '- claim: …' then 'url: …', 'quote: …', 'seen: …' "
                        "indented below it")]
    problems = []
    for key in item.value:
        if key not in FIELDS:
            problems.append(Problem(path, item.line_of(str(key)),
                                    f"{label} has an unknown field '{key}'",
                                    "the fields are claim, url, quote and seen"))
    claim = item.text("claim")
    if claim:
        label = f"evidence «{_clip(claim, 40)}»"
        matches = claim_matches(claim, sentences)
        french = library.topics.get((SOURCE_LANGUAGE, topic.id))
        if not matches and topic.lang != SOURCE_LANGUAGE and french is not None and \
                claim_matches(claim, split_sentences(french.body)):
            problems.append(Problem(path, item.line_of("claim"),
                                    f"the claim «{_clip(claim)}» is a French sentence's",
                                    "remove this item: translations share the French evidence; "
                                    "give a translation its own only for a fact it adds"))
        elif not matches:
            problems.append(Problem(path, item.line_of("claim"),
                                    f"the claim «{_clip(claim)}» is in no sentence of the text",
                                    "copy a few words of the sentence it supports exactly "
                                    "(case, accents and ** do not matter)"))
        elif len(matches) > 1:
            problems.append(Problem(path, item.line_of("claim"),
                                    f"the claim «{_clip(claim)}» is in {len(matches)} "
                                    "sentences", "copy more words, so that it is in only one "
                                    "sentence"))
        else:
            covering.setdefault(matches[0], []).append(item)
    else:
        problems.append(Problem(path, item.line, f"{label} has no claim",
                                "add 'claim:' with a few words copied from the sentence it "
                                "supports"))
    return problems + _page_problems(path, label, item, today)


def _page_problems(path: Path, label: str, item: _Item, today: date) -> list[Problem]:
    """The url, quote and seen of one item (answers and glossary entries alike)."""
    problems = []
    url = item.text("url")
    if not url:
        problems.append(Problem(path, item.line, f"{label} has no url",
                                "add 'url:' with the official page that states it"))
    else:
        reason = home_page_reason(url)
        if reason:
            hint = ("link the page that states this fact, not the site's home page"
                    if "home page" in reason else "use the page's https:// address")
            problems.append(Problem(path, item.line_of("url"), f"{label}: the page {url} "
                                    f"{reason}", hint))
    if not item.text("quote"):
        problems.append(Problem(path, item.line_of("quote"), f"{label} has an empty quote",
                                "copy the exact words of the page that state this fact"))
    raw_seen = item.value.get("seen")
    seen = as_date(raw_seen)
    if raw_seen is None:
        problems.append(Problem(path, item.line, f"{label} has no 'seen' date",
                                "add 'seen: YYYY-MM-DD', the day you read the page"))
    elif seen is None:
        problems.append(Problem(path, item.line_of("seen"), f"{label}: seen '{raw_seen}' is "
                                "not a date", "write the day you read the page, as 2026-12-03"))
    elif seen > today:
        problems.append(Problem(path, item.line_of("seen"), f"{label}: seen {seen} is after "
                                f"today ({today})", "write the day you read the page"))
    elif today - seen > STALE_AFTER:
        problems.append(Problem(path, item.line_of("seen"), f"{label}: the page was seen on "
                                f"{seen}, more than a year ago", "open the page again, check "
                                "the quote is still there, and update 'seen'", "warning"))
    return problems


def _coverage_problems(topic: Topic, sentences: list[str],
                       covering: dict[int, list[_Item]]) -> list[Problem]:
    problems = []
    for index, sentence in enumerate(sentences):
        reason = fact_reason(sentence)
        if reason is None:
            continue
        line = line_of_sentence(topic, sentence)
        items = covering.get(index, [])
        if not items:
            problems.append(Problem(topic.path, line, f"this sentence states a fact ({reason}) "
                                    f"but no evidence covers it: «{_clip(sentence)}»",
                                    "add an 'evidence:' item whose claim is a few words of it, "
                                    "with the official page, its exact words and the date seen"))
            continue
        in_claims = set().union(*(evidence_numbers(i.text("claim")) for i in items))
        in_quotes = set().union(*(evidence_numbers(i.text("quote")) for i in items))
        for number in dict.fromkeys(number_tokens(sentence)):
            shown = _shown_number(sentence, number)
            if number not in in_claims and number not in in_quotes:
                problems.append(Problem(topic.path, line, f"the number {shown} is in no claim "
                                        f"or quote of this sentence's evidence: "
                                        f"«{_clip(sentence)}»", "put it in the claim and quote "
                                        "the page's words that give it (\"deux\" for 2 is "
                                        "fine), or correct the number"))
            elif number not in in_quotes:
                problems.append(Problem(topic.path, line, f"the number {shown} is in the claim "
                                        "but in no quote", "check that the page gives this "
                                        "number and quote those words", "warning"))
    return problems


def _translation_numbers(library: ContentLibrary, topic: Topic,
                         items: list[_Item]) -> list[Problem]:
    french = library.topics.get((SOURCE_LANGUAGE, topic.id))
    if french is None:
        return []
    known = set(number_tokens(french.body)) | evidence_numbers(french.body)
    for item in items:
        known |= evidence_numbers(item.text("claim")) | evidence_numbers(item.text("quote"))
    problems = []
    for sentence in split_sentences(topic.body):
        for number in dict.fromkeys(number_tokens(sentence)):
            if number not in known:
                problems.append(Problem(topic.path, line_of_sentence(topic, sentence),
                                        f"the number {_shown_number(sentence, number)} is not "
                                        f"in the French text: «{_clip(sentence)}»",
                                        "correct it, or if this translation adds a fact give it "
                                        "its own 'evidence:' item", "warning"))
    return problems


def _read_items(path: Path) -> tuple[Problem | None, list[_Item]]:
    """The `evidence:` entries as written, with line numbers (YAML nodes know them)."""
    from bot.content.loader import split_front_matter

    try:
        parts = split_front_matter(path.read_text(encoding="utf-8"))
    except OSError:
        return None, []
    if parts is None:
        return None, []
    front = parts[0]
    try:
        root = yaml.compose(front)
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError:
        return None, []  # the loader already reported it
    if not isinstance(root, yaml.MappingNode) or not isinstance(meta, dict):
        return None, []
    for key_node, value_node in root.value:
        if key_node.value != "evidence":
            continue
        line = key_node.start_mark.line + 2
        values = meta.get("evidence")
        if values is None:
            return None, []
        if not isinstance(value_node, yaml.SequenceNode) or not isinstance(values, list):
            return Problem(path, line, "'evidence' must be a list of items",
                           "write each item as '- claim: …' with url, quote and seen below "
                           "it (docs/content-format.md)"), []
        items = []
        for index, (node, value) in enumerate(zip(value_node.value, values, strict=True),
                                              start=1):
            key_lines = ({str(k.value): k.start_mark.line + 2 for k, _ in node.value}
                         if isinstance(node, yaml.MappingNode) else {})
            items.append(_Item(index, node.start_mark.line + 2, value, key_lines))
        return None, items
    return None, []


def line_of_sentence(topic: Topic, sentence: str) -> int:
    """The file line where a body sentence starts (the body's first line if not found)."""
    probe = normalise(sentence)[:20]
    try:
        lines = topic.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return topic.body_line
    for number, line in enumerate(lines, start=1):
        if number >= topic.body_line and probe and probe in normalise(line):
            return number
    return topic.body_line


def _line_of(path: Path, needle: str) -> int:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith(needle):
                return number
    except OSError:
        pass
    return 1


def _clip(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def evidence_summary(library: ContentLibrary) -> str:
    """One line for `content check`: how many French fact sentences have evidence."""
    facts = covered = complete = answers = 0
    for topic in library.topics_in(SOURCE_LANGUAGE):
        if not needs_evidence(topic):
            continue
        answers += 1
        sentences = split_sentences(topic.body)
        found = _covering(topic.evidence, sentences)
        reasons = [i for i, s in enumerate(sentences) if fact_reason(s) is not None]
        facts += len(reasons)
        covered += sum(1 for i in reasons if i in found)
        complete += all(i in found for i in reasons)
    return (f"Evidence: {covered} of {facts} French fact sentences covered; {complete} of "
            f"{answers} answers complete.")


# -- `passerelle content evidence TOPIC [--lang L]` -------------------------------------------


def evidence_report(library: ContentLibrary, topic_id: str, lang: str = SOURCE_LANGUAGE) -> str:
    """Each body sentence beside the evidence covering it, for the person who reviews.

    For a translation, the French sentence at the same position is shown beside it (when
    both texts have as many sentences) with the French evidence; the translation's own
    items are shown under the sentence they match. Raises KeyError for an unknown topic.
    """
    topic = library.topics.get((lang, topic_id))
    if topic is None:
        raise KeyError((lang, topic_id))
    french = library.topics.get((SOURCE_LANGUAGE, topic_id))
    shown = topic.path
    with contextlib.suppress(ValueError):
        shown = topic.path.resolve().relative_to(library.root.resolve().parent)
    out = [f"{topic_id} ({lang}) — {topic.title}", f"file: {shown}"]
    status = f"status: {topic.status}"
    if topic.checked is not None:
        status += f", checked {topic.checked} by {topic.checked_by or '(nobody named)'}"
    else:
        status += ", not checked by a person"
    out.append(status)
    seen = topic.source_seen
    out.append(f"source: {topic.source or '(none)'}"
               + (f" (seen {seen})" if seen else " (no evidence from it)"))
    out.append("")
    sentences = split_sentences(topic.body)
    own = _covering(topic.evidence, sentences)
    is_translation = lang != SOURCE_LANGUAGE and french is not None
    source_sentences = split_sentences(french.body) if french is not None else []
    shared = _covering(topic.shared_evidence, source_sentences) if is_translation else {}
    aligned = is_translation and len(source_sentences) == len(sentences)
    checked_facts = needs_evidence(french if french is not None else topic)
    missing = 0
    for index, sentence in enumerate(sentences, start=1):
        out.append(f"{index}. {sentence}")
        items = list(own.get(index - 1, []))
        reason: str | None
        if is_translation:
            if aligned:
                source_sentence = source_sentences[index - 1]
                out.append(f"   fr: {source_sentence}")
                items += shared.get(index - 1, [])
                reason = fact_reason(source_sentence) if checked_facts else None
            else:
                reason = None
        else:
            reason = fact_reason(sentence) if checked_facts else None
        for item in items:
            out.extend(_describe_item(item))
        if not items:
            if reason is not None:
                missing += 1
                out.append(f"   ✘ FACT WITHOUT EVIDENCE ({reason})")
            elif is_translation and not aligned:
                out.append("   (compare with the French text below)")
            else:
                out.append("   (no fact found: no evidence needed)")
        out.append("")
    if is_translation and not aligned:
        out.append(f"The French text has {len(source_sentences)} sentences, this one "
                   f"{len(sentences)}: the French sentences and their evidence:")
        for index, source_sentence in enumerate(source_sentences, start=1):
            out.append(f"fr {index}. {source_sentence}")
            for item in shared.get(index - 1, []):
                out.extend(_describe_item(item))
        out.append("")
    unmatched = [e for e in topic.evidence if len(claim_matches(e.claim, sentences)) != 1]
    if is_translation:
        unmatched += [e for e in topic.shared_evidence
                      if len(claim_matches(e.claim, source_sentences)) != 1]
    if unmatched:
        out.append("Evidence whose claim is in no sentence, or in several:")
        for item in unmatched:
            out.extend(_describe_item(item))
        out.append("")
    total = len(topic.all_evidence)
    out.append(f"{len(sentences)} sentence(s), {total} evidence item(s), "
               f"{missing} fact sentence(s) without evidence.")
    return "\n".join(out)


def _covering(items: tuple[Evidence, ...], sentences: list[str]) -> dict[int, list[Evidence]]:
    found: dict[int, list[Evidence]] = {}
    for item in items:
        matches = claim_matches(item.claim, sentences)
        if len(matches) == 1:
            found.setdefault(matches[0], []).append(item)
    return found


def _describe_item(item: Evidence) -> list[str]:
    return [f"   ✔ claim: «{item.claim}»",
            f"     url:   {item.url}",
            f"     quote: «{item.quote}»" if item.quote else "     quote: (empty)",
            f"     seen:  {item.seen}"]
