"""A command group that imports a command's module the first time the command is used,
and library modules that load on first use.

Importing every command module at start-up costs a second (databricks-sdk, pyarrow,
deltalake, pydantic); a user asking for `--help` or running one table command should pay
for that command only. The loader is keyed by module name (`standby.cli.commands`), so the
modules themselves keep ordinary top-level imports.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

import typer
from typer.core import TyperGroup

from standby.cli.commands import Command, Entry, Group
from standby.cli.failures import as_standby_error, click
from standby.errors import during

__all__ = ["LazyGroup", "PlainGroup", "click", "lazy_module", "load"]


class LazyCommands(Mapping[str, "click.Command"]):
    """The commands of a group by name, each built from its registry entry when first asked."""

    def __init__(self, entries: Mapping[str, Entry], path: str):
        self.entries, self.path = entries, path
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded:
            entry = self.entries[name]
            where = f"{self.path} {name}".strip()
            if isinstance(entry, Group):
                self.loaded[name] = LazyGroup(
                    name=name, help=entry.help, entries=entry.commands, path=where
                )
            else:
                self.loaded[name] = load(name, entry, where)
        return self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class PlainGroup(TyperGroup):
    """A Typer group whose unused --help flag is False, not None: typer would import pydantic
    (50 ms) to turn None into False on the way to every subcommand."""

    def get_help_option(self, ctx: click.Context) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


class LazyGroup(PlainGroup):
    """A group over registry entries; its help lists them from the registry, importing none."""

    entries: Mapping[str, Entry] = {}

    def __init__(
        self, *, entries: Mapping[str, Entry] | None = None, path: str = "", **attrs: Any
    ) -> None:
        attrs.setdefault("no_args_is_help", True)
        attrs.setdefault("rich_markup_mode", None)
        super().__init__(**attrs)
        self.entries = self.entries if entries is None else entries
        self.commands = LazyCommands(self.entries, path)  # type: ignore[assignment]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry.help) for name, entry in self.entries.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load(name: str, entry: Command, path: str) -> click.Command:
    """The click command of `entry`, built as the root Typer app would build it (plain help,
    no completion options), each command's errors carrying `path` as their operation."""
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    holder = typer.Typer(add_completion=False, rich_markup_mode=None)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, cls=PlainGroup)
    else:
        holder.command(name)(target)
    command = typer.main.get_group(holder).commands[name]
    _name_operations(command, path)
    return command


def _name_operations(command: click.Command, path: str) -> None:
    """Errors leaving a command say which command it was and, when its first argument is a
    table or a file, which one: `during table restore of s3://bucket/t`."""
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        for name, sub in subcommands.items():
            _name_operations(sub, f"{path} {name}")
        return
    if command.callback is None:
        return
    first = next((p.name for p in command.params if p.param_type_name == "argument"), None)
    command.callback = _during(command.callback, path, first)


def _during(callback: Callable[..., Any], operation: str, argument: str | None) -> Any:
    @functools.wraps(callback)
    def run(**params: Any) -> Any:
        value = params.get(argument) if argument else None
        with during(operation, str(value) if value is not None else None):
            try:
                return callback(**params)
            except (typer.Exit, typer.Abort):
                raise  # click's own way to end: not a failure
            except Exception as e:  # named here, so it carries the operation too
                raise as_standby_error(e) from e

    return run


def lazy_module(name: str) -> ModuleType:
    """Module `name`, executed when one of its attributes is first read (the standard
    library's LazyLoader): a command module's help must not wait for the library it calls.
    Its parent packages are imported at once, as always: name the package that is heavy."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import does: `import a.b` then `a.b.x` must find it
        setattr(sys.modules[parent], child, module)
    return module
