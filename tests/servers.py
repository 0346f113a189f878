"""Real storage servers on loopback for the tests: moto's S3 server and Azurite (blob).

Each runs as a child process on a free port of 127.0.0.1, so every xdist worker gets its
own. Azurite runs under tests/azurite_blob.js, which makes it honour List Blobs'
`startFrom` as Azure does (delta-rs cannot write past version 1 on Azurite without it).

The options each server hands out work for both standby's stores (obstore) and
deltalake (delta-rs), as `storage_options` or as environment variables.
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import hmac
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

from standby.storage import ObjectStore, open_store

REPO = Path(__file__).resolve().parent.parent
AZURITE_FALLBACK = REPO / ".cache" / "node" / "node_modules" / ".bin" / "azurite"
AZURITE_BLOB_MAIN = Path("dist", "src", "blob", "main.js")
AZURITE_SHIM = Path(__file__).resolve().parent / "azurite_blob.js"
# Azurite's well-known development account: public, documented, not a secret.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
START_TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique_name(prefix: str) -> str:
    """A bucket or container name valid on S3 and Azure, unique across workers and runs."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"not listening on port {port} after {START_TIMEOUT}s: {log.read_text()}")


@dataclass
class Server:
    """A child process serving HTTP on 127.0.0.1:port; stopped by `stop()`."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# Resolved here, not in the child: between fork and exec only the call itself is safe.
_prctl = ctypes.CDLL(None).prctl if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """In the child, before exec: be killed when the test process dies, even by SIGKILL."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


def _start(name: str, command: list[str], port: int, log: Path) -> Server:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
            preexec_fn=_die_with_parent,
        )
    try:
        _wait_listening(port, proc, log)
    except RuntimeError as e:
        raise RuntimeError(f"{name} ({' '.join(command)}) {e}") from None
    return Server(name, port, proc)


def _start_retrying(name: str, build: Callable[[int], list[str]], workdir: Path) -> Server:
    """Start on a fresh free port; retry when another process took the port meanwhile."""
    last: RuntimeError | None = None
    for attempt in range(3):
        port = free_port()
        try:
            return _start(name, build(port), port, workdir / f"{name}.{attempt}.log")
        except RuntimeError as e:
            last = e
    raise RuntimeError(str(last))


# --- S3 (moto) ---------------------------------------------------------------------------


@dataclass
class S3Server:
    """moto's S3 server; `options` are the credentials and endpoint of every S3 root."""

    server: Server
    options: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.options = s3_options(self.server.url)

    def create_bucket(self) -> str:
        """A new empty bucket (path-style), named uniquely."""
        name = unique_name("standby")
        _request(self.server.url, "PUT", f"/{name}")
        return name


def s3_options(endpoint: str) -> dict[str, str]:
    """What obstore and deltalake need to reach an S3 endpoint over plain HTTP."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
    }


def start_moto(workdir: Path) -> S3Server:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]

    return S3Server(_start_retrying("moto", command, workdir))


# --- Azure (Azurite) ---------------------------------------------------------------------


@dataclass
class AzureServer:
    """Azurite's blob service; `options` are the account and endpoint of every Azure root."""

    server: Server
    options: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.options = azure_options(self.server.url)

    def create_container(self) -> str:
        """A new empty container, named uniquely."""
        name = unique_name("standby")
        _azure_request(self.server.url, "PUT", name, {"restype": "container"})
        return name


def azure_options(endpoint: str) -> dict[str, str]:
    """What obstore and deltalake need to reach an Azurite endpoint over plain HTTP.

    An explicit account, key and endpoint rather than AZURE_STORAGE_USE_EMULATOR, whose
    port can only be moved by an environment variable (AZURITE_BLOB_STORAGE_URL).
    """
    return {
        "AZURE_STORAGE_ACCOUNT_NAME": AZURITE_ACCOUNT,
        "AZURE_STORAGE_ACCOUNT_KEY": AZURITE_KEY,
        "AZURE_STORAGE_ENDPOINT": f"{endpoint}/{AZURITE_ACCOUNT}",
        "AZURE_ALLOW_HTTP": "true",
    }


