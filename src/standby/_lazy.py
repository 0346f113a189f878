"""Modules whose names load on first use (PEP 562), so that importing a light part of a
package (a result type, the log listing) does not load the heavy rest of it."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping


def lazy_names(module_name: str, names: Mapping[str, tuple[str, str]]) -> None:
    """Give module `module_name` the names of `names` (name -> (module, attribute)), each
    imported the first time it is read and kept from then on. A submodule named like one
    of them (`standby.tables.clone` and the function `clone`) never replaces the name."""
    module = sys.modules[module_name]

    def load(name: str) -> object:
        try:
            source, attribute = names[name]
        except KeyError:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}") from None
        value: object = getattr(importlib.import_module(source), attribute)
        setattr(module, name, value)
        return value

    class Lazy(types.ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            if name in names and isinstance(value, types.ModuleType):
                return  # the import system naming a submodule on its parent
            super().__setattr__(name, value)

    module.__getattr__ = load  # type: ignore[method-assign]
    module.__dir__ = lambda: sorted({*vars(module), *names})  # type: ignore[method-assign]
    module.__class__ = Lazy


def submodule_names(package: str, where: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """`names` for lazy_names from name -> the submodule of `package` that defines it."""
    return {name: (f"{package}.{sub}", name) for name, sub in where.items()}
