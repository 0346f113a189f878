"""The REST vocabulary every endpoint module shares: requests, errors as Databricks gives
them, routing, pagination, and the context (store, clock, pace) handlers work in.

Handlers are plain functions `(Context, Request) -> JSON-able | Raw`; they raise ApiError
for anything but success, so the HTTP layer is the only place that writes status lines.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from standby.sandbox.state import Store

T = TypeVar("T")


class Clock(Protocol):
    """Where the sandbox reads the time; tests inject one to move runs along without sleeping."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()


class ApiError(Exception):
    """An error answer: HTTP status plus the `error_code` the SDK maps to its exceptions."""

    def __init__(
        self, status: int, error_code: str, message: str, *, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


def not_found(message: str) -> ApiError:
    """404 RESOURCE_DOES_NOT_EXIST: the SDK raises NotFound (ResourceDoesNotExist)."""
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", message)


def already_exists(message: str, *, status: int = 409) -> ApiError:
    """RESOURCE_ALREADY_EXISTS: the SDK raises ResourceAlreadyExists."""
    return ApiError(status, "RESOURCE_ALREADY_EXISTS", message)


def invalid(message: str) -> ApiError:
    """400 INVALID_PARAMETER_VALUE: the SDK raises InvalidParameterValue."""
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request; `params` are the `{name}` parts of the route's path."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    content_type: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A query parameter, else a body field (GET sends query, POST sends JSON)."""
        if name in self.query:
            return self.query[name][-1]
        value = self.body.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else str(value)

    def need(self, name: str) -> str:
        """A required parameter: missing is INVALID_PARAMETER_VALUE, as the real API says."""
        value = self.arg(name)
        if value is None or value == "":
            raise invalid(f"Missing required field: {name}")
        return value

    def int_arg(self, name: str, default: int | None = None) -> int | None:
        value = self.arg(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise invalid(f"Invalid value for {name}: {value!r} is not an integer") from None

    def need_int(self, name: str) -> int:
        value = self.int_arg(name)
        if value is None:
            raise invalid(f"Missing required field: {name}")
        return value

    def bool_arg(self, name: str, default: bool = False) -> bool:
        value = self.body.get(name) if name not in self.query else self.query[name][-1]
        if value is None:
            return default
        return value is True or str(value).lower() == "true"


@dataclass(frozen=True)
class Raw:
    """A non-JSON answer (workspace export with direct_download)."""

    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Context:
    """What a handler may touch: the store (already locked by the server), time and pace."""

    store: Store
    clock: Clock
    step_seconds: float
    user_name: str

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)


Handler = Callable[[Context, Request], Any]

_PARAM = re.compile(r"\{(\w+)(:path)?\}")


class Router:
    """Routes `METHOD /path/{param}` to handlers; unknown paths answer 404 ENDPOINT_NOT_FOUND."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        def group(m: re.Match[str]) -> str:
            return f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)"

        regex = re.compile("^" + _PARAM.sub(group, pattern) + "$")
        self._routes.append((method, regex, handler))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        allowed = False
        for route_method, regex, handler in self._routes:
            match = regex.match(path)
            if not match:
                continue
            if route_method == method:
                return handler, match.groupdict()
            allowed = True
        if allowed:
            raise ApiError(405, "BAD_REQUEST", f"Method {method} is not allowed on {path}")
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")


def page(
    items: Sequence[T], *, token: str | None, limit: int | None, default_limit: int
) -> tuple[list[T], str | None]:
    """One page of `items` and the opaque token of the next one (None on the last page)."""
    size = default_limit if not limit or limit <= 0 else limit
    start = _decode_token(token) if token else 0
    chunk = list(items[start : start + size])
    nxt = start + size
    return chunk, (_encode_token(nxt) if nxt < len(items) else None)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, offset = text.partition(":")
        if kind != "offset":
            raise ValueError(text)
        return max(0, int(offset))
    except ValueError:
        raise invalid(f"Invalid page_token: {token!r}") from None


def sdk_shape(cls: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`data` through the SDK dataclass `cls`: only the fields the API knows, in its shape."""
    shaped: dict[str, Any] = cls.from_dict(data).as_dict()
    return shaped


def new_hex_id(n: int = 16, *, upper: bool = True) -> str:
    value = secrets.token_hex(n // 2)
    return value.upper() if upper else value


def require(collection: dict[str, T], key: str, error: ApiError) -> T:
    """The record at `key`, or raise `error` (the API's own message for that kind)."""
    record = collection.get(key)
    if record is None:
        raise error
    return record


def begin(record: dict[str, Any], ctx: Context, *phases: str) -> None:
    """Start a lifecycle: `record` goes through `phases`, one per `step_seconds` (a cluster
    PENDING -> RUNNING, a warehouse STOPPING -> STOPPED)."""
    record["_since_ms"] = ctx.now_ms()
    record["_phases"] = list(phases)


def phase(record: dict[str, Any], ctx: Context) -> str:
    """The lifecycle state `record` has reached now; computed, so GETs never write."""
    steps = record["_phases"]
    elapsed = (ctx.now_ms() - record["_since_ms"]) / 1000
    index = len(steps) - 1 if ctx.step_seconds <= 0 else int(elapsed / ctx.step_seconds)
    return str(steps[min(index, len(steps) - 1)])


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record without the sandbox's bookkeeping keys (those starting with `_`)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
