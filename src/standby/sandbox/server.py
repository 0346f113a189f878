"""HTTP plumbing: parse a request, check the token, inject faults, dispatch under the store
lock, and write the answer the way the Databricks REST API does (JSON, error_code, status).

Built on the standard library's ThreadingHTTPServer with HTTP/1.1 keep-alive, so the SDK's
connection pool reuses sockets. "Down" closes the listener (connection refused) and drops
open keep-alive sockets; "up" binds the same port again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from standby.sandbox.api import ApiError, Context, Raw, Request, Router
from standby.sandbox.faults import Faults

log = logging.getLogger(__name__)

# Paths served without a token and without injected faults: discovery and sandbox control.
OPEN_PATHS = ("/.well-known/databricks-config", "/_sandbox/health")
CONTROL_PREFIX = "/_sandbox/"


class SandboxHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows its router, context and faults, and tracks open
    connections so that "down" can cut them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], *, router: Router, ctx: Context, faults: Faults
    ) -> None:
        self.router = router
        self.ctx = ctx
        self.faults = faults
        self.down = False
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every open connection (clients see a reset and reconnect)."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        # Method, path and status only: bodies may hold secret values and are never logged.
        log.debug("%s %s", self.address_string(), format % args)

    def _serve(self, method: str) -> None:
        server = self.server
        if server.down:
            self.close_connection = True
            return
        raw = self._read_body()
        url = urlsplit(self.path)
        path = unquote(url.path)
        try:
            self._check_token(path)
            if not path.startswith(OPEN_PATHS) and not path.startswith(CONTROL_PREFIX):
                if server.faults.latency_seconds:
                    time.sleep(server.faults.latency_seconds)
                fault = server.faults.decide()
                if fault is not None:
                    raise fault
            handler, params = server.router.resolve(method, path)
            request = Request(
                method=method,
                path=path,
                query=parse_qs(url.query, keep_blank_values=True),
                body=_parse_body(raw, self.headers.get("Content-Type", "")),
                params=params,
                raw_body=raw,
                content_type=self.headers.get("Content-Type", ""),
            )
            with server.ctx.store.lock:
                result = handler(server.ctx, request)
                if method != "GET":
                    server.ctx.store.changed()
        except ApiError as e:
            self._send(e.status, _json(e.body()), "application/json", e.headers)
            return
        except Exception as e:  # a sandbox bug: answer 500 like the platform, keep serving
            log.exception("sandbox handler failed for %s %s", method, path)
            body = {"error_code": "INTERNAL_ERROR", "message": f"{type(e).__name__}: {e}"}
            self._send(500, _json(body), "application/json")
            return
        if isinstance(result, Raw):
            self._send(200, result.content, result.content_type)
        else:
            self._send(200, _json({} if result is None else result), "application/json")

    def _check_token(self, path: str) -> None:
        if path.startswith(OPEN_PATHS):
            return
        header = self.headers.get("Authorization", "")
        if not header:
            raise ApiError(401, "UNAUTHENTICATED", "No credentials were sent with the request.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token != self.server.ctx.store.meta.get("token"):
            raise ApiError(403, "PERMISSION_DENIED", "Invalid access token.")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """JSON bodies, and the multipart form the SDK's workspace.upload sends."""
    if not raw:
        return {}
    if content_type.startswith("multipart/form-data"):
        return _parse_multipart(raw, content_type)
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "MALFORMED_REQUEST", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "MALFORMED_REQUEST", "The request body must be a JSON object.")
    return body


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        decoded = part.get_payload(decode=True)  # bytes for a leaf part
        payload = decoded if isinstance(decoded, bytes) else b""
        fields[name] = payload if part.get_filename() or name == "content" else payload.decode()
    return fields
