"""Log lines as text or as JSON (PASSERELLE_LOG_FORMAT=json), one object a line.

What a log line may hold is decided where it is written: people appear by pseudonym or
internal number, never with their words or names (`PASSERELLE_LOG_MESSAGE_TEXT=1` is the
one debugging exception). The JSON form adds no field of its own beyond time, level,
logger, message and, for an error, the exception's type and traceback.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: str, level: int) -> None:
    """The root logger's one handler, in the chosen format (replacing an earlier one of
    ours). Like `logging.basicConfig`, it adds nothing when a host (a test runner, a
    program embedding Passerelle) already gave the root logger its own handlers."""
    root = logging.getLogger()
    root.setLevel(level)
    ours = [h for h in root.handlers if getattr(h, "passerelle", False)]
    if len(ours) < len(root.handlers):
        return
    for old in ours:
        root.removeHandler(old)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    handler.passerelle = True  # type: ignore[attr-defined]
    root.addHandler(handler)
