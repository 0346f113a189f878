"""Loading standby.yml: YAML with line numbers, pydantic validation, cross-reference checks,
and one ConfigInvalid that lists every problem with its field path and line.

Cross-reference checks run on the raw data, defensively, so that they are reported
together with the field errors instead of only after those are fixed.
"""

from __future__ import annotations

import difflib
import os
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from standby.config.checks import Loc, Problem, cross_check, problems_error
from standby.config.models import Config, with_default_tiers
from standby.config.path import resolve_config_path
from standby.errors import ConfigInvalid

__all__ = ["load", "load_config", "parse_yaml", "resolve_config_path"]


def load(path: Path) -> Config:
    """The Config in `path`; raises ConfigInvalid (missing file, YAML error, every problem)."""
    if not path.is_file():
        raise ConfigInvalid(
            f"No configuration file at {path}.",
            hint="Give one with --config FILE or $STANDBY_CONFIG, or create ./standby.yml "
            "(see examples/standby.yml).",
            path=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigInvalid(f"Cannot read {path}: {e}.", path=str(path)) from None
    data, root = parse_yaml(text, source=str(path))
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise ConfigInvalid(
            f"{path} is {what}.",
            hint="standby.yml is a mapping with sites:, tiers:, protected:, ... "
            "(see examples/standby.yml).",
            path=str(path),
        )
    data = with_default_tiers(data)
    base_dir = path.resolve().parent
    problems: list[Problem] = []
    config: Config | None = None
    try:
        context = {"base_dir": base_dir, "cross_checked": True}
        config = Config.model_validate(data, context=context)
    except ValidationError as e:
        problems = from_pydantic(e)
    problems += cross_check(data, base_dir=base_dir)
    if problems or config is None:
        located = {Problem(p.loc, p.message, _line(root, p.loc)): None for p in problems}
        ordered = sorted(located, key=lambda p: p.line or 1 << 30)
        raise problems_error(ordered, source=str(path))
    config._path = path
    return config


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:
            continue
        if first != key_node.start_mark.line + 1:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key '{key}' (first given at line {first})",
                key_node.start_mark,
            )
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def parse_yaml(text: str, *, source: str) -> tuple[Any, yaml.Node | None]:
    """(data, node tree) of a YAML document; raises ConfigInvalid with line and column."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        detail = e.problem or e.context or "syntax error"
        if e.context and e.context_mark and e.problem:
            detail += f" ({e.context} that starts at line {e.context_mark.line + 1})"
        hint = (
            "Keep one of the two."
            if detail.startswith("duplicate key")
            else "Indent with spaces, put ': ' after each key, and quote values that start "
            "with @, *, &, {, [ or contain ': '."
        )
        raise ConfigInvalid(
            f"{source} is not valid YAML: {where}: {detail}.", hint=hint, path=source
        ) from None
    except yaml.YAMLError as e:
        raise ConfigInvalid(f"{source} is not valid YAML: {e}.", path=source) from None
    finally:
        loader.dispose()


def _line(root: yaml.Node | None, loc: Loc) -> int | None:
    """The line of the deepest node of `loc` present in the YAML (the parent for a missing
    field)."""
    node, line = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(
                ((k, v) for k, v in node.value if getattr(k, "value", None) == str(part)), None
            )
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def from_pydantic(error: ValidationError) -> list[Problem]:
    """One Problem per pydantic error, with the messages rewritten for people."""
    out = []
    for err in error.errors(include_url=False, include_input=False, include_context=False):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if err["type"] == "missing":
            msg = "field required"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field" + _suggest(str(loc[-1]), _fields_at(loc[:-1]))
        else:
            msg = msg[:1].lower() + msg[1:]
        out.append(Problem(loc, msg))
    return out


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f" (known fields: {', '.join(known)})" if known else ""


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp


def _fields_at(loc: Loc) -> list[str]:
    """The fields a user may write at `loc` (for 'did you mean')."""
    tp: Any = Config
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return []
            tp = field.annotation
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [n for n, f in tp.model_fields.items() if not f.exclude]
    return []


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, validate and cross-check a standby.yml. Reads only; nothing is connected to.

    Args:
        path: The file; None: `$STANDBY_CONFIG`, else `./standby.yml`.

    Returns:
        The validated configuration.

    Raises:
        ConfigInvalid: Every problem, one per line, each with its field path and line; a
            missing file and YAML syntax errors (with line and column) too.
    """
    return load(resolve_config_path(path))
