"""`make bench` (part 3): capacity of the shipped `passerelle run`, end to end.

The real entry point (`python -m bot run`, the full matcher with every language loaded,
Telegram's rate limiter as shipped) runs as one or several processes against the
loopback Bot API server, on SQLite and on PostgreSQL. Newcomers write questions; each
message's latency is the time from the update being available at the Bot API to the
first reply call for that chat (so it includes polling, the inbox, understanding,
storage and the send). Measured per configuration:
- start-up: process start to its web point answering /healthz;
- steady: new people each asking one question at a fixed rate → p50/p99 latency;
- burst: many new people asking at once → messages answered per second, p99 latency;
- resident memory of each process after the workload.
Writes var/bench/capacity.json and prints a table. PostgreSQL comes from
PASSERELLE_TEST_DATABASE_URL or a throw-away server (tools/throwaway_postgres.py).
PASSERELLE_BENCH_STEADY / _RATE / _BURST set the workload (200 at 10/s, 300 at once).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.databases import URL_VARIABLE, database_environment  # noqa: E402
from tests.fakes.botapi_server import TEST_TOKEN, Call, FakeBotApi  # noqa: E402
from tools import throwaway_postgres  # noqa: E402
from tools.chaos import free_port  # noqa: E402

OUT = ROOT / "var" / "bench" / "capacity.json"
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "copyMessage"}
# Questions of our own (not from the evaluation sets), in the languages people write.
QUESTIONS = [
    ("fr", "comment je peux avoir une carte de séjour"),
    ("fr", "je cherche un appartement pas cher"),
    ("fr", "le cpas peut m aider pour le loyer ?"),
    ("nl", "waar kan ik nederlands leren"),
    ("nl", "hoe vind ik een huisarts"),
    ("ar", "كيف اسجل في البلدية"),
    ("ar", "بدي موعد مع المساعدة الاجتماعية"),
    ("en", "how do i open a bank account"),
    ("uk", "як знайти житло в бельгії"),
    ("ti", "ስራ ከመይ ክረክብ እኽእል"),
]


class TimedBotApi(FakeBotApi):
    """The loopback Bot API, noting when each call arrived."""

    def __init__(self) -> None:
        super().__init__(long_poll_cap=1.0)
        self.arrived: dict[int, float] = {}

    async def _respond(self, call: Call) -> tuple[int, dict[str, object]]:
        self.arrived[call.index] = time.monotonic()
        return await super()._respond(call)


@dataclass
class Measured:
    configuration: str
    processes: int
    database: str
    start_up_s: float
    steady_rate: float
    steady_p50_ms: float
    steady_p99_ms: float
    burst_messages: int
    burst_answered_per_s: float
    burst_p50_ms: float
    burst_p99_ms: float
    unanswered: int
    rss_mib: list[float]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else 0.0


async def _start(api: TimedBotApi, folder: Path, database: dict[str, str],
                 count: int) -> tuple[list[asyncio.subprocess.Process], float]:
    processes, ports = [], []
    started = time.monotonic()
    for n in range(1, count + 1):
        port = free_port()
        env = {**os.environ, **database, "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
               "PASSERELLE_TELEGRAM_BASE_URL": api.base_url,
               "PASSERELLE_TELEGRAM_BASE_FILE_URL": api.base_file_url,
               "PASSERELLE_WEB_PORT": str(port), "PASSERELLE_INSTANCE": f"bench-{n}"}
        log = (folder / f"bench-{n}.log").open("ab")
        processes.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=log, stderr=log))
        ports.append(port)
    async with httpx.AsyncClient() as client:
        for port in ports:
            while True:
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() - started > 600:
                    raise SystemExit(f"Passerelle did not start; see {folder}")
                await asyncio.sleep(0.1)
    return processes, time.monotonic() - started


async def _ask(api: TimedBotApi, chats: list[int], rate: float | None) -> dict[int, float]:
    """Each chat asks one question (at `rate` per second, or all at once)."""
    pushed: dict[int, float] = {}
    for k, chat in enumerate(chats):
        lang, text = QUESTIONS[k % len(QUESTIONS)]
        api.push_text(chat, text, language_code=lang)
        pushed[chat] = time.monotonic()
        if rate:
            await asyncio.sleep(1 / rate)
    return pushed


async def _latencies(api: TimedBotApi, pushed: dict[int, float],
                     limit: float) -> tuple[list[float], float, int]:
    """Per chat: first reply time minus push time; the last reply's time; unanswered."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        first: dict[int, float] = {}
        for call in api.calls:
            chat = call.chat_id
            if call.method in SEND_METHODS and chat in pushed and chat not in first:
                at = api.arrived.get(call.index)
                if at is not None and at >= pushed[chat]:
                    first[chat] = at
        if len(first) == len(pushed):
            break
        await asyncio.sleep(0.25)
    latencies = [first[chat] - pushed[chat] for chat in first]
    return latencies, max(first.values(), default=0.0), len(pushed) - len(first)


