"""One error hierarchy for the library; the CLI maps each class to an exit code in one table.

Every error carries a one-paragraph message that says what was wrong, and a hint that says
what to do; where known, the operation it interrupted and the path it concerned (`during`
adds them on the way out). Messages never contain secret values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class StandbyError(Exception):
    """Base of every error standby raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        path: str | None = None,
        operation: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = path
        self.operation = operation

    def context(self) -> str | None:
        """`during <operation> of <path>`, as every renderer shows it (None: not known)."""
        if self.operation is None:
            return None
        return f"during {self.operation}" + (f" of {self.path}" if self.path else "")

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class BadInput(StandbyError):
    """The user asked for something that cannot be done as asked (exit 2)."""


class BadUsage(BadInput):
    """The command line does not parse: an unknown option, a missing argument, a value of
    the wrong type or out of range."""


class ConfigInvalid(BadInput):
    """standby.yml (or a flag) does not validate."""


class UnsupportedURI(BadInput):
    """A URI whose scheme or shape standby does not know."""


class TableNotFound(BadInput):
    """No Delta table at the URI (nothing there, or no _delta_log)."""


class VersionNotFound(BadInput):
    """A version that the table's log cannot reconstruct."""


class TimestampOutOfRange(BadInput):
    """A timestamp before the table's first retained commit or after its latest one."""


class FilesMissing(BadInput):
    """Files a version needs are gone (vacuumed, deleted, never copied)."""


class UnsupportedFeature(BadInput):
    """The table uses a protocol feature this operation cannot handle safely."""


class OverlappingLocations(BadInput):
    """A target that is its source, lies inside it, or holds it: no flag makes it safe."""


class ObjectNotFound(StandbyError):
    """A storage object does not exist."""


class AccessDenied(StandbyError):
    """The storage refused the credentials."""


class BucketNotFound(BadInput):
    """The bucket or container a storage URI names does not exist (S3 NoSuchBucket, Azure
    ContainerNotFound): no object in it can be read or written."""


class ProblemFound(StandbyError):
    """The operation ran and found a problem (verify failed, drift, RPO missed) (exit 1)."""


class SourceGone(ProblemFound):
    """A replicated source table is gone (path, _delta_log or bucket): the DR event itself,
    not bad input, so exit 1 (a problem found), as `status` reports it."""


class Partial(StandbyError):
    """Some items failed, others were done (exit 3)."""


class Unreachable(StandbyError):
    """A store or workspace could not be reached, even after retries (exit 4)."""


class Throttled(Unreachable):
    """A store or workspace answered 429 (slow down) or 503 (come back later), after
    `retry_after` seconds if it said so; it did not act on the request."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        hint: str | None = None,
        path: str | None = None,
        operation: str | None = None,
    ):
        super().__init__(message, hint=hint, path=path, operation=operation)
        self.retry_after = retry_after


class Interrupted(StandbyError):
    """Stopped by a signal (Ctrl-C, SIGTERM) before the end; what was done is kept (exit 130)."""


class Internal(StandbyError):
    """An exception standby did not expect: a bug, reported as one (exit 1)."""


class Refused(StandbyError):
    """Refused for safety: the operation would overwrite or lose data (exit 5)."""


class ObjectExists(Refused):
    """A put-if-absent found the object already there."""


class ObjectChanged(Refused):
    """A conditional overwrite (if_match) found another version of the object, or none:
    someone else wrote it since it was read."""


class TargetNotEmpty(Refused):
    """A clone or restore target that already holds data."""


class Diverged(Refused):
    """A replica holds a version whose bytes differ from the source's."""


class WrongSource(Refused):
    """A replica asked to follow a table it does not belong to (another URI or table id,
    a source recreated at its path, or a source behind the replica)."""


EXIT_CODES: dict[type[BaseException], int] = {
    ProblemFound: 1,
    BadInput: 2,
    ObjectNotFound: 2,
    AccessDenied: 2,
    Partial: 3,
    Unreachable: 4,
    Refused: 5,
    Interrupted: 130,
    KeyboardInterrupt: 130,
    Internal: 1,
}


def exit_code_for(error: BaseException) -> int:
    """The exit code of an error: the entry of its nearest class in EXIT_CODES, else 1."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


@contextmanager
def during(operation: str, path: str | None = None) -> Iterator[None]:
    """Errors leaving this block carry `operation` and the path it works on (`path`, else
    the error's own) unless an inner block, which knows more, already named theirs."""
    try:
        yield
    except StandbyError as e:
        if e.operation is None:
            e.operation = operation
            e.path = path if path is not None else e.path
        raise
