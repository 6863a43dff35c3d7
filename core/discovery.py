"""Module discovery for plugin packages: each sub-module of a built-in plugin
package may define ``register(registry)``; the package's hook calls them in
name order.  Sub-modules must keep heavy imports inside functions.

Importing every sub-module costs more than checking a short document (31
check modules, loaders and reporters for every format), so what the modules
registered is kept in a manifest in the cache dir: loaders, recognizers and
reporters as ``"module:function"`` targets and checks with the data a
compiled rule pack depends on.  While no source file of the package or of
``budgetlint.core`` has changed size or modification time, the manifest is
replayed instead, and a module is imported only when its loader, recognizer,
reporter or check is first used.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

_MANIFEST_FORMAT = 1


def register_submodules(package: str, path: Iterable[str], registry: Any) -> None:
    from budgetlint.core.cachefiles import cache_dir

    folders = list(path)
    d = cache_dir()
    if d is None:
        _import_and_register(package, folders, registry, None)
        return
    file = d / "plugins" / f"{package}.json"
    key = _source_key(folders)
    if key is not None and _replay(file, key, registry):
        return
    calls: list[list[Any]] = []
    _import_and_register(package, folders, registry, calls)
    if key is not None and ["uncacheable"] not in calls:
        from budgetlint.core.cachefiles import store_json

        store_json(file, {"format": _MANIFEST_FORMAT, "key": key, "calls": calls})


def _import_and_register(package: str, folders: list[str], registry: Any, calls: list[list[Any]] | None) -> None:
    for info in sorted(pkgutil.iter_modules(folders), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        fn = getattr(module, "register", None)
        if callable(fn):
            fn(_Recorder(registry, calls) if calls is not None else registry)


def _source_key(folders: list[str]) -> list[Any] | None:
    """Size and modification time of every source file the registrations
    depend on: the package's own and ``budgetlint.core``'s, plus the Python
    and budgetlint versions.  None when a folder cannot be listed."""
    from budgetlint.core import __version__

    try:
        tokens = [_folder_tokens(f) for f in folders]
        tokens.append(_core_tokens())
    except OSError:
        return None
    return [sys.version, __version__, *tokens]


@lru_cache(maxsize=1)
def _core_tokens() -> list[Any]:
    """``budgetlint.core``'s part of every package's key, read once a process."""
    return _folder_tokens(str(Path(__file__).resolve().parent))


def _folder_tokens(folder: str) -> list[Any]:
    """(path, size, mtime) of a folder's modules and sub-packages."""
    out: list[Any] = []
    with os.scandir(folder) as it:
        for e in sorted(it, key=lambda e: e.name):
            if e.name.endswith(".py") or (e.is_dir() and not e.name.startswith((".", "__"))):
                st = e.stat()
                out.append([os.path.join(folder, e.name), st.st_size, st.st_mtime_ns])
    return out


def _replay(file: Path, key: list[Any], registry: Any) -> bool:
    """Register from the manifest; False (nothing registered) when it is
    missing, stale or not understood."""
    from budgetlint.core.cachefiles import read_json

    data = read_json(file)
    if not isinstance(data, dict) or data.get("format") != _MANIFEST_FORMAT or data.get("key") != key:
        return False
    calls = data.get("calls")
    if not isinstance(calls, list) or not all(isinstance(c, list) and c and isinstance(c[0], str) for c in calls):
        return False
    for method, *args in calls:
        if method == "check":
            registry.add_known_check(*args)
        else:
            getattr(registry, method)(*args[:-1], **args[-1])
    return True


def _reference(obj: Any) -> str | None:
    """``"module:qualname"`` that imports back to ``obj``, else None."""
    if isinstance(obj, str) or obj is None:
        return obj
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if not module or "<" in qualname:
        return None
    target: Any = sys.modules.get(module)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return f"{module}:{qualname}" if target is obj else None


class _Recorder:
    """Stands in for the registry while the modules register: passes every
    call on and writes it down for the manifest.  A target that cannot be
    named for a later import (a lambda, a closure) makes the package
    uncacheable (an ``["uncacheable"]`` entry)."""

    def __init__(self, registry: Any, calls: list[list[Any]]) -> None:
        self._registry = registry
        self._calls = calls

    def __getattr__(self, name: str) -> Any:  # anything else a register() may read
        return getattr(self._registry, name)

    def _record(self, method: str, args: list[Any], kwargs: dict[str, Any], targets: tuple[str, ...]) -> None:
        named = dict(kwargs)
        for k in targets:
            ref = _reference(named.get(k))
            if ref is None and named.get(k) is not None:
                self._calls.append(["uncacheable"])
                return
            named[k] = ref
        self._calls.append([method, *args, named])

    def add_loader(self, name: str, extensions: Iterable[str], target: Any, description: str = "") -> None:
        self._registry.add_loader(name, extensions, target, description)
        self._record("add_loader", [name, list(extensions)], {"target": target, "description": description},
                     ("target",))

    def add_recognizer(self, name: str, target: Any, order: int = 100, description: str = "") -> None:
        self._registry.add_recognizer(name, target, order, description)
        self._record("add_recognizer", [name], {"target": target, "order": order, "description": description},
                     ("target",))

    def add_reporter(self, name: str, target: Any, binary: bool = False, description: str = "",
                     stream: Any = None) -> None:
        self._registry.add_reporter(name, target, binary, description, stream)
        self._record("add_reporter", [name], {"target": target, "binary": binary, "description": description,
                                              "stream": stream}, ("target", "stream"))

    def add_check(self, check: Any) -> None:
        from budgetlint.core.plugins import check_meta, module_digest, resolve

        cls = resolve(check)
        self._registry.add_check(cls)
        if _reference(cls) is None:
            self._calls.append(["uncacheable"])
            return
        self._calls.append(["check", check_meta(cls), module_digest(cls.__module__)])