def azurite_command() -> list[str]:
    """node, our startFrom shim (tests/azurite_blob.js) and Azurite's blob entry point.

    Azurite is $STANDBY_AZURITE, else the one `make test` installs. Raises
    FileNotFoundError naming what is missing: a missing server must fail, not skip.
    """
    configured = os.environ.get("STANDBY_AZURITE")
    candidates = [Path(configured)] if configured else []
    candidates.append(AZURITE_FALLBACK)
    launcher = next((path for path in candidates if path.exists()), None)
    if launcher is None:
        raise FileNotFoundError(
            f"Azurite not found (STANDBY_AZURITE={configured!r}, fallback {AZURITE_FALLBACK}). "
            "Run `make test`, which installs it with npm, or set STANDBY_AZURITE."
        )
    real = launcher.resolve()  # .bin/azurite -> <package>/dist/src/azurite.js
    main = next(
        (p / AZURITE_BLOB_MAIN for p in real.parents if (p / AZURITE_BLOB_MAIN).exists()), None
    )
    node = shutil.which("node")
    if main is None or node is None:
        raise FileNotFoundError(
            f"Cannot run Azurite from {launcher}: "
            + ("node is not on PATH." if node is None else f"no {AZURITE_BLOB_MAIN} above {real}.")
        )
    return [node, str(AZURITE_SHIM), str(main)]


def start_azurite(workdir: Path) -> AzureServer:
    launch = azurite_command()
    location = workdir / "azurite-data"
    location.mkdir(parents=True, exist_ok=True)

    def command(port: int) -> list[str]:
        return [
            *launch,
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--silent",
            "--skipApiVersionCheck",
            "--loose",
            "--disableTelemetry",
            "--location",
            str(location),
        ]

    return AzureServer(_start_retrying("azurite", command, workdir))


# --- raw HTTP, for what the object-store API cannot do (create a bucket or container) -----


def _request(base: str, method: str, path: str, headers: dict[str, str] | None = None) -> None:
    req = urllib.request.Request(f"{base}{path}", method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as response:
        response.read()


def _azure_request(base: str, method: str, resource: str, query: dict[str, str]) -> None:
    """One request signed with Azure's SharedKey scheme (path-style, as Azurite serves)."""
    headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": "2021-08-06"}
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()))
    canonical_resource = f"/{AZURITE_ACCOUNT}/{AZURITE_ACCOUNT}/{resource}" + "".join(
        f"\n{k}:{v}" for k, v in sorted(query.items())
    )
    string_to_sign = f"{method}\n" + "\n" * 11 + canonical_headers + canonical_resource
    key = base64.b64decode(AZURITE_KEY)
    digest = hmac.new(key, string_to_sign.encode(), hashlib.sha256).digest()
    headers["Authorization"] = f"SharedKey {AZURITE_ACCOUNT}:{base64.b64encode(digest).decode()}"
    headers["Content-Length"] = "0"
    query_string = "&".join(f"{k}={v}" for k, v in query.items())
    _request(base, method, f"/{AZURITE_ACCOUNT}/{resource}?{query_string}", headers)


# --- roots: where one test's objects live ------------------------------------------------

BACKENDS = ("local", "s3", "azure")


@dataclass(frozen=True)
class Root:
    """A fresh, empty storage root of one backend, with the options that reach it.

    `uri` is a local path, s3://bucket/prefix or az://container/prefix; `storage_options`
    goes as is to `deltalake.DeltaTable(uri, storage_options=...)`, `write_deltalake` and
    `standby.storage.open_store(uri, options=...)` (empty for local roots).
    """

    kind: str
    uri: str
    storage_options: dict[str, str]

    def join(self, *parts: str) -> str:
        """The URI of a path under this root."""
        return "/".join([self.uri.rstrip("/"), *(p.strip("/") for p in parts if p)])

    def store(self, *parts: str) -> ObjectStore:
        """A retrying store rooted at this root (or at a path under it)."""
        return open_store(self.join(*parts), options=self.storage_options)
