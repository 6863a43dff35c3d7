"""Plugin host: owns the pluggy manager, created late (never at import time),
and a typed registry that plugins fill through :func:`budgetlint_register`.
"""
from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from budgetlint.core import hookspecs
from budgetlint.core.errors import PluginError

DISABLE_ENV = "BUDGETLINT_DISABLE_PLUGINS"


def resolve(target: Any) -> Any:
    """Import ``"package.module:attr"`` lazily; pass other objects through."""
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@dataclass
class LoaderSpec:
    """A document loader: ``target`` resolves to ``load(data: bytes, path: str,
    options: dict) -> document``."""

    name: str
    extensions: tuple[str, ...]
    target: Any
    description: str = ""
    plugin: str = ""

    def load(self) -> Callable[..., dict[str, Any]]:
        return resolve(self.target)


@dataclass
class RecognizerSpec:
    """Enriches a loaded document (parts, scorecards, final-accounts tables,
    narrative statements).  Runs in ascending ``order``."""

    name: str
    target: Any
    order: int = 100
    description: str = ""
    plugin: str = ""

    def load(self) -> Callable[..., None]:
        return resolve(self.target)


@dataclass
class ReporterSpec:
    """Renders a report dict into a file format (text, json, sarif, …)."""

    name: str
    target: Any
    binary: bool = False
    description: str = ""
    plugin: str = ""
    stream: Any = None

    def load(self) -> Callable[..., Any]:
        return resolve(self.target)

    def load_stream(self) -> Callable[..., Any] | None:
        """``render_stream(report: ReportStream, options, out) -> None`` when
        the reporter writes from a stream (core/reportstream.py), else None:
        the caller then builds the whole report and calls :meth:`load`."""
        return resolve(self.stream) if self.stream is not None else None


@dataclass
class Registry:
    """What the plugins registered.  Registration validates eagerly so that a
    broken plugin is reported by name before anything is checked."""

    loaders: dict[str, LoaderSpec] = field(default_factory=dict)
    recognizers: dict[str, RecognizerSpec] = field(default_factory=dict)
    checks: dict[str, type] = field(default_factory=dict)
    reporters: dict[str, ReporterSpec] = field(default_factory=dict)
    check_plugins: dict[str, str] = field(default_factory=dict)
    _current_plugin: str = ""

    def add_loader(self, name: str, extensions: Iterable[str], target: Any, description: str = "") -> None:
        if name in self.loaders:
            raise PluginError(f"loader {name!r} registered twice", culprit=self._current_plugin,
                              fix="give the loader a unique name")
        exts = tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in extensions)
        self.loaders[name] = LoaderSpec(name, exts, target, description, self._current_plugin)

    def add_recognizer(self, name: str, target: Any, order: int = 100, description: str = "") -> None:
        if name in self.recognizers:
            raise PluginError(f"recognizer {name!r} registered twice", culprit=self._current_plugin,
                              fix="give the recognizer a unique name")
        self.recognizers[name] = RecognizerSpec(name, target, order, description, self._current_plugin)

    def add_reporter(self, name: str, target: Any, binary: bool = False, description: str = "",
                     stream: Any = None) -> None:
        """``target``: ``render(report: dict, options) -> str | bytes``.  ``stream`` (optional):
        ``render_stream(report: ReportStream, options, out)``, which writes the report to ``out``
        (text file, or binary when ``binary``) from per-document results kept on disk, so a batch
        of any size is written in flat memory (core/reportstream.py)."""
        if name in self.reporters:
            raise PluginError(f"reporter {name!r} registered twice", culprit=self._current_plugin,
                              fix="give the reporter a unique name")
        self.reporters[name] = ReporterSpec(name, target, binary, description, self._current_plugin, stream)

    def add_check(self, check: Any) -> None:
        """Register a check class (or ``"module:Class"``).  Validates its id,
        its parameter schema and its documentation sections."""
        from budgetlint.core.checks import validate_check_class

        cls = resolve(check)
        validate_check_class(cls, plugin=self._current_plugin)
        if cls.id in self.checks:
            raise PluginError(f"check type {cls.id!r} registered twice (first by {self.check_plugins[cls.id]})",
                              culprit=self._current_plugin, fix="rename one of the check types")
        self.checks[cls.id] = cls
        self.check_plugins[cls.id] = self._current_plugin

    def loader_for(self, path: str | Path) -> LoaderSpec | None:
        ext = Path(path).suffix.lower()
        for spec in self.loaders.values():
            if ext in spec.extensions:
                return spec
        return None

    def supported_extensions(self) -> list[str]:
        return sorted({e for s in self.loaders.values() for e in s.extensions})


class PluginHost:
    """Owns the pluggy :class:`~pluggy.PluginManager`.

    Created by whoever runs a check (CLI, test helper); loads the
    ``budgetlint`` entry points, applies ``BUDGETLINT_DISABLE_PLUGINS``
    (comma-separated plugin names) and verifies hook names with
    ``check_pending()`` so a misspelled hook is an error, not a silent no-op.
    """

    def __init__(self, *, entry_points: bool = True, plugins: Iterable[Any] = (),
                 disabled: Iterable[str] | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        env = os.environ.get(DISABLE_ENV, "")
        blocked = set(disabled) if disabled is not None else {n.strip() for n in env.split(",") if n.strip()}
        for name in blocked:
            self.pm.set_blocked(name)
        for plugin in plugins:
            self.pm.register(resolve(plugin), name=getattr(plugin, "__name__", None))
        if entry_points:
            try:
                self.pm.load_setuptools_entrypoints(hookspecs.PROJECT)
            except Exception as exc:  # a broken third-party plugin must be named
                raise PluginError(f"could not load a plugin: {exc}", culprit="entry point group 'budgetlint'",
                                  fix=f"fix or uninstall the plugin, or block it with {DISABLE_ENV}") from exc
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            plugin = getattr(exc, "plugin", None)
            name = self.pm.get_name(plugin) if plugin is not None else None
            raise PluginError(str(exc).split(" in plugin ")[0], culprit=f"plugin {name or type(plugin).__name__}",
                              fix="hook functions must be named budgetlint_register or budgetlint_rule_packs") from exc
        self.registry = Registry()
        self._register_all()

    def _register_all(self) -> None:
        impls = self.pm.hook.budgetlint_register.get_hookimpls()
        for impl in reversed(impls):  # registration order = plugin registration order
            self.registry._current_plugin = impl.plugin_name
            impl.function(registry=self.registry)
        self.registry._current_plugin = ""

    @property
    def plugin_names(self) -> list[str]:
        return sorted(name for name, plugin in self.pm.list_name_plugin() if plugin is not None)

    def rule_pack_dirs(self) -> list[Path]:
        dirs: list[Path] = []
        for result in self.pm.hook.budgetlint_rule_packs():
            dirs.extend(Path(p) for p in result or [])
        return dirs

    # typed facade ---------------------------------------------------------
    def check_class(self, check_id: str) -> type:
        return self.registry.checks[check_id]

    def recognizers(self) -> list[Any]:
        return sorted(self.registry.recognizers.values(), key=lambda s: (s.order, s.name))


_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$")


def valid_slug(text: str) -> bool:
    return bool(_SLUG.match(text))
