"""Which served language a message is clearly written in, or None when it is not clear.

Why: a person who chose Dutch may type a question in Arabic, or one who chose Ukrainian may
write in English. The bot still answers in the chosen language (the matcher understands
every language) and offers a one-tap switch. A wrong offer is a small annoyance, a missing
one costs little, so this says a language only when the evidence is strong:

- Arabic, Ethiopic or Cyrillic letters make most of the message: ar, ti, uk (Russian
  written by a Ukrainian speaker counts as uk: Passerelle has no Russian).
- Latin letters: French, Dutch or English only when the message has at least two of that
  language's own short function words and at least twice as many as any other. Arabic,
  Tigrinya or Ukrainian typed in Latin letters are never guessed, nor are one-word or
  two-word messages ("mutuelle", "leefloon?"), which are the same in every language.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.understanding.normalize import normalize, script_counts

SCRIPT_LANGUAGE = {"arabic": "ar", "ethiopic": "ti", "cyrillic": "uk"}
MIN_WORDS = 3
MIN_LETTERS = 4
SCRIPT_SHARE = 0.6
MIN_CUES = 2


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words that belong to one of the three Latin-script languages only (after
# normalize: lower case, no accents). Words common in two of them ("de", "en", "in", "a",
# "me", "is", "we", "te", "u", "die", "son") are left out on purpose; "je" is kept for French
# (far more frequent there than the Dutch "je"), which the two-to-one rule absorbs.
_CUES: dict[str, frozenset[str]] = {
    "fr": _words("""je j jai jsuis le la les des du est et pour mon ma mes pas que qui une un avec
        dans sur au aux comment quoi quand suis ai vous tu il elle nous ce cette faire
        peux veux puis ne plus mais ou leur leurs sont etre avoir cest qu dois doit
        votre"""),
    "nl": _words("""ik het een niet nie wat hoe mijn voor met ben heb kan wil moet zijn er dat dit
        wij mij ook maar waar wanneer nog geen naar bij om hij zij kunt kunnen mag uw
        jullie hebben wordt kheb da ge"""),
    "en": _words("""i the my are how what can do to of for with and not have want need where when
        you it this im dont cant does did your from get will would should which who
        they"""),
}
# Words in two cue lists would count for both: keep each in none.
_SHARED = {word for lang, words in _CUES.items() for other, more in _CUES.items()
           if lang < other for word in words & more}
CUES = {lang: words - _SHARED for lang, words in _CUES.items()}


def _script_shares(text: str) -> dict[str, float]:
    counts = script_counts(text)
    total = sum(counts.values())
    return {name: count / total for name, count in counts.items()} if total >= MIN_LETTERS \
        else {}


def written_language(text: str, served: Collection[str]) -> str | None:
    """The served language `text` is clearly written in, or None."""
    shares = _script_shares(text)
    if not shares:
        return None
    for script, code in SCRIPT_LANGUAGE.items():
        if shares[script] >= SCRIPT_SHARE:
            return code if code in served else None
    if shares["latin"] < SCRIPT_SHARE:
        return None
    words = normalize(text).split()
    if len(words) < MIN_WORDS:
        return None
    hits = sorted(((sum(word in cues for word in words), lang) for lang, cues in CUES.items()
                   if lang in served), reverse=True)
    if not hits:
        return None
    best, lang = hits[0]
    runner_up = hits[1][0] if len(hits) > 1 else 0
    return lang if best >= MIN_CUES and best >= 2 * runner_up else None
