"""Module discovery for plugin packages: each sub-module of a built-in plugin
package may define ``register(registry)``; the package's hook calls them in
name order.  Sub-modules must keep heavy imports inside functions."""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any


def register_submodules(package: str, path: Iterable[str], registry: Any) -> None:
    for info in sorted(pkgutil.iter_modules(list(path)), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        fn = getattr(module, "register", None)
        if callable(fn):
            fn(registry)
