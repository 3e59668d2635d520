"""Recognise a typed language name ("عربي", "nederlands", "ትግርኛ") as a wish to switch.

Names come from babel's locale data (every served language named in every served
language) plus the everyday forms listed under `names:` in each `_language.yaml`.
"""

from __future__ import annotations

from babel import Locale
from rapidfuzz import fuzz, process

from bot.understanding.normalize import normalize

_FILLERS = {"in", "en", "naar", "to", "please", "svp", "alstublieft", "graag", "langue",
            "language", "taal", "بال", "باللغه", "لغه"}


class LanguageNames:
    """A lookup from normalised language names to language codes."""

    def __init__(self, codes: list[str], extra_names: dict[str, tuple[str, ...]]) -> None:
        names: dict[str, str] = {}
        for code in codes:
            for shown_in in [*codes, "en"]:
                name = Locale.parse(code).get_display_name(shown_in)
                if name:
                    names.setdefault(normalize(name), code)
            for extra in extra_names.get(code, ()):
                names[normalize(extra)] = code
        self._names = names

    def find(self, text: str) -> str | None:
        """The language a short message names, or None. Long messages never count."""
        kept = [word for word in normalize(text).split() if word not in _FILLERS]
        query = " ".join(kept)
        if not query or len(kept) > 2:
            return None
        if query in self._names:
            return self._names[query]
        best = process.extractOne(query, self._names.keys(), scorer=fuzz.ratio, score_cutoff=85)
        return self._names[best[0]] if best else None

    def all_names(self) -> dict[str, str]:
        return dict(self._names)
