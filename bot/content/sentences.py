"""A sentence splitter that knows the scripts we serve.

Why our own: `.` `!` `?` `…` end sentences everywhere, but Arabic ends questions with `؟`
and Ge'ez uses `።` (full stop) and `፧` (question mark). Decimal numbers (2.5), times
(14.30), abbreviations with dots (p.ex.) and URLs must not split.
"""

from __future__ import annotations

import re

_URL = re.compile(r"https?://\S+|\[([^\]]*)\]\([^)]*\)")
_END = re.compile(r"([.!?…؟።፧]+)(?=\s|$)|([؟።፧])")
_ABBREVIATIONS = {"p.ex", "ex", "etc", "bv", "e.g", "i.e", "art", "nr", "n°", "dr", "mr", "mme",
                  "st"}
_WORD = re.compile(r"[^\s*_`()\[\]«»\"“”„:;,–—/]+")


def strip_markdown(text: str) -> str:
    """Visible text: link labels kept, URLs, bold/italic markers removed."""
    text = _URL.sub(lambda m: m.group(1) or "", text)
    return re.sub(r"[*_`]", "", text)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, stripped."""
    visible = strip_markdown(text)
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(visible):
        end = match.end()
        candidate = visible[start:end].strip()
        last_word = candidate.rsplit(maxsplit=1)[-1].rstrip(".").lower() if candidate else ""
        if match.group(1) == "." and last_word in _ABBREVIATIONS:
            continue
        if candidate:
            sentences.append(candidate)
        start = end
    rest = visible[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def count_words(sentence: str) -> int:
    """Words as a reader sees them; numbers and phone numbers count once per group."""
    return len([w for w in _WORD.findall(sentence) if any(c.isalnum() for c in w)])
