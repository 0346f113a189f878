"""The command line: `standby [--config FILE] [--json] [-v] COMMAND ...`.

Commands only parse, call one library function and render. Errors become exit codes here,
in one place (standby.errors.EXIT_CODES), with one clear message and no traceback unless -v.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence

import typer
from rich.markup import escape

from standby.cli.app import command
from standby.cli.lazy import click
from standby.cli.output import GLOBAL_FLAGS, Globals, error_console
from standby.errors import BadUsage, Internal, Interrupted, StandbyError, exit_code_for

__all__ = ["main"]


def split_globals(argv: Sequence[str]) -> tuple[Globals, list[str]]:
    """Pull --json, -v and --config FILE out of argv wherever they stand (before a '--')."""
    options = Globals()
    rest: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--json":
            options.json = True
        elif arg in ("-v", "--verbose"):
            options.verbose += 1
        elif arg == "--config" and i + 1 < len(args):
            options.config = args[i + 1]
            i += 1
        elif arg.startswith("--config="):
            options.config = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return options, rest


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the exit code."""
    options, args = split_globals(sys.argv[1:] if argv is None else argv)
    GLOBAL_FLAGS.set(options)
    level = logging.DEBUG if options.verbose > 1 else logging.INFO if options.verbose else 0
    logging.basicConfig(
        level=level or logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        # Without standalone mode, click returns the code of an Exit (--help, --version)
        # instead of calling sys.exit, and raises usage errors for us to render.
        returned = command.main(args=args, prog_name="standby", standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except (Exception, KeyboardInterrupt) as e:
        error = as_standby_error(e)
        code = exit_code_for(error)
        render_error(error, options, code)
    if argv is None:
        sys.exit(code)
    return code


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
