"""`make chaos`: kill -9 the real `passerelle run` at random moments and count promises.

A loopback Bot API server (tests/fakes) plays Telegram. The workload is what a social
service does all day: newcomers ask for a person and write to them, a worker answers in
each person's topic and makes an appointment (a text and an .ics file). Meanwhile the bot
process is killed with SIGKILL at random moments and started again on the same database.

Promised, and counted at the Bot API once everything is quiet:
- every newcomer message copied into their workers' topic (copyMessage),
- every worker answer delivered to the newcomer (sendMessage with its words),
- every appointment confirmation's .ics file (sendDocument).
Prints `K kills, P promised, L lost, D doubled`. Exit 1 if anything was lost or doubled.
PASSERELLE_CHAOS_KILLS sets K (default 100), PASSERELLE_CHAOS_PEOPLE the newcomers (6);
PASSERELLE_CHAOS_LOGS names a folder that keeps the processes' logs. `--webhook`: the
same in webhook mode (the fake Telegram POSTs each update and sends it again until a 200).

`--processes N` runs N processes on one database (PostgreSQL: run it under
tools/throwaway_postgres.py, or with PASSERELLE_TEST_DATABASE_URL set), each named by
PASSERELLE_INSTANCE as a systemd `passerelle@N` would be; each kill hits one of them.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.databases import database_environment, on_postgres  # noqa: E402
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi  # noqa: E402

WORKERS = -1009876
WORKER = 9001


@dataclass
class Result:
    kills: int = 0
    promised: int = 0
    lost: int = 0
    doubled: int = 0
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.kills} kills, {self.promised} promised, {self.lost} lost, "
                f"{self.doubled} doubled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SHARED_CACHE = ROOT / "var" / "cache"


class Bot:
    """The real entry point, `python -m bot run`, as a child process."""

    def __init__(self, api: FakeBotApi, folder: Path, database: dict[str, str] | None = None,
                 instance: str | None = None) -> None:
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
                    "PASSERELLE_TELEGRAM_BASE_URL": api.base_url,
                    "PASSERELLE_TELEGRAM_BASE_FILE_URL": api.base_file_url,
                    **(database or {"PASSERELLE_DB": str(folder / "chaos.sqlite3")}),
                    # the fitted models are keyed by content version: one shared folder
                    # spares every start (and every test) the crisis model's fit
                    "PASSERELLE_CACHE": str(SHARED_CACHE),
                    "PASSERELLE_SEMANTIC": "0",
                    "PASSERELLE_WORKERS_CHAT_ID": str(WORKERS),
                    "PASSERELLE_WEB_PORT": str(free_port())}  # the web point runs too
        if instance:
            self.env["PASSERELLE_INSTANCE"] = instance
        self.log = (folder / f"bot{'-' + instance if instance else ''}.log").open("ab")
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env,
            stdout=self.log, stderr=self.log)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def started(self, timeout: float = 120) -> None:
        """Until the process answers on its port (it has built the application and set
        its signal handlers; a SIGTERM before Python has even started would simply end it)."""
        url = f"http://127.0.0.1:{self.env['PASSERELLE_WEB_PORT']}/healthz"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with httpx.AsyncClient() as client:
            while loop.time() < deadline and self.process and self.process.returncode is None:
                try:
                    if (await client.get(url, timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)

    async def terminate(self) -> int | None:
        """SIGTERM once the process is running: its exit code (0: a clean stop)."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        await self.started()
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=8)
        except TimeoutError:
            await self.kill()
            return None


async def _workload(api: FakeBotApi, people: list[int], messages: int,
                    expected: dict[str, Counter[tuple[object, ...]]]) -> None:
    """What newcomers and a worker do; records what each action promises."""
    for chat in people:
        api.push_command(chat, "/start")
        api.push_command(chat, "/person")
    await asyncio.sleep(0.5)
    for k in range(messages):
        for chat in people:
            update = api.push_text(chat, f"message {k} from {chat}")
            expected["relay"][(chat, update["message"]["message_id"])] += 1
        await asyncio.sleep(random.uniform(0.05, 0.4))
    threads: dict[int, int] = {}
    for chat in people:
        relay = await api.wait_for("copyMessage", lambda c, chat=chat: c.ok  # type: ignore[misc]
                                   and c.params.get("from_chat_id") == chat, timeout=120)
        threads[chat] = int(relay.params["message_thread_id"])
    for k in range(messages):
        for chat, thread in threads.items():
            words = f"answer {k} for {chat}"
            api.push_group_text(WORKERS, words, thread_id=thread, user_id=WORKER,
                                first_name="Marie")
            expected["answer"][(chat, words)] += 1
        await asyncio.sleep(random.uniform(0.05, 0.4))
    for chat, thread in threads.items():
        api.push_group_text(WORKERS, "/appointment 2027-01-15 10:00 CPAS, rue Royale 1",
                            thread_id=thread, user_id=WORKER, first_name="Marie")
        expected["ics"][(chat,)] += 1


