"""Translation versions: stamping, outdated detection and minor edits."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.content.library import source_hash
from bot.content.lint import translation_report
from bot.content.loader import load_content
from bot.content.stamp import minor_edit, stamp
from tests.factory import CONTENT


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def test_stamp_records_the_french_version_and_keeps_the_file(tmp_path: Path) -> None:
    root = copy(tmp_path)
    library, _ = load_content(root)
    before = (root / "nl" / "bank-account.md").read_text()
    stamp(library, "nl", ["bank-account"])
    after = (root / "nl" / "bank-account.md").read_text()
    expected = source_hash(library.topics[("fr", "bank-account")])
    assert f"translated_from: {expected}" in after
    assert after.replace(f"translated_from: {expected}\n", "") == before.replace(
        next((line + "\n" for line in before.splitlines()
              if line.startswith("translated_from:")), "\0"), "")
    reloaded, _ = load_content(root)
    assert "bank-account" in translation_report(reloaded)["nl"].up_to_date


def test_french_change_outdates_and_minor_edit_restores(tmp_path: Path) -> None:
    root = copy(tmp_path)
    library, _ = load_content(root)
    stamp(library, "nl", ["bank-account"])
    library, _ = load_content(root)
    previous = library.topics[("fr", "bank-account")]
    french = root / "fr" / "bank-account.md"
    french.write_text(french.read_text().rstrip("\n") + " \n\nUne phrase de plus.\n")
    changed, _ = load_content(root)
    assert "bank-account" in translation_report(changed)["nl"].outdated
    minor_edit(changed, "bank-account", previous=previous)
    restored, _ = load_content(root)
    assert "bank-account" in translation_report(restored)["nl"].up_to_date
