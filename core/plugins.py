"""Plugin host: owns the pluggy manager, created late (never at import time),
and a typed registry that plugins fill through :func:`budgetlint_register`.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
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


class CheckTable(Mapping[str, type]):
    """Check id → check class.  A built-in check known from the plugin
    manifest (core/discovery.py) is only a ``"module:Class"`` target until a
    rule runs it: its module is imported then, so a check of one document
    imports only the checks of the rules that apply to it."""

    def __init__(self) -> None:
        self._classes: dict[str, type | None] = {}
        self._targets: dict[str, tuple[str, str]] = {}  # id -> (target, plugin)

    def add(self, check_id: str, cls: type) -> None:
        self._classes[check_id] = cls

    def add_lazy(self, check_id: str, target: str, plugin: str) -> None:
        self._classes[check_id] = None
        self._targets[check_id] = (target, plugin)

    def __getitem__(self, check_id: str) -> type:
        cls = self._classes[check_id]
        if cls is None:
            target, plugin = self._targets[check_id]
            try:
                cls = resolve(target)
            except (ImportError, AttributeError) as exc:  # an install broken since the manifest was written
                raise PluginError(f"check type {check_id!r} could not be imported from {target}: {exc}",
                                  culprit=plugin or target,
                                  fix="reinstall budgetlint (or the plugin), or run with --no-cache") from exc
            self._classes[check_id] = cls
        return cls

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"CheckTable({sorted(self._classes)})"


def module_digest(name: str) -> str | None:
    """SHA-256 of an imported module's source file, or None when it has none
    or cannot be read: what a compiled rule pack depends on in the modules
    defining its checks (the plugin manifest records it, ``registry_fingerprint``
    reads it)."""
    source = getattr(sys.modules.get(name), "__file__", None)
    try:
        return hashlib.sha256(Path(source).read_bytes()).hexdigest() if source else None
    except OSError:
        return None


def check_meta(cls: type) -> list[Any]:
    """What a compiled rule pack depends on in a check type (see
    ``rulepack.registry_fingerprint``), as JSON data so that a check known
    from the manifest and an imported one give the same fingerprint."""
    return json.loads(json.dumps(
        [cls.id, cls.__module__, cls.__qualname__, getattr(cls, "params_schema", None),
         list(getattr(cls, "part_types", ()) or ()), bool(getattr(cls, "pure_arithmetic", False))],
        sort_keys=True, default=str))


@dataclass
class Registry:
    """What the plugins registered.  Registration validates eagerly so that a
    broken plugin is reported by name before anything is checked (a built-in
    check known from the manifest was validated when the manifest was
    written, from the same source files)."""

    loaders: dict[str, LoaderSpec] = field(default_factory=dict)
    recognizers: dict[str, RecognizerSpec] = field(default_factory=dict)
    checks: CheckTable = field(default_factory=CheckTable)
    reporters: dict[str, ReporterSpec] = field(default_factory=dict)
    check_plugins: dict[str, str] = field(default_factory=dict)
    #: check id -> :func:`check_meta`; module -> SHA-256 of its source when known from the manifest
    check_metas: dict[str, list[Any]] = field(default_factory=dict)
    module_digests: dict[str, str | None] = field(default_factory=dict)
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
        self._claim_check_id(cls.id)
        self.checks.add(cls.id, cls)
        self.check_metas[cls.id] = check_meta(cls)

    def add_known_check(self, meta: list[Any], digest: str | None) -> None:
        """Register a built-in check from the plugin manifest without importing
        it (``meta`` as :func:`check_meta` gave it when the manifest was
        written; ``digest`` the SHA-256 of its module's source then)."""
        check_id, module, qualname = meta[0], meta[1], meta[2]
        self._claim_check_id(check_id)
        self.checks.add_lazy(check_id, f"{module}:{qualname}", self._current_plugin)
        self.check_metas[check_id] = meta
        self.module_digests[module] = digest

    def _claim_check_id(self, check_id: str) -> None:
        if check_id in self.checks:
            raise PluginError(f"check type {check_id!r} registered twice (first by {self.check_plugins[check_id]})",
                              culprit=self._current_plugin, fix="rename one of the check types")
        self.check_plugins[check_id] = self._current_plugin

    def loader_for(self, path: str | Path) -> LoaderSpec | None:
        ext = Path(path).suffix.lower()
        for spec in self.loaders.values():
            if ext in spec.extensions:
                return spec
        return None

    def supported_extensions(self) -> list[str]:
        return sorted({e for s in self.loaders.values() for e in s.extensions})


def installed_entry_points(group: str) -> list[tuple[str, str]]:
    """(name, ``"module:attr"``) of every installed entry point of ``group``,
    in the order pluggy would load them.  Reading every installed
    distribution's metadata costs more than the rest of starting up, so the
    list is kept in the cache dir while no ``entry_points.txt`` on
    ``sys.path`` has appeared, gone or changed (see :func:`_installed_key`)."""
    file, key, data = _installed_cache()
    if isinstance(data.get(group), list):
        return [(str(n), str(t)) for n, t in data[group]]
    import importlib.metadata

    found = [(ep.name, f"{ep.module}:{ep.attr}" if ep.attr else ep.module)
             for dist in importlib.metadata.distributions() for ep in dist.entry_points if ep.group == group]
    _store_installed(file, key, data, group, found)
    return found


def installed_version() -> str:
    """budgetlint's installed version (``0.0.0+src`` when it is not
    installed), kept in the same cache file as the entry points and under
    the same key: reinstalling rewrites ``entry_points.txt``.  Importing
    ``importlib.metadata`` alone (email, socket, …) costs ≈12 ms of a
    ``check``'s CPU, more than reading the PDF's text layer of ten pages."""
    file, key, data = _installed_cache()
    if isinstance(data.get("version"), str):
        return data["version"]
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("budgetlint")
    except PackageNotFoundError:  # running from a source tree
        value = "0.0.0+src"
    _store_installed(file, key, data, "version", value)
    return value


def _installed_cache() -> tuple[Path | None, list[Any] | None, dict[str, Any]]:
    """The cache file of what is installed (one per interpreter set-up), its
    current key and its entries when the key still holds (else none)."""
    from budgetlint.core.cachefiles import cache_dir, read_json

    d = cache_dir()
    if d is None:
        return None, None, {}
    key = _installed_key()
    where = hashlib.sha256(json.dumps(sys.path).encode()).hexdigest()[:12]  # each interpreter set-up its own file
    file = d / f"entry-points-{where}.json"
    data = read_json(file)
    if not isinstance(data, dict) or data.get("key") != key:
        data = {}
    return file, key, data


def _store_installed(file: Path | None, key: list[Any] | None, data: dict[str, Any], name: str, value: Any) -> None:
    if file is None or key is None:
        return
    from budgetlint.core.cachefiles import store_json

    store_json(file, {**data, "key": key, name: value})


def _installed_key() -> list[Any] | None:
    """Size and modification time of every distribution's
    ``entry_points.txt`` on ``sys.path`` (and of every zip on it): installing,
    removing or reinstalling a distribution changes it."""
    key: list[Any] = [list(sys.path)]
    for entry in sys.path:
        try:
            if os.path.isfile(entry):
                st = os.stat(entry)
                key.append([entry, st.st_size, st.st_mtime_ns])
                continue
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        for n in names:
            try:
                st = os.stat(os.path.join(entry, n, "entry_points.txt"))
                key.append([n, st.st_size, st.st_mtime_ns])
            except OSError:
                key.append([n])
    return key


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
                for name, target in installed_entry_points(hookspecs.PROJECT):
                    if self.pm.has_plugin(name) or self.pm.is_blocked(name):
                        continue
                    self.pm.register(resolve(target), name=name)
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
