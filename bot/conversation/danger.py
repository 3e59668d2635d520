"""Danger words anywhere in a long message.

The matcher reads the first few hundred characters of a message (what a question needs,
and the embedding model is slow on long texts), so a cry for help at the end of a long
message would be missed. The rest is read in overlapping windows by the crisis
patterns alone (no model: cheap, however long the text).
"""

from __future__ import annotations

from bot.understanding.crisis import CrisisSignal
from bot.understanding.matcher import Matcher

WINDOW = 300
STEP = 240  # windows overlap, so a phrase cut by one is whole in the next


def crisis_beyond(matcher: Matcher, text: str) -> CrisisSignal | None:
    """A crisis in the part of `text` after the first window, if any."""
    for start in range(STEP, max(0, len(text) - WINDOW + STEP), STEP):
        signal = matcher.crisis_detector.detect(text[start:start + WINDOW])
        if signal is not None:
            return signal
    return None


def crisis_anywhere(matcher: Matcher, text: str) -> CrisisSignal | None:
    """A crisis anywhere in `text` (the start with the model when it matters)."""
    return matcher.crisis(text) or crisis_beyond(matcher, text)
