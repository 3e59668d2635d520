"""The command-line interfaces others rely on: `match`, `match --batch`, `content check`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.factory import CONTENT


@pytest.fixture(autouse=True)
def lexical_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep CLI tests fast: the semantic model is covered by the matcher tests."""
    monkeypatch.setenv("PASSERELLE_SEMANTIC", "0")


def test_match_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "--lang", "fr", "garantie locative"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"topic", "score", "alternatives"}
    assert result["topic"] == "rental-deposit"
    assert isinstance(result["score"], float) and isinstance(result["alternatives"], list)


def test_match_reports_crisis_and_person_function_ids(capsys: pytest.CaptureFixture[str]) -> None:
    main(["match", "--lang", "fr", "je veux me suicider"])
    assert json.loads(capsys.readouterr().out)["topic"] == "crisis"


def test_batch_reads_and_writes_json_lines(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lines = [{"id": "a", "lang": "nl", "text": "huurwaarborg"},
             {"id": "b", "lang": "ar", "text": "blorf zzq"}]
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"))
    assert main(["match", "--batch"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["id"] == "a" and out[0]["topic"] == "rental-deposit"
    assert out[1] == {"id": "b", "topic": None, "score": out[1]["score"], "alternatives": []}
    assert "error" in out[2]


def test_content_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check"]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_content_check_fails_with_editor_friendly_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    path = root / "fr" / "bank-account.md"
    path.write_text(path.read_text().replace("pictogram: bank", "pictogram: banque"))
    monkeypatch.setenv("PASSERELLE_CONTENT", str(root))
    assert main(["content", "check"]) == 1
    out = capsys.readouterr().out
    assert "content/fr/bank-account.md:4: ERROR: unknown pictogram 'banque' → pick a name" in out


def test_export_checkins_is_pseudonymised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio
    from datetime import UTC, datetime

    from bot.domain.people import PersonRef
    from bot.storage.sqlite import SqliteStorage

    db = tmp_path / "db.sqlite3"

    async def seed() -> None:
        storage = await SqliteStorage.open(db)
        person = await storage.person(PersonRef("telegram", "987654321"), datetime.now(UTC))
        await storage.record_answer(person.id, "week-2", "feeling", "4",
                                    datetime(2026, 12, 4, 9, 31, tzinfo=UTC))
        await storage.close()

    asyncio.run(seed())
    monkeypatch.setenv("PASSERELLE_DB", str(db))
    assert main(["export", "checkins", "--since", "2026-12-01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "participant,checkin,question,answer,date"
    assert out[1].endswith(",week-2,feeling,4,2026-12-04") and "987654321" not in out[1]