async def measure(name: str, database: dict[str, str], processes: int, steady: int,
                  rate: float, burst: int) -> Measured:
    api = TimedBotApi()
    await api.start()
    with tempfile.TemporaryDirectory() as name_dir:
        running, start_up = await _start(api, Path(name_dir), database, processes)
        try:
            steady_chats = [300_000 + k for k in range(steady)]
            pushed = await _ask(api, steady_chats, rate)
            steady_lat, _last, steady_missing = await _latencies(api, pushed, 120)
            burst_chats = [400_000 + k for k in range(burst)]
            began = time.monotonic()
            pushed = await _ask(api, burst_chats, None)
            burst_lat, last, burst_missing = await _latencies(api, pushed, 300)
            rss = [_rss_mib(p.pid) for p in running]
        finally:
            for process in running:
                process.terminate()
            for process in running:
                await process.wait()
    await api.stop()
    span = last - began if last else 0.0
    return Measured(
        configuration=name, processes=processes, database=name.split()[0],
        start_up_s=round(start_up, 1), steady_rate=rate,
        steady_p50_ms=round(1000 * statistics.median(steady_lat), 0) if steady_lat else 0.0,
        steady_p99_ms=round(1000 * _percentile(steady_lat, 0.99), 0),
        burst_messages=burst,
        burst_answered_per_s=round((burst - burst_missing) / span, 1) if span else 0.0,
        burst_p50_ms=round(1000 * statistics.median(burst_lat), 0) if burst_lat else 0.0,
        burst_p99_ms=round(1000 * _percentile(burst_lat, 0.99), 0),
        unanswered=steady_missing + burst_missing, rss_mib=rss)


def _print(results: list[Measured]) -> None:
    print("\nCapacity: the shipped `passerelle run` through the loopback Bot API")
    print(f"  {'configuration':<24}{'start':>8}{'steady p50/p99':>18}{'burst /s':>10}"
          f"{'burst p50/p99':>18}{'RSS MiB':>16}{'unanswered':>12}")
    for r in results:
        print(f"  {r.configuration:<24}{r.start_up_s:>7.1f}s"
              f"{f'{r.steady_p50_ms:.0f}/{r.steady_p99_ms:.0f} ms':>18}"
              f"{r.burst_answered_per_s:>10.1f}"
              f"{f'{r.burst_p50_ms:.0f}/{r.burst_p99_ms:.0f} ms':>18}"
              f"{'+'.join(f'{m:.0f}' for m in r.rss_mib):>16}{r.unanswered:>12}")


async def run_all(steady: int, rate: float, burst: int) -> list[Measured]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = {"PASSERELLE_DB": str(Path(folder) / "bench.sqlite3")}
        results.append(await measure("SQLite, 1 process", sqlite, 1, steady, rate, burst))
    for processes in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            database = database_environment(Path(folder) / "unused.sqlite3")
            results.append(await measure(f"PostgreSQL, {processes} process"
                                         f"{'es' if processes > 1 else ''}", database,
                                         processes, steady, rate, burst))
    return results


def main() -> int:
    steady = int(os.environ.get("PASSERELLE_BENCH_STEADY", "200"))
    rate = float(os.environ.get("PASSERELLE_BENCH_RATE", "10"))
    burst = int(os.environ.get("PASSERELLE_BENCH_BURST", "300"))
    server: Path | None = None
    if not os.environ.get(URL_VARIABLE):
        server = Path(tempfile.mkdtemp(prefix="passerelle-pg-"))
        os.environ[URL_VARIABLE] = throwaway_postgres.start(server)
    try:
        results = asyncio.run(run_all(steady, rate, burst))
    finally:
        if server is not None:
            throwaway_postgres.stop(server)
            shutil.rmtree(server, ignore_errors=True)
    _print(results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "system": platform.platform()},
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "workload": {"steady": steady, "rate": rate, "burst": burst},
        "results": [asdict(r) for r in results]}, indent=2), encoding="utf-8")
    print(f"  written to {OUT.relative_to(ROOT)}")
    return 0 if all(r.unanswered == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
