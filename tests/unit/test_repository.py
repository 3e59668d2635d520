"""The repository's copies of shared material stay identical to their source."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside this checkout")
def test_topic_registry_matches_the_shared_content_brief() -> None:
    ours = (REPO / "content" / "topics.yaml").read_text(encoding="utf-8")
    theirs = (SHARED / "content-brief" / "topics.yaml").read_text(encoding="utf-8")
    assert theirs in ours, "the shared brief, word for word (local function ids may follow)"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside this checkout")
def test_vendored_bot_api_spec_matches_the_shared_copy() -> None:
    ours = (REPO / "tests" / "fakes" / "botapi" / "api.json").read_bytes()
    assert ours == (SHARED / "botapi" / "api.json").read_bytes()


def test_telegram_is_only_imported_by_its_channel() -> None:
    offenders = []
    for path in (REPO / "bot").rglob("*.py"):
        if "channels/telegram" in path.as_posix():
            continue
        text = path.read_text(encoding="utf-8")
        if "import telegram" in text or "from telegram" in text:
            offenders.append(path.relative_to(REPO).as_posix())
    assert offenders == []


def _imports_of(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / "bot" / folder).rglob("*.py"):
        names = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in {"from", "import"} and words[1].startswith("bot."):
                names.add(words[1])
        found[path.relative_to(REPO).as_posix()] = names
    return found


def test_the_domain_imports_nothing_of_ours() -> None:
    offenders = {path: sorted(n for n in names if not n.startswith("bot.domain"))
                 for path, names in _imports_of("domain").items()}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_application_imports_no_channel_and_no_storage_implementation() -> None:
    banned = ("bot.channels", "bot.storage.sqlite", "bot.storage.unit_of_work")
    offenders = {path: sorted(n for n in names if n.startswith(banned))
                 for path, names in _imports_of("application").items()}
    assert {path: names for path, names in offenders.items() if names} == {}
