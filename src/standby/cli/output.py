"""Rendering: one JSON document on stdout with --json, rich tables otherwise; logs on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console


@dataclass
class Globals:
    """Options that every command honours."""

    json: bool = False
    verbose: int = 0
    config: str | None = None
    emitted: bool = False  # a result document is out: an error after it adds no second one


GLOBAL_FLAGS: ContextVar[Globals | None] = ContextVar("standby_globals", default=None)


def flags() -> Globals:
    return GLOBAL_FLAGS.get() or Globals()


def console() -> Console:
    """Human output on stdout."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def error_console() -> Console:
    """Logs, progress and errors on stderr, so stdout stays clean for --json."""
    return Console(file=sys.stderr, highlight=False)


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def emit(result: Any, render: Callable[[Console], None]) -> None:
    """Print `result` as JSON (with --json) or call `render` with a console."""
    if flags().json:
        sys.stdout.write(json.dumps(to_jsonable(result), indent=2, sort_keys=False) + "\n")
        sys.stdout.flush()  # a reader of a pipe gets the result now, not when the process ends
        flags().emitted = True
    else:
        render(console())


def artifact(kind: str, text: str, document: dict[str, Any]) -> None:
    """An emitted artifact (a job definition, a crontab, a report): the text itself on
    stdout, ready to redirect into a file; with --json, `document` with its kind."""
    if flags().json:
        emit({"emit": kind, **document}, lambda c: None)
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


def fmt_ms(ms: int | None) -> str:
    """A log timestamp (ms since epoch) as UTC text."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def fmt_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def tail(text: str, width: int = 32) -> str:
    """The end of a long URI, where the table's name is."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]
