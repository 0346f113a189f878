"""The command line: `standby [--config FILE] [--json] [-v] COMMAND ...`.

Commands only parse, call one library function and render. Errors become exit codes here,
in one place (standby.errors.EXIT_CODES), with one clear message and no traceback unless -v.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from standby.cli.app import command
from standby.cli.failures import as_standby_error, render_error
from standby.cli.output import GLOBAL_FLAGS, Globals
from standby.cli.site_storage import site_storage_options
from standby.errors import exit_code_for
from standby.site_options import options_by_url

__all__ = ["as_standby_error", "main"]


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
        with options_by_url(site_storage_options()):
            returned = command.main(args=args, prog_name="standby", standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except (Exception, KeyboardInterrupt) as e:
        error = as_standby_error(e)
        code = exit_code_for(error)
        render_error(error, options, code)
    if argv is None:
        sys.exit(code)
    return code
