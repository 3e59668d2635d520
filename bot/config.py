"""Settings from environment variables and an optional TOML file.

Environment variables win over the file so that a deployment can override one value
without copying the whole file. The names are a stable interface (see README).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class Settings:
    """Everything the bootstrap needs to wire Passerelle."""

    telegram_token: str | None = None
    telegram_base_url: str = DEFAULT_TELEGRAM_BASE_URL
    telegram_base_file_url: str | None = None
    telegram_rate: float = 30.0  # messages a second this process sends (Telegram: 30 a bot)
    db_path: Path = PROJECT_ROOT / "var" / "passerelle.sqlite3"
    database_url: str | None = None  # postgresql://…: PostgreSQL instead of the SQLite file
    instance: str | None = None  # this process's lasting name when several share a database
    content_dir: Path = PROJECT_ROOT / "content"
    locales_dir: Path = PROJECT_ROOT / "locales"
    cache_dir: Path = PROJECT_ROOT / "var" / "cache"
    default_language: str = "fr"
    semantic_matching: bool = True
    workers_chat_id: int | None = None
    workers_per_minute: int = 20  # messages into one workers' group per minute (Telegram's)
    log_message_text: bool = False
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_kiosk: bool = False
    webhook_url: str | None = None  # set: Telegram pushes updates here instead of polling
    webhook_secret: str | None = None  # unset: derived from the token (see webhook.py)
    metrics_host: str = "127.0.0.1"  # /metrics and /healthz: for the people who run it
    metrics_port: int | None = None  # None: no monitoring endpoint
    log_format: str = "text"  # or "json": one JSON object a line
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def database(self) -> Path | str:
        """Where the data lives: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.db_path


def load_settings(
    environ: dict[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Read settings: defaults, then the TOML file (PASSERELLE_CONFIG), then the environment."""
    env = dict(os.environ if environ is None else environ)
    path = config_file or (Path(env["PASSERELLE_CONFIG"]) if env.get("PASSERELLE_CONFIG") else None)
    file_values: dict[str, object] = {}
    if path is not None:
        with path.open("rb") as handle:
            file_values = tomllib.load(handle).get("passerelle", {})

    def pick(env_name: str, file_key: str) -> str | None:
        if env.get(env_name):
            return env[env_name]
        value = file_values.get(file_key)
        return None if value is None else str(value)

    defaults = Settings()
    base_url = pick("PASSERELLE_TELEGRAM_BASE_URL", "telegram_base_url")
    file_url = pick("PASSERELLE_TELEGRAM_BASE_FILE_URL", "telegram_base_file_url")
    if base_url and not file_url and base_url.rstrip("/").endswith("/bot"):
        file_url = base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    db = pick("PASSERELLE_DB", "db")
    content = pick("PASSERELLE_CONTENT", "content")
    locales = pick("PASSERELLE_LOCALES", "locales")
    cache = pick("PASSERELLE_CACHE", "cache")
    workers = pick("PASSERELLE_WORKERS_CHAT_ID", "workers_chat_id")
    semantic = pick("PASSERELLE_SEMANTIC", "semantic_matching")
    log_text = pick("PASSERELLE_LOG_MESSAGE_TEXT", "log_message_text")
    web_port = pick("PASSERELLE_WEB_PORT", "web_port")
    per_minute = pick("PASSERELLE_WORKERS_PER_MINUTE", "workers_per_minute")
    metrics_port = pick("PASSERELLE_METRICS_PORT", "metrics_port")
    log_format = (pick("PASSERELLE_LOG_FORMAT", "log_format") or "text").strip().lower()
    return Settings(
        telegram_token=pick("TELEGRAM_BOT_TOKEN", "telegram_token"),
        telegram_base_url=base_url or defaults.telegram_base_url,
        telegram_base_file_url=file_url,
        telegram_rate=float(pick("PASSERELLE_TELEGRAM_RATE", "telegram_rate") or 30.0),
        db_path=Path(db) if db else defaults.db_path,
        database_url=pick("PASSERELLE_DATABASE_URL", "database_url"),
        instance=pick("PASSERELLE_INSTANCE", "instance"),
        content_dir=Path(content) if content else defaults.content_dir,
        locales_dir=Path(locales) if locales else defaults.locales_dir,
        cache_dir=Path(cache) if cache else defaults.cache_dir,
        default_language=pick("PASSERELLE_DEFAULT_LANGUAGE", "default_language") or "fr",
        semantic_matching=_truthy(semantic, default=True),
        workers_chat_id=int(workers) if workers else None,
        workers_per_minute=max(1, int(per_minute)) if per_minute else defaults.workers_per_minute,
        log_message_text=_truthy(log_text, default=False),
        web_enabled=_truthy(pick("PASSERELLE_WEB", "web_enabled"), default=True),
        web_host=pick("PASSERELLE_WEB_HOST", "web_host") or defaults.web_host,
        web_port=int(web_port) if web_port else defaults.web_port,
        web_kiosk=_truthy(pick("PASSERELLE_WEB_KIOSK", "web_kiosk"), default=False),
        webhook_url=pick("PASSERELLE_WEBHOOK_URL", "webhook_url"),
        webhook_secret=pick("PASSERELLE_WEBHOOK_SECRET", "webhook_secret"),
        metrics_host=pick("PASSERELLE_METRICS_HOST", "metrics_host") or defaults.metrics_host,
        metrics_port=int(metrics_port) if metrics_port and metrics_port != "0" else None,
        log_format="json" if log_format == "json" else "text",
        extra={k: v for k, v in file_values.items() if isinstance(k, str)},
    )


def _truthy(value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}
