"""Debian's headless chromium (installed by `make chromium`), driven over the DevTools
protocol: a page is loaded from a file, and what it logged, what it requested and what its
DOM holds are read back, with a screenshot."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@dataclass
class Loaded:
    """What a page did while it loaded, and what a script read from its DOM."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, log errors
    values: dict[str, Any] = field(default_factory=dict)


class Page:
    """One page of a headless chromium, driven over the DevTools protocol."""

    def __init__(self, profile: Path):
        binary = shutil.which("chromium")
        assert binary, "chromium is not installed: `make chromium` installs it"
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(
            connect(self._endpoint(), max_size=None, open_timeout=30)
        )
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _endpoint(self) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 30
        for line in self.proc.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                return found.group(1)
            assert time.monotonic() < deadline, "chromium did not open its DevTools endpoint"
        raise AssertionError("chromium exited before opening its DevTools endpoint")

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping the events that come first."""
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.recv(timeout=30))
            if answer.get("id") == ident:
                assert "error" not in answer, answer["error"]
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def _wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            assert time.monotonic() < deadline, f"no {method} within {timeout} s"
            self.events.append(json.loads(self.ws.recv(timeout=timeout)))

    def load(self, path: Path, script: str, *, screenshot: Path) -> Loaded:
        """Load `path`, run `script` (an expression returning JSON-able data) once loaded,
        save a screenshot of the whole page, and say what the page did."""
        self.call("Page.navigate", session=True, url=path.resolve().as_uri())
        self._wait_for("Page.loadEventFired")
        time.sleep(0.5)  # late requests or errors would come now
        value = self.call("Runtime.evaluate", session=True, expression=script, returnByValue=True)[
            "result"
        ]["value"]
        metrics = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        shot = self.call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=True,
            clip={
                "x": 0,
                "y": 0,
                "width": metrics["width"],
                "height": metrics["height"],
                "scale": 1,
            },
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        return Loaded(_requests(self.events), _errors(self.events), value)

    def close(self) -> None:
        self.stack.close()
        self.proc.kill()
        self.proc.wait(10)


def _requests(events: list[dict[str, Any]]) -> list[str]:
    return [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(json.dumps(params.get("args")))
        elif method == "Runtime.exceptionThrown":
            found.append(json.dumps(params.get("exceptionDetails")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(str(params["entry"].get("text")))
    return found