def _arrived(api: FakeBotApi) -> dict[str, Counter[tuple[object, ...]]]:
    arrived: dict[str, Counter[tuple[object, ...]]] = {
        "relay": Counter(), "answer": Counter(), "ics": Counter()}
    for call in api.calls:
        if not call.ok:
            continue
        if call.method == "copyMessage" and call.chat_id == WORKERS:
            arrived["relay"][(call.params.get("from_chat_id"), call.params.get("message_id"))] += 1
        elif call.method == "sendMessage" and isinstance(call.chat_id, int) and call.chat_id > 0:
            text = str(call.params.get("text", ""))
            if "answer " in text:
                words = text[text.index("answer "):].split("<")[0].strip()
                arrived["answer"][(call.chat_id, words)] += 1
        elif call.method == "sendDocument":
            arrived["ics"][(call.chat_id,)] += 1
    return arrived


async def _quiet(api: FakeBotApi, expected: dict[str, Counter[tuple[object, ...]]],
                 limit: float) -> None:
    """Wait until every promise arrived, or nothing new happened for a while."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    seen, still = -1, loop.time()
    while loop.time() < deadline:
        arrived = _arrived(api)
        if all(arrived[kind][key] >= 1 for kind, keys in expected.items() for key in keys):
            await asyncio.sleep(1.0)  # let doubles, if any, show up
            return
        if len(api.calls) != seen:
            seen, still = len(api.calls), loop.time()
        elif loop.time() - still > 40:
            return
        await asyncio.sleep(0.5)


async def run_chaos(kills: int, people_count: int = 6, messages: int = 4,
                    seed: int | None = None, processes: int = 1,
                    webhook: bool = False) -> Result:
    random.seed(seed)
    api = FakeBotApi(long_poll_cap=0.5)
    await api.start()
    api.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    api.members[(WORKERS, WORKER)] = "member"
    people = [7000 + i for i in range(people_count)]
    expected: dict[str, Counter[tuple[object, ...]]] = {
        "relay": Counter(), "answer": Counter(), "ics": Counter()}
    result = Result()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database = database_environment(folder / "chaos.sqlite3")
        bots = [Bot(api, folder, database, f"chaos-{n}") for n in range(1, processes + 1)]
        if webhook:  # Telegram POSTs to the process instead (one URL: the last one set)
            for bot in bots:
                bot.env["PASSERELLE_WEBHOOK_URL"] = (
                    f"http://127.0.0.1:{bot.env['PASSERELLE_WEB_PORT']}/telegram/webhook")
        for bot in bots:
            await bot.start()
        await api.wait_for("setMyCommands", lambda c: c.ok, timeout=60)
        workload = asyncio.create_task(_workload(api, people, messages, expected))

        async def kill_one() -> None:
            await asyncio.sleep(random.uniform(0.2, 1.5))
            bot = random.choice(bots)
            await bot.kill()
            result.kills += 1
            await bot.start()

        while result.kills < kills and not workload.done():
            await kill_one()
        await workload
        while result.kills < kills:  # the rest of the kills while promises are in flight
            await kill_one()
        await _quiet(api, expected, limit=180)
        codes = [await bot.terminate() for bot in bots]
        result.details.append(f"exit code after SIGTERM: {', '.join(map(str, codes))}")
        if os.environ.get("PASSERELLE_CHAOS_LOGS"):  # keep the processes' logs to read
            for log in folder.glob("*.log"):
                shutil.copy(log, Path(os.environ["PASSERELLE_CHAOS_LOGS"]) / log.name)
    arrived = _arrived(api)
    for kind, keys in expected.items():
        for key in keys:
            result.promised += 1
            got = arrived[kind][key]
            if got == 0:
                result.lost += 1
                result.details.append(f"lost {kind} {key}")
            elif got > 1:
                result.doubled += got - 1
                result.details.append(f"doubled {kind} {key} ×{got}")
    await api.stop()
    return result


def main(argv: list[str]) -> int:
    kills = int(os.environ.get("PASSERELLE_CHAOS_KILLS", "100"))
    people = int(os.environ.get("PASSERELLE_CHAOS_PEOPLE", "6"))
    processes = int(argv[argv.index("--processes") + 1]) if "--processes" in argv else 1
    webhook = "--webhook" in argv  # webhook mode instead of polling (one process)
    if webhook and processes > 1:
        print("--webhook runs one process (Telegram has one webhook URL)", file=sys.stderr)
        return 2
    if processes > 1 and not on_postgres():
        print("several processes share a PostgreSQL database: run under "
              "tools/throwaway_postgres.py", file=sys.stderr)
        return 2
    result = asyncio.run(run_chaos(kills, people, processes=processes, webhook=webhook))
    for line in result.details:
        print("  " + line)
    print(f"{processes} process(es) on {'PostgreSQL' if on_postgres() else 'SQLite'}"
          f"{', webhook' if webhook else ''}: " + result.line())
    return 1 if result.lost or result.doubled else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
