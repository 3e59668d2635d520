"""Interface strings per language from gettext catalogs (`locales/<lang>/LC_MESSAGES`).

Message ids are English. A compiled `.mo` file is used when it is newer than its `.po`
source (`make` compiles them with pybabel); otherwise the `.po` is compiled in memory with
babel, so a fresh checkout or an editor's change to a catalog works without a build step.
"""

from __future__ import annotations

import gettext
import io
import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "passerelle"
log = logging.getLogger(__name__)


def noop(message: str) -> str:
    """Marks a string for the catalogs (import it as `_noop`); it is translated later,
    in the language of whoever reads it."""
    return message


class Catalogs:
    """One gettext translation per language, loaded once."""

    def __init__(self, locales_dir: Path) -> None:
        self._dir = locales_dir
        self._cache: dict[str, gettext.NullTranslations] = {}

    def languages(self) -> list[str]:
        if not self._dir.exists():
            return []
        return sorted(p.parent.parent.name for p in self._dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))

    def get(self, lang: str) -> gettext.NullTranslations:
        if lang not in self._cache:
            self._cache[lang] = self._load(lang)
        return self._cache[lang]

    def translate(self, lang: str, message: str) -> str:
        return self.get(lang).gettext(message)

    def _load(self, lang: str) -> gettext.NullTranslations:
        folder = self._dir / lang / "LC_MESSAGES"
        po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
        try:
            if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
                with mo.open("rb") as handle:
                    return gettext.GNUTranslations(handle)
            if po.exists():
                with po.open("rb") as handle:
                    catalog = read_po(handle, locale=lang)
                buffer = io.BytesIO()
                write_mo(buffer, catalog)
                buffer.seek(0)
                return gettext.GNUTranslations(buffer)
        except (OSError, ValueError) as error:
            log.error("catalog for %s unreadable, using English: %s", lang, error)
        return gettext.NullTranslations()
