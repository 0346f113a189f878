"""The command line: `standby [--config FILE] [--json] [-v] COMMAND ...`.

Commands only parse, call one library function and render. Errors become exit codes here,
in one place (standby.errors.EXIT_CODES), with one clear message and no traceback unless -v.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence

try:  # typer >= 0.16 vendors click
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover
    from click import exceptions as click  # type: ignore[no-redef]

import typer
from rich.markup import escape

from standby.cli.app import app
from standby.cli.output import GLOBAL_FLAGS, Globals, error_console
from standby.cli.site_storage import site_storage_options
from standby.errors import StandbyError, exit_code_for
from standby.site_options import options_by_url

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
    logging.basicConfig(
        level=logging.DEBUG
        if options.verbose > 1
        else logging.INFO
        if options.verbose
        else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    code = 0
    try:
        # Without standalone mode, click returns a command's typer.Exit code instead of raising.
        with options_by_url(site_storage_options()):
            returned = app(args=args, prog_name="standby", standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except typer.Exit as e:
        code = e.exit_code
    except typer.Abort:
        code = 130
    except click.ClickException as e:
        e.show(file=sys.stderr)
        code = 2
    except (StandbyError, KeyboardInterrupt) as e:
        code = exit_code_for(e)
        report(e, options, code)
    except Exception as e:  # a bug: still one line unless -v
        code = 1
        report(e, options, code)
    if argv is None:
        sys.exit(code)
    return code


def report(error: BaseException, options: Globals, code: int) -> None:
    """One clear message on stderr (and a JSON error document on stdout with --json)."""
    if isinstance(error, KeyboardInterrupt):
        message = "Interrupted."
    elif isinstance(error, StandbyError):
        message = error.message + (f"\n{error.hint}" if error.hint else "")
    else:
        message = f"Internal error: {type(error).__name__}: {error}. Rerun with -v for details."
    if options.verbose:
        error_console().print_exception(show_locals=False)
    error_console().print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if options.json and not options.emitted:
        doc = {"error": {"type": type(error).__name__, "message": message, "exit_code": code}}
        sys.stdout.write(json.dumps(doc) + "\n")
