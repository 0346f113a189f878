"""Where `config sync` finds secret values: the provider standby.yml names (environment
variables, a file outside the snapshot, or a command such as a vault CLI).

A value is read only when it is about to be set, is held in a `SecretValue`, and is never
logged, written or put in a message; a provider reports only where it looked.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path
from typing import Any, Protocol

import yaml

from standby.config import SecretProvider
from standby.errors import BadInput
from standby.workspace.client import SecretValue

log = logging.getLogger(__name__)


class SecretSource(Protocol):
    def value(self, scope: str, key: str) -> SecretValue | None:
        """The value of `scope/key`, or None when this source has none."""
        ...

    def where(self, scope: str, key: str) -> str:
        """Where the value would be found, for a message (never the value)."""
        ...


class EnvSecrets:
    def __init__(self, provider: SecretProvider, environ: dict[str, str] | None = None):
        self.provider = provider
        self.environ = os.environ if environ is None else environ

    def value(self, scope: str, key: str) -> SecretValue | None:
        found = self.environ.get(self.provider.env_var(scope, key))
        return SecretValue(found) if found else None

    def where(self, scope: str, key: str) -> str:
        return f"${self.provider.env_var(scope, key)}"


class FileSecrets:
    """A YAML or JSON file `{scope: {key: value}}`, read once."""

    def __init__(self, path: Path):
        self.path = path
        self._values: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._values is None:
            try:
                loaded = yaml.safe_load(self.path.read_text())
            except (OSError, yaml.YAMLError) as e:
                # Only the error's kind: a parser message can quote the file's content.
                raise BadInput(
                    f"The secrets file {self.path} cannot be read ({type(e).__name__}).",
                    hint="workspace_sync.secrets.path must name a YAML file {scope: {key: value}}.",
                ) from None
            self._values = loaded if isinstance(loaded, dict) else {}
        return self._values

    def value(self, scope: str, key: str) -> SecretValue | None:
        found = (self._load().get(scope) or {}).get(key)
        return SecretValue(str(found)) if found is not None else None

    def where(self, scope: str, key: str) -> str:
        return f"{self.path}: {scope}.{key}"


class CommandSecrets:
    """A command that prints the value; `{scope}` and `{key}` in its arguments are filled."""

    def __init__(self, argv: list[str], *, timeout: float):
        self.argv = argv
        self.timeout = timeout

    def _argv(self, scope: str, key: str) -> list[str]:
        return [a.replace("{scope}", scope).replace("{key}", key) for a in self.argv]

    def value(self, scope: str, key: str) -> SecretValue | None:
        try:
            done = subprocess.run(
                self._argv(scope, key), capture_output=True, text=True, timeout=self.timeout
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            log.warning("secret command for %s/%s failed: %s", scope, key, type(e).__name__)
            return None
        if done.returncode != 0:
            log.warning("secret command for %s/%s exited %d", scope, key, done.returncode)
            return None
        text = done.stdout[:-1] if done.stdout.endswith("\n") else done.stdout
        return SecretValue(text) if text else None

    def where(self, scope: str, key: str) -> str:
        return "command " + " ".join(self._argv(scope, key))


def secret_source(provider: SecretProvider) -> SecretSource:
    """The source standby.yml's `workspace_sync.secrets` describes."""
    if provider.provider == "file" and provider.path:
        return FileSecrets(Path(provider.path))
    if provider.provider == "command" and provider.command:
        return CommandSecrets(list(provider.command), timeout=provider.timeout)
    return EnvSecrets(provider)
