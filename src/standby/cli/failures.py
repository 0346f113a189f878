"""How a failure looks: every exception that reaches the command line becomes one of
standby's error classes (its exit code comes from the table in standby.errors), and one
function renders it."""

from __future__ import annotations

import json
import sys

import typer
from rich.markup import escape

from standby.cli.output import Globals, error_console
from standby.errors import (
    AccessDenied,
    BadInput,
    BadUsage,
    Internal,
    Interrupted,
    StandbyError,
)

try:  # typer >= 0.16 vendors click
    from typer import _click as click
except ImportError:  # pragma: no cover
    import click  # type: ignore[no-redef]

__all__ = ["as_standby_error", "click", "render_error"]


def as_standby_error(error: BaseException) -> StandbyError:
    """Every failure that reaches the command line as one of standby's error classes."""
    if isinstance(error, StandbyError):
        return error
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        return BadUsage("Missing command.", hint=error.format_message())
    if isinstance(error, click.exceptions.UsageError):
        where = error.ctx.command_path if error.ctx else "standby"
        return BadUsage(error.format_message(), hint=f"See `{where} --help`.")
    if isinstance(error, click.ClickException):
        return BadUsage(error.format_message())
    if isinstance(error, KeyboardInterrupt | typer.Abort):
        return Interrupted("Interrupted.")
    if isinstance(error, OSError) and error.filename is not None:
        # The system refused a path (too long, not a directory, no permission): the path
        # came from the command line or the configuration, and the message names it.
        cls = AccessDenied if isinstance(error, PermissionError) else BadInput
        return cls(f"{error.filename}: {error.strerror or error}.", path=str(error.filename))
    return Internal(
        f"Internal error: {type(error).__name__}: {error}. Rerun with -v for details; this "
        "is a bug in standby, please report it."
    )


def render_error(error: StandbyError, options: Globals, code: int) -> None:
    """The one rendering of an error: one paragraph on stderr (the traceback too with -v),
    and with --json the error document on stdout unless a result document is already out."""
    context = error.context()
    message = f"{context}: {error.message}" if context else error.message
    text = message + (f"\n{error.hint}" if error.hint else "")
    if options.verbose:
        error_console().print_exception(show_locals=False)
    error_console().print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
    if options.json and not options.emitted:
        doc = {
            "type": type(error).__name__,
            "message": message,
            "hint": error.hint,
            "operation": error.operation,
            "path": error.path,
            "exit_code": code,
        }
        sys.stdout.write(json.dumps({"error": doc}) + "\n")
