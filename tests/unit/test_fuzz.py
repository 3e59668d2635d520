"""A fixed-seed fuzz run of the whole application (tools/fuzz.py; `make fuzz` runs
100,000 events): random text, taps, stale and forged buttons, commands, media, workers'
actions and time passing, for many people. Every count must be 0."""

from __future__ import annotations

from bot.content.source import ContentSource
from tests.factory import CONTENT
from tools.fuzz import run

EVENTS = 2500


async def test_a_fixed_seed_fuzz_run_finds_nothing() -> None:
    content = ContentSource(CONTENT, None)  # lexical matching: the rest is the same
    counts = await run(content, events=EVENTS, seed=20261203, people=50, phrases=150)
    assert counts.events == EVENTS
    assert counts.failures == 0, counts.summary() + "\n" + "\n".join(counts.problems)
    assert counts.kinds["forged"] > 100 and counts.kinds["worker"] > 100
    assert counts.kinds["text"] > 500 and counts.replies > EVENTS
    assert counts.kinds["worker-enrol"] > 0 and counts.kinds["time"] > 30


async def test_the_fuzz_run_counts_what_goes_wrong() -> None:
    """The counters are real: a matcher that raises is counted, not hidden."""
    content = ContentSource(CONTENT, None)

    def broken(text: str) -> object:
        raise RuntimeError("boom")

    content.current.matcher.match = broken  # type: ignore[method-assign]
    counts = await run(content, events=200, seed=7, people=10, phrases=50)
    assert counts.exceptions > 0
