"""The deployment files cannot drift from the code: every setting of bot/config.py is in
deploy/passerelle.env.example (with its default and meaning) and every variable listed
there is one the code reads; the systemd unit and the container file keep their
hardening and point the data at the state folder or volume."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "passerelle.env.example"
UNIT = ROOT / "deploy" / "passerelle.service"
CONTAINER = ROOT / "deploy" / "Containerfile"
LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")
TRIALS = ("7", "0", "1", "-1001234567890", "abc", "/tmp/passerelle-elsewhere",
          "https://example.org/bot", "postgresql://p@localhost/p", "json")


def listed() -> dict[str, list[str]]:
    """Each variable of the example with the comment lines just above it."""
    found: dict[str, list[str]] = {}
    comments: list[str] = []
    for raw in EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        match = LINE.match(line)
        if match:
            found[match.group(1)] = comments
            comments = []
        elif line.startswith("#"):
            comments = [*comments, line]
        else:
            comments = []
    return found


def fields_moved_by(variable: str, tmp_path: Path) -> set[str]:
    """The Settings fields that some value of `variable` changes (load_settings itself)."""
    baseline = dataclasses.asdict(load_settings({}))
    toml = tmp_path / "passerelle.toml"
    toml.write_text("[passerelle]\n[passerelle.retention]\ndays = 30\n", encoding="utf-8")
    moved: set[str] = set()
    for value in (*TRIALS, str(toml)):
        try:
            settings = dataclasses.asdict(load_settings({variable: value}))
        except (ValueError, OSError):
            continue
        moved |= {name for name, old in baseline.items() if settings[name] != old}
    return moved


def test_every_setting_is_in_the_example(tmp_path: Path) -> None:
    reached: set[str] = set()
    for variable in listed():
        reached |= fields_moved_by(variable, tmp_path)
    missing = {f.name for f in dataclasses.fields(Settings)} - reached
    assert not missing, f"settings with no variable in {EXAMPLE.name}: {sorted(missing)}"


def test_every_variable_of_the_example_is_read_by_the_code(tmp_path: Path) -> None:
    unread = [v for v in listed() if not fields_moved_by(v, tmp_path)]
    assert not unread, f"{EXAMPLE.name} lists variables nothing reads: {unread}"


def test_every_variable_the_code_names_is_in_the_example() -> None:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    named = set(re.findall(r'"((?:PASSERELLE|TELEGRAM)_[A-Z0-9_]+)"', source))
    assert named, "the pattern no longer finds config.py's variable names"
    assert named - set(listed()) == set()


def test_each_variable_says_its_default_and_what_it_means() -> None:
    for variable, comments in listed().items():
        text = " ".join(comments)
        assert "Default:" in text, f"{variable}: no 'Default:' line above it"
        meaning = [c for c in comments if "Default:" not in c and len(c) > 3]
        assert meaning, f"{variable}: no line saying what it is"


def test_only_the_token_is_uncommented_and_it_is_empty() -> None:
    """The example never ships a value that would silently change a deployment."""
    active = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
              if LINE.match(line) and not line.startswith("#")]
    assert active == ["TELEGRAM_BOT_TOKEN="]


def unit_directives() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.parametrize(("key", "value"), [
    ("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"), ("NoNewPrivileges", "yes"), ("StateDirectory", "passerelle"),
    ("StateDirectoryMode", "0700"), ("Restart", "on-failure"), ("KillSignal", "SIGTERM"),
    ("EnvironmentFile", "/etc/passerelle/passerelle.env"),
    ("Environment", "PASSERELLE_DB=/var/lib/passerelle/passerelle.sqlite3"),
    ("Environment", "PASSERELLE_CACHE=/var/lib/passerelle/cache"),
])
def test_the_systemd_unit_is_hardened_and_keeps_its_data_in_the_state_folder(
        key: str, value: str) -> None:
    assert value in unit_directives().get(key, []), f"{UNIT.name}: {key}={value} missing"


def test_the_systemd_unit_runs_passerelle_and_stops_within_its_grace() -> None:
    directives = unit_directives()
    assert directives["ExecStart"][0].endswith("passerelle run")
    assert int(directives["TimeoutStopSec"][0].rstrip("s")) >= 10  # it stops within 5 s


def test_the_container_runs_as_a_user_with_the_data_on_a_volume() -> None:
    text = CONTAINER.read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0", "0:0"}
    assert re.search(r'^VOLUME \["/app/var"\]', text, flags=re.MULTILINE)
    assert "PASSERELLE_DB=/app/var/passerelle.sqlite3" in text
    assert "PASSERELLE_WEB_HOST=0.0.0.0" in text  # reachable through the published port
    assert re.search(r'^STOPSIGNAL SIGTERM', text, flags=re.MULTILINE)
    assert re.search(r'^CMD \["passerelle", "run"\]', text, flags=re.MULTILINE)
