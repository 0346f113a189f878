"""Which storage options reach a URL when the caller names none: the resolver a command in
config mode installs (each URL gets its site's storage_options, `Config.storage_options_for`),
asked by `standby.storage.open_store`. A module of its own, importing nothing heavy, so the
CLI installs it before it knows whether the command opens a store at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

__all__ = ["OptionsFor", "is_secret_option", "options_by_url", "options_for"]

OptionsFor = Callable[[str], Mapping[str, str] | None]
_resolvers: list[OptionsFor] = []  # process-wide: worker threads open stores too
_SECRET_WORDS = ("secret", "token", "password", "sas", "key", "credential")


@contextmanager
def options_by_url(resolver: OptionsFor) -> Iterator[None]:
    """Inside, a store opened without options of its own gets `resolver(url)`."""
    _resolvers.append(resolver)
    try:
        yield
    finally:
        _resolvers.remove(resolver)


def options_for(url: str) -> Mapping[str, str] | None:
    """The options the innermost resolver gives `url` (None: the environment's)."""
    return _resolvers[-1](url) if _resolvers else None


def is_secret_option(key: str) -> bool:
    """Whether a storage option's value is a credential (by its key's name)."""
    return any(word in key.lower() for word in _SECRET_WORDS)
