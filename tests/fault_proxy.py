"""A loopback HTTP proxy that injects faults between a client and a real storage server.

Put it in front of moto or Azurite and point the store's endpoint at `proxy.url`; then
arm faults for the next requests:

    proxy.inject("status", count=3)                  # answer 503 to the next 3 requests
    proxy.inject("drop", count=2)                    # close the connection, no answer
    proxy.inject("lose_response", method="PUT")      # forward (it lands), then drop the reply
    proxy.latency = 0.2                              # delay every request by 200 ms

Faults are consumed in the order armed, each by the first request it matches. Requests
are forwarded unchanged (Host header included, so signatures still verify).
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlparse

FaultKind = Literal["status", "drop", "lose_response"]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass
class Fault:
    kind: FaultKind
    remaining: int
    method: str | None = None
    status: int = 503

    def matches(self, method: str) -> bool:
        return self.remaining > 0 and (self.method is None or self.method == method)


@dataclass(frozen=True)
class Seen:
    """One request the proxy received, and what it did with it."""

    method: str
    path: str
    outcome: str  # "forwarded" or the fault's kind


class FaultProxy:
    """A threaded proxy on 127.0.0.1:<free port> to `upstream` (http://host:port)."""

    def __init__(self, upstream: str):
        parsed = urlparse(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.latency = 0.0
        self.seen: list[Seen] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def inject(
        self, kind: FaultKind, *, count: int = 1, method: str | None = None, status: int = 503
    ) -> None:
        """Arm a fault for the next `count` requests (of `method`, if given)."""
        with self._lock:
            self._faults.append(Fault(kind, count, method, status))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.seen.clear()
            self.latency = 0.0

    def outcomes(self, outcome: str, method: str | None = None) -> int:
        """How many requests (of `method`) met `outcome` ("forwarded" or a fault kind)."""
        with self._lock:
            return sum(
                1
                for s in self.seen
                if s.outcome == outcome and (method is None or s.method == method)
            )

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            fault = next((f for f in self._faults if f.matches(method)), None)
            if fault is not None:
                fault.remaining -= 1
            self.seen.append(Seen(method, path, fault.kind if fault else "forwarded"))
            return fault


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            body = self._read_body()
            fault = proxy._take(self.command, self.path)
            if proxy.latency:
                time.sleep(proxy.latency)
            if fault is not None and fault.kind == "drop":
                return self._abort()
            if fault is not None and fault.kind == "status":
                return self._reply(fault.status, {"Content-Type": "text/plain"}, b"injected")
            status, headers, payload = self._forward(body)
            if fault is not None and fault.kind == "lose_response":
                return self._abort()
            return self._reply(status, headers, payload)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
                }
                if body or "Content-Length" in self.headers:
                    headers["Content-Length"] = str(len(body))
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
                return response.status, kept, payload
            finally:
                conn.close()

        def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in {"content-length", "server", "date"}:
                    self.send_header(name, value)
            length = headers.get("Content-Length", headers.get("content-length"))
            if self.command == "HEAD" and length is not None:
                self.send_header("Content-Length", length)
            else:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _abort(self) -> None:
            """Close the connection with no answer, as a crashed server or a cut link does."""
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A started FaultProxy to `upstream`, stopped on exit."""
    proxy = FaultProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()
