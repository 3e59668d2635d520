"""Run a command against a throw-away PostgreSQL server, then stop and delete the server.

    python tools/throwaway_postgres.py -- python -m pytest tests/unit

The server lives in a temporary folder (initdb), listens only on a Unix socket in that
folder, and is gone when the command ends; the command gets its address in
PASSERELLE_TEST_DATABASE_URL. Where PASSERELLE_TEST_DATABASE_URL is already set (a
server of your own), the command runs against it and nothing is started.

Debian's `postgresql` package gives the server (.ci/run installs it). PostgreSQL refuses
to run as root, so as root the server runs as the `postgres` user that package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

URL_VARIABLE = "PASSERELLE_TEST_DATABASE_URL"
# Tests do not need durability across power cuts: a faster server, same semantics.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest, or whatever is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start(folder: Path) -> str:
    """initdb and start a server in `folder`; return its URL."""
    binaries = server_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql "
                         "(or set PASSERELLE_TEST_DATABASE_URL to a server of your own)")
    data, socket = folder / "data", folder / "socket"
    socket.mkdir(parents=True)
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (folder, socket):
            os.chown(path, account.pw_uid, account.pw_gid)
    subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U",
                                    "passerelle", "--auth=trust", "-E", "UTF8",
                                    "--locale=C.UTF-8"]),
                   check=True, stdout=subprocess.DEVNULL)
    options = f"-k {socket} -c listen_addresses='' {FAST}"
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-o", options,
                                    "-l", str(folder / "server.log"), "-w", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    return f"postgresql://passerelle@/postgres?host={socket}"


def stop(folder: Path) -> None:
    binaries = server_binaries()
    if binaries is not None and (folder / "data").exists():
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"),
                                        "-m", "immediate", "stop"]),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1:]
    if os.environ.get(URL_VARIABLE):
        return subprocess.call(command)
    folder = Path(tempfile.mkdtemp(prefix="passerelle-pg-"))
    try:
        url = start(folder)
        print(f"throw-away PostgreSQL at {url}", file=sys.stderr, flush=True)
        return subprocess.call(command, env={**os.environ, URL_VARIABLE: url})
    finally:
        stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
