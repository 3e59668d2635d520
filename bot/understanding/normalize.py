"""Fold the spelling variation people type into one form before matching.

Why per script: Latin text loses accents ("medecin" = "médecin"); Arabic loses
diacritics, tatweel and letter variants (أ/إ/آ → ا, ة → ه, ى → ي); Tigrinya (Ge'ez)
merges the consonant series that sound alike and are written interchangeably
(ሀ/ሐ/ኀ, ሰ/ሠ, አ/ዐ, ጸ/ፀ, ቀ/ቐ, ከ/ኸ) and the 1st/4th orders of the gutturals (አ/ኣ).
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
        "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي",
        "گ": "ك", "ک": "ك", "ی": "ي",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
        "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    }
)
# ' ’ ʼ (Ukrainian apostrophe, a letter for Unicode) ` ´: all separate words the same way.
_APOSTROPHES = str.maketrans({"'": " ", "\u2019": " ", "\u02bc": " ", "`": " ", "\u00b4": " "})
_WORD_SEPARATORS = re.compile(r"[^\w@+]+", re.UNICODE)
# Arabic writes the conjunctions (و ف), prepositions (ب ل ك) and the article (ال, or ل
# after ل: "للبيت") onto the next word; a pattern for a word allows them in front of it.
ARABIC_PROCLITICS = "(?:[وف])?(?:[بلك])?(?:ال|ل)?"

# Ge'ez: (variant series start, canonical series start); each series has 8 code points.
_GEEZ_SERIES = ((0x1210, 0x1200), (0x1280, 0x1200), (0x1220, 0x1230), (0x12D0, 0x12A0),
                (0x1340, 0x1338), (0x1250, 0x1240), (0x12B8, 0x12A8))
_GUTTURAL_SERIES = (0x1200, 0x12A0)


def _geez_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for variant, canonical in _GEEZ_SERIES:
        for order in range(8):
            table[variant + order] = chr(canonical + order)
    for start in _GUTTURAL_SERIES:
        table[start + 3] = chr(start)  # 4th order (ኣ) written for the 1st (አ) and back
    for variant, canonical in _GEEZ_SERIES:
        if canonical in _GUTTURAL_SERIES:
            table[variant + 3] = chr(canonical)
    return table


_GEEZ = _geez_table()


def script_counts(text: str) -> dict[str, int]:
    """Letters of `text` per script: 'arabic', 'ethiopic', 'cyrillic', 'latin' (any other)."""
    counts = {"arabic": 0, "ethiopic": 0, "cyrillic": 0, "latin": 0}
    for char in text:
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F:
            counts["arabic"] += 1
        elif 0x1200 <= code <= 0x139F or 0x2D80 <= code <= 0x2DDF:
            counts["ethiopic"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["cyrillic"] += 1
        elif char.isalpha():
            counts["latin"] += 1
    return counts


def script_of(text: str) -> str:
    """The dominant script of `text`: 'arabic', 'ethiopic', 'cyrillic' or 'latin'."""
    counts = script_counts(text)
    return max(counts, key=lambda name: counts[name]) if any(counts.values()) else "latin"


def normalize(text: str) -> str:
    """Lower-case, fold accents and script variants, keep words separated by one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS).translate(_GEEZ)
    text = "".join(_fold_latin(char) for char in text)
    text = text.translate(_APOSTROPHES)
    return _WORD_SEPARATORS.sub(" ", text).strip()


_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}


def _fold_latin(char: str) -> str:
    """Drop accents from Latin letters only: Cyrillic й and Arabic stay whole."""
    if char in _LIGATURES:
        return _LIGATURES[char]
    if char.isascii() or not ("\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"):
        return char
    base = unicodedata.normalize("NFD", char)
    return "".join(c for c in base if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The normalised words of `text`."""
    return normalize(text).split()
