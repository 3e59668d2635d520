"""`passerelle run` as a person starts it: the web point without a token, the web point and
Telegram together with one, a clear message when the port is taken."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import tempfile
from pathlib import Path

import httpx

from tests.databases import database_environment
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi
from tools.chaos import ROOT, SHARED_CACHE, WORKERS, free_port


def environment(folder: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    return {**env, **database_environment(folder / "run.sqlite3"),
            "PASSERELLE_CACHE": str(SHARED_CACHE), "PASSERELLE_SEMANTIC": "0",
            "PASSERELLE_WEB_PORT": str(port), **extra}


async def start(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=out, stderr=out,
            stdin=asyncio.subprocess.PIPE)


async def page(url: str, timeout: float = 60) -> httpx.Response:
    """The start page, once the process listens."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                return await client.get(url, headers={"accept-language": "ar"})
            except httpx.TransportError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), timeout=8)


async def test_without_a_token_run_serves_the_web_point_and_says_where() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder, port = Path(name), free_port()
        log = folder / "out.log"
        process = await start(environment(folder, port), log)
        try:
            response = await page(f"http://127.0.0.1:{port}/")
        finally:
            code = await stop(process)
        output = log.read_text(encoding="utf-8")
        assert response.status_code == 200
        assert 'lang="ar"' in response.text and 'dir="rtl"' in response.text
        assert "Français" in response.text and "ትግርኛ" in response.text
        assert f"http://127.0.0.1:{port}/" in output
        assert code == 0 and "Traceback" not in output


TOKEN = re.compile(r'name="t" value="([0-9a-f]+)"')


async def press(client: httpx.AsyncClient, url: str, action: str) -> str:
    page = (await client.get(url)).text
    token = TOKEN.search(page)
    assert token, page[:300]
    response = await client.post(url + "act", data={"a": action, "t": token.group(1)},
                                 follow_redirects=True)
    assert response.status_code == 200
    return response.text


async def test_without_telegram_a_worker_answers_in_the_terminal_that_runs_it() -> None:
    """The embedded office: a request from the web point, answered on run's own stdin."""
    with tempfile.TemporaryDirectory() as name:
        folder, port = Path(name), free_port()
        log = folder / "out.log"
        process = await start(environment(folder, port), log)
        url = f"http://127.0.0.1:{port}/"
        try:
            await page(url)
            async with httpx.AsyncClient() as client:
                await press(client, url, "lang:fr")
                await press(client, url, "person")
                await press(client, url, "about:skip")
                for _ in range(50):
                    found = re.search(r"request #(\d+)", log.read_text(encoding="utf-8"))
                    if found:
                        break
                    await asyncio.sleep(0.1)
                assert found, log.read_text(encoding="utf-8")
                assert process.stdin is not None
                process.stdin.write(f"#{found.group(1)} Bonjour, je suis Sara.\n".encode())
                await process.stdin.drain()
                for _ in range(50):
                    shown = (await client.get(url)).text
                    if "je suis Sara" in shown:
                        break
                    await asyncio.sleep(0.1)
                assert "je suis Sara" in shown
        finally:
            code = await stop(process)
        output = log.read_text(encoding="utf-8")
        assert code == 0 and "Traceback" not in output


async def test_with_a_token_telegram_and_the_web_point_run_in_one_process() -> None:
    api = FakeBotApi()
    await api.start()
    api.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    try:
        with tempfile.TemporaryDirectory() as name:
            folder, port = Path(name), free_port()
            env = environment(folder, port, TELEGRAM_BOT_TOKEN=TEST_TOKEN,
                              PASSERELLE_TELEGRAM_BASE_URL=api.base_url,
                              PASSERELLE_TELEGRAM_BASE_FILE_URL=api.base_file_url,
                              PASSERELLE_WORKERS_CHAT_ID=str(WORKERS))
            log = folder / "out.log"
            process = await start(env, log)
            try:
                await api.wait_for("setMyCommands", lambda c: c.ok, timeout=60)
                response = await page(f"http://127.0.0.1:{port}/")
            finally:
                code = await stop(process)
            output = log.read_text(encoding="utf-8")
            assert response.status_code == 200
            assert code == 0 and "Traceback" not in output and "stopped cleanly" in output
    finally:
        await api.stop()


async def test_a_taken_port_is_one_clear_sentence() -> None:
    with tempfile.TemporaryDirectory() as name, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        folder, port = Path(name), taken.getsockname()[1]
        log = folder / "out.log"
        process = await start(environment(folder, port), log)
        code = await asyncio.wait_for(process.wait(), timeout=60)
        output = log.read_text(encoding="utf-8")
        assert code == 1
        assert f"cannot listen on 127.0.0.1:{port}" in output and "PASSERELLE_WEB_PORT" in output
        assert "Traceback" not in output
