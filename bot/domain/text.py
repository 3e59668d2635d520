"""Text that came from outside, made safe to encode before anything else reads it."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """Lone surrogates (forged JSON such as "\\ud800" decodes to them) become U+FFFD, so
    encoding to UTF-8 (hashes, the embedder, SQLite) never raises; other text is unchanged."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text
