"""Fitted models on disk: fitted once per key, read back, refitted when unreadable."""

from __future__ import annotations

from pathlib import Path

from bot.understanding.fit_cache import cached_fit, fit_key


def test_a_key_changes_with_any_text_label_or_setting() -> None:
    base = fit_key("C=20", ["bonjour", "loyer"], ["main-menu", "rent"])
    assert base == fit_key("C=20", ["bonjour", "loyer"], ["main-menu", "rent"])
    assert base != fit_key("C=20", ["bonjour", "loyers"], ["main-menu", "rent"])
    assert base != fit_key("C=20", ["bonjour", "loyer"], ["main-menu", "deposit"])
    assert base != fit_key("C=10", ["bonjour", "loyer"], ["main-menu", "rent"])


def test_fits_once_then_reads_the_file_back(tmp_path: Path) -> None:
    calls: list[int] = []

    def fit() -> dict[str, int]:
        calls.append(1)
        return {"weights": len(calls)}

    first = cached_fit(tmp_path, "model", "abc", fit)
    second = cached_fit(tmp_path, "model", "abc", fit)  # another process: from the file
    assert first == second == {"weights": 1}
    assert len(calls) == 1
    assert (tmp_path / "model-abc.pkl").exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unreadable_file_is_fitted_again_and_replaced(tmp_path: Path) -> None:
    (tmp_path / "model-abc.pkl").write_bytes(b"not a pickle")
    assert cached_fit(tmp_path, "model", "abc", lambda: [1, 2]) == [1, 2]
    assert cached_fit(tmp_path, "model", "abc", lambda: [3]) == [1, 2]


def test_the_memo_serves_the_same_process_without_the_disk(tmp_path: Path) -> None:
    memo: dict[str, object] = {}
    cached_fit(None, "model", "k", lambda: "fitted", memo)
    assert cached_fit(None, "model", "k", lambda: "again", memo) == "fitted"
