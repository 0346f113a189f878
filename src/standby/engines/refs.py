"""How a store crosses to another process (a Spark executor): its URL and its options, each
secret by name only.

A `StoreRef` is what the driver ships; the executor opens the store from it, reading every
secret from its own environment (on Databricks, a cluster environment variable set from a
secret scope: `{{secrets/scope/key}}`). A secret value therefore never enters a Spark
closure, a broadcast, a task or a log: only the name of the variable that holds it does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from standby.errors import BadInput, ConfigInvalid
from standby.site_options import is_secret_option
from standby.storage import ObjectStore, open_store


@dataclass(frozen=True)
class EnvSecret:
    """An option whose value the executor reads from its environment variable `env`."""

    env: str


OptionRef = str | EnvSecret


@dataclass(frozen=True)
class StoreRef:
    """A store as another process opens it: a URL and options, secrets by name."""

    url: str
    options: tuple[tuple[str, OptionRef], ...] = ()

    def __post_init__(self) -> None:
        for key, value in self.options:
            if isinstance(value, str) and is_secret_option(key):
                raise BadInput(
                    f"The storage option {key} of {self.url} holds a literal value; a value "
                    "that could be a secret is never shipped to Spark executors.",
                    hint=f"Write {key}: {{env: VAR_NAME}} in standby.yml and set VAR_NAME on "
                    "the cluster (on Databricks: a secret reference in spark_env_vars).",
                )

    def resolve(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The options with each secret read from the environment now (never log them).

        Raises ConfigInvalid naming the variable when it is not set here.
        """
        env = os.environ if environ is None else environ
        out: dict[str, str] = {}
        for key, value in self.options:
            if isinstance(value, EnvSecret):
                if not env.get(value.env):
                    raise ConfigInvalid(
                        f"The environment variable {value.env} (storage option {key}) is not "
                        "set on this Spark executor.",
                        hint="Set it in the cluster's environment (Databricks: spark_env_vars "
                        "with a {{secrets/scope/key}} reference).",
                    )
                out[key] = env[value.env]
            else:
                out[key] = value
        return out


def open_ref(ref: StoreRef) -> ObjectStore:
    """The store a StoreRef names, opened here with its secrets read from this environment."""
    return open_store(ref.url, options=ref.resolve() or None)


Opener = Callable[[StoreRef], ObjectStore]
RootOptions = Sequence[tuple[str, Mapping[str, OptionRef]]]


class StoreRefs:
    """Maps a store to its StoreRef: the options of the longest storage root holding it.

    A store under no known root ships no options: the executor's environment alone applies.
    """

    def __init__(self, roots: RootOptions = ()):
        self._roots = sorted(
            ((url.rstrip("/"), tuple(sorted(opts.items()))) for url, opts in roots),
            key=lambda r: len(r[0]),
            reverse=True,
        )

    def __call__(self, store: ObjectStore) -> StoreRef:
        url = store.url.rstrip("/")
        for root, options in self._roots:
            if url == root or url.startswith(root + "/"):
                return StoreRef(url, options)
        return StoreRef(url)
