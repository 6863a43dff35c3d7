"""Rule packs: YAML data a finance bureau edits each year.

A pack is a directory with ``pack.yaml`` (plus one ``<rule-id>.yaml`` per rule
and its ``<rule-id>.test.yaml`` cases), or a single YAML file.  A pack may

* ``extends:`` another pack (a built-in name such as ``hunan-2024``, a path
  relative to the pack file, or ``default`` = the pack budgetlint would pick
  for the document);
* ``overrides:`` rules it inherits — ``enabled``, ``severity``, ``params``
  (deep-merged), ``message``, ``basis``, ``applies_to``;
* add ``rules:``.

Positions are kept (ruamel.yaml), so every error names ``file:line``, the rule
id and what is expected.  Resolution records where each value came from, for
``budgetlint rules show``.

Parsing ~250 YAML files with the position-keeping parser costs about a second,
so resolved packs are reused (see :class:`PackCache`): within a process every
loader shares one memo, and across processes a pickle in the user cache dir
(``BUDGETLINT_CACHE_DIR``; off with ``BUDGETLINT_NO_CACHE=1`` or ``--no-cache``).
Both are validated against a manifest — the SHA-256 of every file the pack and
its ``extends`` chain read and the listing of every rule folder — so a changed,
added or removed pack file is always picked up.  Errors are never cached: a
broken pack is parsed again and explained with its line.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetlint.core.cachefiles import cache_dir, store_pickle
from budgetlint.core.errors import BudgetlintError, RulePackError

if TYPE_CHECKING:
    import jsonschema

    from budgetlint.core.plugins import Registry

PACK_FILE = "pack.yaml"
TEST_SUFFIX = ".test.yaml"
DEFAULT = "default"


@dataclass
class Rule:
    """A rule after inheritance: the unit the engine evaluates."""

    id: str
    check: str
    params: dict[str, Any]
    severity: str = "error"
    title: str = ""
    description: str = ""
    applies_to: dict[str, Any] = field(default_factory=dict)
    basis: list[dict[str, Any]] = field(default_factory=list)
    message: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    pure_arithmetic: bool = False
    tags: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0
    provenance: dict[str, str] = field(default_factory=dict)
    cases_file: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "<inline>"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "check": self.check, "severity": self.severity, "enabled": self.enabled,
            "title": self.title, "description": self.description, "params": self.params,
            "applies_to": self.applies_to, "basis": self.basis, "message": self.message,
            "pure_arithmetic": self.pure_arithmetic, "tags": self.tags, "defined_at": self.where,
        }


@dataclass
class RulePack:
    """A resolved pack: its own metadata plus the flattened rule list."""

    name: str
    path: str
    title: str = ""
    select: dict[str, Any] = field(default_factory=dict)
    chain: list[str] = field(default_factory=list)  # this pack first, then its ancestors
    rules: dict[str, Rule] = field(default_factory=dict)
    manifest: Manifest | None = field(default=None, repr=False, compare=False)  # files it was built from

    def enabled_rules(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.enabled]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "extends_chain": self.chain[1:]}


# ------------------------------------------------------------------ YAML

def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


#: Largest rule or pack file read (bytes): real pack files are a few KB.
MAX_YAML_BYTES = 1024 * 1024
#: Deepest nesting of mappings/lists in a pack file.
MAX_YAML_DEPTH = 40
#: Most nodes a pack file may stand for once aliases are expanded (billion laughs).
MAX_YAML_NODES = 200_000


def check_pack_path(path: Path, culprit: str | None = None) -> None:
    """Only regular files of bounded size are read as rule files: a FIFO would
    block forever and ``/dev/zero`` never ends, so both are refused before
    ``open()``."""
    import os
    import stat

    try:
        st = os.stat(path)
    except OSError as exc:
        raise RulePackError(f"cannot read rule file: {exc.strerror or exc}", culprit=culprit or str(path),
                            fix="check the path") from exc
    if not stat.S_ISREG(st.st_mode):
        raise RulePackError("not a regular file (device, FIFO or socket)", culprit=culprit or str(path),
                            fix="rule packs are plain YAML files")
    if st.st_size > MAX_YAML_BYTES:
        raise RulePackError(f"rule file is {st.st_size} bytes, above the limit of {MAX_YAML_BYTES}",
                            culprit=culprit or str(path), fix="split the pack into one file per rule")


def _check_yaml_shape(root: Any, path: Path) -> None:
    """Bound depth and alias-expanded size without expanding anything:
    each distinct node's expanded size is computed once (memoised by id)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_YAML_DEPTH:
            raise RulePackError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels", culprit=str(path),
                                where=str(line_of(node) or 1), fix="flatten the structure")
        children = list(node.values()) if isinstance(node, dict) else list(node)
        if done:
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            if total > MAX_YAML_NODES:
                raise RulePackError(f"YAML expands to more than {MAX_YAML_NODES} nodes (aliases)",
                                    culprit=str(path), where=str(line_of(node) or 1),
                                    fix="do not nest aliases (&anchor/*alias) in rule packs")
            sizes[id(node)] = total
            continue
        if id(node) in sizes:
            continue
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in children if id(c) not in sizes)


def read_yaml(path: Path) -> Any:
    """Read YAML keeping positions; syntax errors become one-line errors.
    Size, depth and alias expansion are bounded (hostile packs)."""
    check_pack_path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            raise RulePackError(f"rule file is larger than {MAX_YAML_BYTES} bytes", culprit=str(path),
                                fix="split the pack into one file per rule")
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"cannot read rule file: {exc}", culprit=str(path),
                            fix="save it as UTF-8 text") from exc
    return _parse_yaml(text, path)


def load_data_yaml(path: Path) -> Any:
    """Plain data (dict/list/str/number) of a YAML data file shipped with a
    plugin (a recognizer's vocabulary), kept in the cache dir by the file's
    SHA-256 so a run whose files did not change needs neither the YAML parser
    nor its import.  Not for rule packs or cases: no line numbers."""
    data = _read_bytes(Path(path))
    digest = hashlib.sha256(data).hexdigest()
    d = cache_dir()
    f = d / "data" / f"{digest[:40]}.pickle" if d is not None else None
    if f is not None and f.is_file():
        try:
            with f.open("rb") as fh:
                return pickle.load(fh)
        except BudgetlintError:  # a document's time or memory budget ran out here: not a corrupt file
            raise
        except Exception:  # corrupt: parse again
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulePackError(f"cannot read data file: {exc}", culprit=str(path), fix="save it as UTF-8 text") from exc
    value = plain(_parse_yaml(text, Path(path)))
    if f is not None:
        store_pickle(f, value)
    return value


def _read_bytes(path: Path) -> bytes:
    check_pack_path(path)  # a FIFO or /dev/zero is refused before open()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RulePackError(f"cannot read rule file: {exc}", culprit=str(path),
                            fix="save it as UTF-8 text") from exc


# (path, sha256 of the bytes) -> parsed node; shared read-only by every loader
# of the process, so an unchanged file is parsed once however many packs or
# rule cases reach it.
_PARSED: dict[tuple[str, str], Any] = {}


def _read_pack_yaml(path: Path, files: dict[str, str]) -> Any:
    """``read_yaml`` for pack files: memoised by content, and the file's hash
    recorded in ``files`` (the manifest of the pack being built)."""
    try:
        st = path.stat()
    except OSError:
        st = None
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    files[str(path)] = _token(digest, st)
    key = (str(path), digest)
    if key in _PARSED:
        return _PARSED[key]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulePackError(f"cannot read rule file: {exc}", culprit=str(path),
                            fix="save it as UTF-8 text") from exc
    node = _parse_yaml(text, path)
    _PARSED[key] = node
    return node


def _parse_yaml(text: str, path: Path) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = _yaml().load(text)
        _check_yaml_shape(data, path)
        return data
    except RecursionError as exc:
        raise RulePackError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels", culprit=str(path),
                            fix="flatten the structure") from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{mark.line + 1}" if mark else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise RulePackError(f"malformed YAML: {problem}", culprit=str(path), where=line,
                            fix="check indentation and quoting on that line") from exc
    except YAMLError as exc:
        raise RulePackError(f"malformed YAML: {exc}", culprit=str(path), fix="check the YAML syntax") from exc


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of a mapping key (or of the node itself)."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        if key is not None:
            return lc.key(key)[0] + 1
        return lc.line + 1
    except (KeyError, TypeError, AttributeError):
        return lc.line + 1 if hasattr(lc, "line") else 0


def line_at_path(node: Any, path: list[Any]) -> int:
    """Deepest known line along a jsonschema error path."""
    line = line_of(node)
    cur = node
    for key in path:
        try:
            if isinstance(cur, dict):
                line = line_of(cur, key) or line
                cur = cur[key]
            elif isinstance(cur, list):
                cur = cur[key]
                line = line_of(cur) or line
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line


def plain(node: Any) -> Any:
    """ruamel round-trip objects to plain dict/list/str/int/float."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if node.__class__.__name__ in ("ScalarFloat",):
        return float(node)
    if node.__class__.__name__ in ("ScalarBoolean",):
        return bool(node)
    if isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, str):
        return str(node)
    return node


# ---------------------------------------------------------------- schema

@lru_cache(maxsize=1)
def rulepack_schema() -> dict[str, Any]:
    from importlib.resources import files

    return json.loads(files("budgetlint.schemas").joinpath("rulepack.schema.json").read_text(encoding="utf-8"))


def _sub_schema(name: str) -> dict[str, Any]:
    root = rulepack_schema()
    return {"$ref": f"#/$defs/{name}", "$defs": root["$defs"]}


def _schema_error(node: Any, path: Path, error: jsonschema.ValidationError, rule_id: str | None,
                  prefix: list[Any]) -> RulePackError:
    import jsonschema

    best = jsonschema.exceptions.best_match([error]) if error.context else error
    where_path = list(best.absolute_path)
    line = line_at_path(node, where_path)
    dotted = ".".join(str(p) for p in prefix + where_path) or "(top level)"
    hint = _hint(best)
    who = f"rule {rule_id}: " if rule_id else ""
    return RulePackError(f"{who}{dotted}: {best.message}", culprit=str(path), where=str(line) if line else None,
                         fix=hint)


def _hint(error: jsonschema.ValidationError) -> str:
    v = error.validator
    if v == "enum":
        return "use one of " + ", ".join(map(str, error.validator_value))
    if v == "type":
        return f"expected {error.validator_value}"
    if v == "required":
        return "add the missing key"
    if v == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        typo = _typo_hint(error, allowed)
        if typo:
            return typo
        return "allowed keys: " + ", ".join(allowed) if allowed else "remove the unexpected key"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{v} is {error.validator_value}"
    if v == "pattern":
        return f"must match {error.validator_value}"
    return "see `budgetlint rules explain` for the expected shape"


# --------------------------------------------------------------- loading

@dataclass
class _RawPack:
    name: str
    path: Path
    node: Any
    rules: list[tuple[Any, Path, Path | None]]  # (rule node, file, cases file)
    manifest: Manifest = field(default_factory=lambda: Manifest({}, {}))
    errors: list[RulePackError] = field(default_factory=list)  # rule files that could not be read


@dataclass
class Manifest:
    """What a resolved pack was built from: file → SHA-256 with size and
    modification time (see :func:`_token`), and rule folder → the YAML/cases
    file names it held.  A cached pack is reused only while every file and
    listing still matches."""

    files: dict[str, str]
    folders: dict[str, tuple[str, ...]]  # JSON key (see _relist) -> what the folder held
    #: folder key -> modification times of the folders its listing depends on (see _folder_stamp)
    stamps: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def merge(self, other: Manifest) -> None:
        self.files.update(other.files)
        self.folders.update(other.folders)
        self.stamps.update(other.stamps)

    def record(self, key: str, listing: tuple[str, ...]) -> None:
        self.folders[key] = listing
        stamp = _folder_stamp(key, settled=True)
        if stamp is not None:
            self.stamps[key] = stamp

    def fresh(self, seen: dict[str, Any] | None = None) -> bool:
        """Do the files still hold what they held?  ``seen`` memoises hashes
        and listings for one loader (one command, one rule case), so the
        national files shared by every pack's chain are read once.  A folder
        whose modification time is the recorded one still holds the same
        names (adding, removing or renaming an entry changes it), so it is
        not listed again."""
        seen = {} if seen is None else seen
        for key, listing in self.folders.items():
            if key not in seen:
                stamp = self.stamps.get(key)
                seen[key] = listing if stamp is not None and _folder_stamp(key) == stamp else _relist(key)
            if seen[key] != listing:
                return False
        for name, token in self.files.items():
            if name not in seen:
                seen[name] = _current_token(name, token)
            if seen[name] != token:
                return False
        return True


def _token(digest: str, st: os.stat_result | None) -> str:
    """What a manifest records of a pack file: its SHA-256, size and
    modification time (``digest:size:mtime_ns``)."""
    return f"{digest}:{st.st_size}:{st.st_mtime_ns}" if st is not None else digest


def _current_token(name: str, recorded: str) -> str | None:
    """The file's token now.  When its size and modification time are the
    recorded ones the content is taken as unchanged without reading it (as
    make and git do): every command checks ~270 pack files, and hashing them
    all cost more than the rest of loading the cached packs."""
    try:
        st = os.stat(name)
    except OSError:
        return None
    if recorded.endswith(f":{st.st_size}:{st.st_mtime_ns}"):
        return recorded
    try:
        return _token(hashlib.sha256(Path(name).read_bytes()).hexdigest(), st)
    except OSError:
        return None


def _rule_files(pfile: Path, patterns: list[str], node: Any = None) -> list[tuple[Path, Path | None]]:
    """The rule files a pack file's folder contributes (``rule_files`` globs,
    default ``*.yaml``), each with its cases file when there is one.  Globs
    stay inside the pack folder: no absolute patterns, no ``..``, no symlink
    out of it."""
    folder = pfile.parent
    home = folder.resolve()
    where = str(line_of(node, "rule_files")) if node is not None else None
    out: list[tuple[Path, Path | None]] = []
    seen: set[Path] = set()
    names: dict[Path, set[str]] = {}  # one listing per folder instead of a stat per cases file
    for pattern in patterns:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise RulePackError(f"rule_files pattern {pattern!r} leaves the pack folder", culprit=str(pfile),
                                where=where, fix="use patterns relative to the pack folder, such as '*.yaml'")
        try:
            matched = sorted(folder.glob(pattern))
        except (ValueError, NotImplementedError) as exc:
            raise RulePackError(f"rule_files pattern {pattern!r}: {exc}", culprit=str(pfile), where=where,
                                fix="use a pattern such as '*.yaml'") from exc
        for rfile in matched:
            if not _inside(rfile, folder, home):
                raise RulePackError(f"rule file {rfile} is outside the pack folder", culprit=str(pfile), where=where,
                                    fix="keep rule files inside the pack folder (no symlinks out of it)")
            if rfile.name == PACK_FILE or rfile.name.endswith(TEST_SUFFIX) or rfile == pfile or rfile in seen:
                continue
            seen.add(rfile)
            if rfile.parent not in names:
                try:
                    names[rfile.parent] = set(os.listdir(rfile.parent))
                except OSError:
                    names[rfile.parent] = set()
            cases = rfile.with_name(rfile.name[:-5] + TEST_SUFFIX)
            out.append((rfile, cases if cases.name in names[rfile.parent] else None))
    return out


def _inside(rfile: Path, folder: Path, home: Path) -> bool:
    """Is a globbed rule file really inside the pack folder?  Only a symlink
    can lead out (patterns have no ``..``), so resolve the path only when one
    of its parts below the folder is a link: one ``lstat`` a file instead of a
    full resolve, which the freshness check of every command would pay for
    every rule file."""
    p = folder
    for part in rfile.relative_to(folder).parts:
        p = p / part
        if p.is_symlink():
            return rfile.resolve().is_relative_to(home)
    return True


def _listing(found: list[tuple[Path, Path | None]]) -> tuple[str, ...]:
    return tuple(f"{r}|{c or ''}" for r, c in found)


def _relist(key: str) -> tuple[str, ...]:
    """Recompute a manifest folder listing from its key: ``["rules", pack
    file, patterns]`` (rule files and their cases) or ``["packs", folder]``
    (pack folders under a built-in packs directory)."""
    kind, where, *rest = json.loads(key)
    if kind == "rules":
        return _listing(_rule_files(Path(where), rest[0]))
    return tuple(map(str, _pack_folders(Path(where))))


#: a folder changed less than this long before it was listed is listed again next time: a file system
#: keeps modification times in coarse ticks, so a later change within the same tick would go unseen
_SETTLE_NS = 2_000_000_000


def _folder_stamp(key: str, settled: bool = False) -> tuple[Any, ...] | None:
    """Modification times of the folders a listing (see :func:`_relist`)
    depends on: a pack folder for its ``*.yaml`` rule files, a packs
    directory and each folder in it for their ``pack.yaml``.  None when the
    listing cannot be judged that way (a pattern reaching into sub-folders, a
    folder that cannot be read) or, with ``settled``, when a folder changed
    too recently to be trusted."""
    kind, where, *rest = json.loads(key)
    try:
        if kind == "rules":
            if any("/" in p or os.sep in p or "**" in p for p in rest[0]):
                return None
            folders = [str(Path(where).parent)]
        else:
            with os.scandir(where) as it:
                folders = [where, *sorted(e.path for e in it if e.is_dir())]
        stamp = tuple((f, os.stat(f).st_mtime_ns) for f in folders)
    except OSError:
        return None
    if settled:
        import time

        if any(time.time_ns() - t < _SETTLE_NS for _, t in stamp):
            return None
    return stamp


def _pack_folders(d: Path) -> list[Path]:
    return [d] if (d / PACK_FILE).exists() else sorted(p.parent for p in d.glob(f"*/{PACK_FILE}"))


def _rule_id_at(node: Any, path: list[Any]) -> str | None:
    """The rule an error path inside a pack file points into (``rules.3…`` or
    ``overrides.<id>…``), so the message names it."""
    if len(path) >= 2 and path[0] == "overrides":
        return str(path[1])
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        try:
            rid = node["rules"][path[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            rid = None
        return str(rid) if rid else f"rules[{path[1]}] (no id)"
    return None


def _close_matches(word: str, candidates: list[str], n: int = 1) -> list[str]:
    import difflib  # only when explaining an error

    return difflib.get_close_matches(word, candidates, n=n)


def _pack_file(ref: Path) -> Path:
    return ref / PACK_FILE if ref.is_dir() else ref


def _read_pack(ref: Path) -> _RawPack:
    import jsonschema

    pfile = _pack_file(ref)
    if not pfile.exists():
        raise RulePackError("rule pack not found", culprit=str(ref),
                            fix="give a pack directory containing pack.yaml, a pack YAML file, or a built-in pack name")
    manifest = Manifest({}, {})
    node = _read_pack_yaml(pfile, manifest.files)
    if node is None:
        node = {}
    if not isinstance(node, dict):
        raise RulePackError("a rule pack must be a mapping (extends/overrides/rules)", culprit=str(pfile), where="1",
                            fix="start the file with keys such as 'name:' and 'rules:'")
    schema_errors = [_schema_error(node, pfile, exc, _rule_id_at(node, list(exc.absolute_path)), [])
                     for exc in jsonschema.Draft202012Validator(rulepack_schema()).iter_errors(plain(node))]
    if schema_errors:
        raise pack_errors(schema_errors)
    rules: list[tuple[Any, Path, Path | None]] = []
    errors: list[RulePackError] = []
    for i, rnode in enumerate(node.get("rules") or []):
        rules.append((rnode, pfile, None))
    folder = pfile.parent
    if pfile.name == PACK_FILE or node.get("rule_files"):
        patterns = [str(p) for p in node.get("rule_files") or ["*.yaml"]]
        found = _rule_files(pfile, patterns, node)
        manifest.record(json.dumps(["rules", str(pfile), patterns], ensure_ascii=False), _listing(found))
        for rfile, cases in found:
            try:  # one broken rule file must not hide the errors of the others
                rnode = _read_pack_yaml(rfile, manifest.files)
            except RulePackError as exc:
                errors.append(exc)
                continue
            if not isinstance(rnode, dict):
                errors.append(RulePackError("a rule file must hold one rule mapping", culprit=str(rfile), where="1",
                                            fix="start with 'id:' and 'check:'"))
                continue
            rules.append((rnode, rfile, cases))
    name = str(node.get("name") or (folder.name if pfile.name == PACK_FILE else pfile.stem))
    return _RawPack(name, pfile, node, rules, manifest, errors)


# ----------------------------------------------------------------- cache

_CACHE_FORMAT = 3  # 2: manifest files record digest:size:mtime_ns; 3: folder stamps

# cache key -> resolved pack (with its manifest), shared by every PackLoader of
# the process: the test suite creates one loader per rule case.
_RESOLVED: dict[str, RulePack] = {}


def registry_fingerprint(registry: Registry) -> str:
    """What a resolved pack depends on besides its files: the budgetlint
    version, every registered check type (id, class, parameter schema) and the
    source of the modules defining them, and of this module.  A built-in check
    known from the plugin manifest is not imported for this: its data and its
    module's digest are the manifest's (written from the same source files)."""
    from budgetlint.core import __version__
    from budgetlint.core.plugins import module_digest

    parts: list[Any] = [_CACHE_FORMAT, __version__]
    modules = {__name__}
    for cid in sorted(registry.checks):
        meta = registry.check_metas[cid]
        parts.append(meta)
        modules.add(meta[1])
    for name in sorted(modules):
        parts.append([name, registry.module_digests.get(name) or module_digest(name)])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class PackCache:
    """Resolved packs kept in memory for the process and pickled on disk.

    An entry is used only if its manifest is fresh (every file's SHA-256 and
    every rule folder's listing unchanged); anything unreadable — a truncated
    or foreign pickle, a permission problem — is ignored and rebuilt."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._fingerprint: str | None = None
        self.seen: dict[str, Any] = {}  # file -> hash, folder key -> listing, as read by this loader

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = registry_fingerprint(self.registry)
        return self._fingerprint

    def key(self, *parts: Any) -> str:
        return hashlib.sha256(json.dumps([self.fingerprint, *parts], ensure_ascii=False).encode()).hexdigest()

    def _file(self, key: str) -> Path | None:
        d = cache_dir()
        return d / "packs" / f"{key[:40]}.pickle" if d is not None else None

    def get(self, key: str) -> Any:
        hit = _RESOLVED.get(key)
        if hit is not None and hit.manifest is not None and hit.manifest.fresh(self.seen):
            return hit
        f = self._file(key)
        if f is None or not f.is_file():
            return None
        try:
            with f.open("rb") as fh:
                entry = pickle.load(fh)
            if entry.get("key") != key or not entry["value"].manifest.fresh(self.seen):
                return None
        except BudgetlintError:  # a document's budget ran out while reading: not a corrupt file
            raise
        except Exception:  # a corrupt or foreign cache file is never an error
            return None
        _RESOLVED[key] = entry["value"]
        return entry["value"]

    def put(self, key: str, value: Any) -> None:
        _RESOLVED[key] = value
        f = self._file(key)
        if f is not None and store_pickle(f, {"key": key, "value": value}):
            self._prune(f.parent)

    @staticmethod
    def _prune(folder: Path, keep: int = 256) -> None:
        """Keep the cache bounded: every ``--rules`` path gets an entry, so
        drop the least recently written ones beyond ``keep``."""
        entries = list(folder.glob("*.pickle"))
        if len(entries) <= keep:
            return
        dated = []
        for e in entries:
            try:
                dated.append((e.stat().st_mtime, e))
            except OSError:  # another process pruned it first (parallel checks share the cache)
                continue
        dated.sort(key=lambda d: d[0])
        for _, old in dated[:-keep]:
            old.unlink(missing_ok=True)


_VALID_SCHEMAS: set[str] | None = None
_SCHEMAS_FILE = "valid-params-schemas.txt"


def _schema_digest(schema: Any) -> str:
    return hashlib.sha256(json.dumps(["2020-12", schema], sort_keys=True, default=str).encode()).hexdigest()


def known_valid_schema(schema: Any) -> bool:
    """Was this exact parameter schema already checked against the JSON Schema
    2020-12 meta-schema (in this process or, via the cache dir, before)?"""
    global _VALID_SCHEMAS
    if _VALID_SCHEMAS is None:
        _VALID_SCHEMAS = set()
        d = cache_dir()
        if d is not None:
            try:
                _VALID_SCHEMAS.update((d / _SCHEMAS_FILE).read_text(encoding="ascii").split())
            except (OSError, UnicodeDecodeError):
                pass
    return _schema_digest(schema) in _VALID_SCHEMAS


def remember_valid_schema(schema: Any) -> None:
    digest = _schema_digest(schema)
    if _VALID_SCHEMAS is not None:
        _VALID_SCHEMAS.add(digest)
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        with (d / _SCHEMAS_FILE).open("a", encoding="ascii") as fh:  # one short line: appends do not interleave
            fh.write(digest + "\n")
    except OSError:
        pass


@dataclass
class _Catalogue:
    """Built-in pack name -> folder and -> its own ``select``, with the
    manifest they were read from (the ``pack.yaml`` files and the folder
    listings), cached like a pack: choosing a document's pack reads only
    this, and only the chosen pack is then loaded."""

    names: dict[str, Path]
    manifest: Manifest
    selects: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Validated:
    """Every built-in pack resolved without an error, from the files in
    ``manifest`` (cached like a pack): while they are unchanged, validating
    the built-in packs does not load them."""

    manifest: Manifest


class PackLoader:
    """Finds packs by name or path and resolves ``extends`` chains."""

    def __init__(self, registry: Registry, builtin_dirs: list[Path]) -> None:
        self.registry = registry
        self.builtin_dirs = builtin_dirs
        self._cache: dict[tuple[Path, str | None], RulePack] = {}
        self._catalogue: _Catalogue | None = None
        self.store = PackCache(registry)
        self.aliases: dict[str, Path] = {}

    def bundle(self) -> dict[str, Any]:
        """Everything this loader resolved, to seed a loader in another
        process or on another machine (see :meth:`seed`): the packs are then
        shipped once per worker instead of parsed or sent per document."""
        aliases = {str(k[0]): k[0] for k in self._cache}
        cat = self._catalogue
        if cat is not None:
            aliases.update({name: path.resolve() for name, path in cat.names.items()})
            aliases.update({str(path.resolve()): path.resolve() for path in cat.names.values()})
        return {"cache": dict(self._cache), "builtins": cat.names if cat else None,
                "selects": dict(cat.selects) if cat else {}, "aliases": {**aliases, **self.aliases}}

    def seed(self, bundle: dict[str, Any]) -> None:
        self._cache.update(bundle["cache"])
        if bundle["builtins"] is not None:
            self._catalogue = _Catalogue(dict(bundle["builtins"]), Manifest({}, {}), dict(bundle.get("selects") or {}))
        self.aliases.update(bundle["aliases"])

    # ------------------------------------------------------------ catalogue
    def builtins(self) -> dict[str, Path]:
        if self._catalogue is None:
            key = self.store.key("catalogue", [str(d) for d in self.builtin_dirs])
            hit = self.store.get(key)
            if isinstance(hit, _Catalogue):
                self._catalogue = hit
                return hit.names
            found: dict[str, Path] = {}
            selects: dict[str, dict[str, Any]] = {}
            manifest = Manifest({}, {})
            for d in self.builtin_dirs:
                candidates = _pack_folders(d)
                manifest.record(json.dumps(["packs", str(d)], ensure_ascii=False), tuple(map(str, candidates)))
                for c in candidates:
                    raw = _read_pack(c)
                    manifest.files[str(raw.path)] = raw.manifest.files[str(raw.path)]
                    if raw.name not in found:
                        found[raw.name] = c
                        selects[raw.name] = plain(raw.node.get("select") or {})
            self._catalogue = _Catalogue(found, manifest, selects)
            self.store.put(key, self._catalogue)
        return self._catalogue.names

    def validate_builtins(self) -> None:
        """Resolve every built-in pack once, so a broken one stops a command
        before any file; while none of their files changed since they last
        resolved cleanly, that is known from the cache without loading them."""
        key = self.store.key("validated", [str(d) for d in self.builtin_dirs])
        if isinstance(self.store.get(key), _Validated):
            return
        manifest = Manifest({}, {})
        for name in self.builtins():
            pack = self.load(name)
            if pack.manifest is not None:
                manifest.merge(pack.manifest)
        if self._catalogue is not None:
            manifest.merge(self._catalogue.manifest)
        self.store.put(key, _Validated(manifest))

    def locate(self, ref: str, relative_to: Path | None = None) -> Path:
        if ref in self.aliases:  # a loader seeded elsewhere (a Dask worker) knows the packs by the sender's paths
            return self.aliases[ref]
        p = Path(ref)
        if relative_to is not None and not p.is_absolute():
            cand = (relative_to.parent / p)
            if cand.exists():
                return self._contained(cand.resolve(), ref, relative_to)
        if p.exists():
            if relative_to is not None:
                return self._contained(p.resolve(), ref, relative_to)
            return p.resolve()
        if ref in self.builtins():
            return self.builtins()[ref].resolve()
        names = list(self.builtins())
        close = _close_matches(ref, names, n=1)
        raise RulePackError(f"unknown rule pack {ref!r}", culprit=str(relative_to) if relative_to else ref,
                            fix=(f"did you mean {close[0]!r}? " if close else "") + "built-in packs: " + ", ".join(sorted(names)))

    def _contained(self, target: Path, ref: str, relative_to: Path) -> Path:
        """``extends`` reaches only a pack beside the extending one (its folder
        or below) or an installed pack, and only a directory or regular file."""
        home = relative_to.resolve().parent
        allowed = [home, *(d.resolve() for d in self.builtin_dirs)]
        if not any(target == a or target.is_relative_to(a) for a in allowed):
            raise RulePackError(f"extends {ref!r} points outside the pack folder and the installed packs",
                                culprit=str(relative_to), fix="extend a built-in pack by name or a pack beside this one")
        if not target.is_dir():
            check_pack_path(target, culprit=str(relative_to))
        return target

    def select_builtin(self, meta: dict[str, Any], part_type: str | None = None) -> str:
        """Pick the most specific built-in pack whose ``select`` matches."""
        from budgetlint.core.regions import in_region
        best, best_score = None, -1
        year = meta.get("fiscal_year")
        region_text = " ".join(str(meta.get(k) or "") for k in ("region", "department", "title"))
        extra = extra_rule_dirs()
        names = self.builtins()
        selects = self._catalogue.selects if self._catalogue else {}
        for name, path in names.items():
            sel = selects[name] if name in selects else self.load(str(path)).select
            bureau = bool(extra) and _under_any(path, extra)
            if bureau and not sel:  # a bureau pack without select: would take every report; use --rules
                continue
            if not sel:
                score = 0
            else:
                score = 1
                years = sel.get("years")
                if years:
                    if year is None or year not in _expand_years(years):
                        continue
                    score += 2
                regions = sel.get("regions")
                if regions:
                    if not any(in_region(r, region_text) for r in regions):  # divisions: rules/regions.yaml
                        continue
                    score += 4
                part_types = sel.get("part_types")  # a genre's own pack (部门预算) beats a region's
                if part_types:
                    if part_type not in part_types:
                        continue
                    score += 8
                if sel.get("fallback"):
                    score = 0
            score = score * 2 + (1 if bureau and score else 0)  # same fit: the bureau's own pack wins
            if score > best_score or (score == best_score and best is not None and name < best):
                best, best_score = name, score
        if best is None:
            raise RulePackError("no built-in rule pack is installed", culprit="budgetlint",
                                fix="reinstall budgetlint or pass --rules")
        return best

    # ------------------------------------------------------------- resolve
    def load(self, ref: str, *, default_for: dict[str, Any] | None = None,
             _stack: tuple[Path, ...] = (), _relative_to: Path | None = None) -> RulePack:
        path = self.locate(ref, _relative_to)
        # the result depends on default_for only through the pack it selects
        default_name = self.select_builtin(default_for) if default_for is not None else None
        if path in _stack:
            cycle = " -> ".join(str(p) for p in (*_stack, path))
            raise RulePackError(f"'extends' forms a cycle: {cycle}", culprit=str(_pack_file(path)),
                                fix="remove one of the extends links")
        key = (path, default_name)
        if key in self._cache:
            return self._cache[key]
        store_key = self.store.key("pack", str(path), default_name)
        hit = self.store.get(store_key)
        if isinstance(hit, RulePack):
            self._cache[key] = hit
            return hit
        raw = _read_pack(path)
        node = raw.node
        manifest = Manifest(dict(raw.manifest.files), dict(raw.manifest.folders), dict(raw.manifest.stamps))
        parent: RulePack | None = None
        ext = node.get("extends")
        if ext:
            ext = str(ext)
            if ext == DEFAULT:
                if default_for is None:
                    parent_name = self.select_builtin({})
                else:
                    parent_name = self.select_builtin(default_for)
                # which pack is the default depends on every built-in pack's select
                if self._catalogue is not None:
                    manifest.merge(self._catalogue.manifest)
                parent = self.load(parent_name, _stack=(*_stack, path))
            else:
                try:
                    parent = self.load(ext, default_for=default_for, _stack=(*_stack, path), _relative_to=raw.path)
                except RulePackError as exc:
                    if isinstance(exc, RulePackErrors):  # the parent's own list, each line names its file
                        raise
                    if "cycle" in exc.message:
                        if exc.where is None:  # name the extends line that closes the cycle
                            raise RulePackError(exc.message, culprit=str(raw.path),
                                                where=str(line_of(node, "extends")), fix=exc.fix) from exc
                        raise
                    raise RulePackError(f"extends {ext!r}: {exc.message}", culprit=str(raw.path),
                                        where=str(line_of(node, "extends")), fix=exc.fix) from exc
        rules: dict[str, Rule] = {k: copy.deepcopy(v) for k, v in (parent.rules.items() if parent else [])}
        errors: list[RulePackError] = list(raw.errors)  # every error of the pack, reported in one run
        # overrides first apply to inherited rules only
        for rid, onode in (node.get("overrides") or {}).items():
            rid = str(rid)
            if rid not in rules:
                close = _close_matches(rid, list(rules), n=1)
                errors.append(RulePackError(
                    f"overrides rule {rid!r}, which the parent pack does not define", culprit=str(raw.path),
                    where=str(line_of(node["overrides"], rid)),
                    fix=(f"did you mean {close[0]!r}? " if close else "") + "add it under 'rules:' instead"))
                continue
            try:
                self._apply_override(rules[rid], onode, raw.path, line_of(node["overrides"], rid))
            except RulePackError as exc:
                errors.extend(_flat_errors(exc))
        for rnode, rfile, cases in raw.rules:
            try:
                rule = self._make_rule(rnode, rfile, cases)
            except RulePackError as exc:
                errors.extend(_flat_errors(exc))
                continue
            if rule.id in rules and rfile == raw.path and not parent:
                errors.append(RulePackError(f"rule id {rule.id!r} defined twice", culprit=str(rfile),
                                            where=str(line_of(rnode)), fix="rule ids must be unique in a pack"))
                continue
            if rule.id in rules and parent and rule.id in parent.rules:
                errors.append(RulePackError(f"rule {rule.id!r} is already defined by {parent.name}",
                                            culprit=str(rfile), where=str(line_of(rnode)),
                                            fix="change it under 'overrides:' or give the new rule another id"))
                continue
            if rule.id in rules:
                errors.append(RulePackError(f"rule id {rule.id!r} defined twice", culprit=str(rfile),
                                            where=str(line_of(rnode)), fix="rule ids must be unique in a pack"))
                continue
            rules[rule.id] = rule
        if errors:
            raise pack_errors(errors)
        if parent is not None and parent.manifest is not None:
            manifest.merge(parent.manifest)
        if not rules and not _stack:
            raise RulePackError("the rule pack defines no rules", culprit=str(raw.path), where="1",
                                fix="add rules (rules: or rule files beside pack.yaml) or extend another pack")
        pack = RulePack(name=raw.name, path=str(raw.path), title=str(node.get("title") or ""),
                        select=plain(node.get("select") or {}),
                        chain=[raw.name, *(parent.chain if parent else [])], rules=rules, manifest=manifest)
        self._cache[key] = pack
        self.store.put(store_key, pack)
        return pack

    def _check_cls(self, check_id: str, node: Any, file: Path, rule_id: str) -> type:
        cls = self.registry.checks.get(check_id)
        if cls is None:
            close = _close_matches(check_id, list(self.registry.checks), n=1)
            raise RulePackError(f"rule {rule_id}: unknown check type {check_id!r}", culprit=str(file),
                                where=str(line_of(node, "check")),
                                fix=(f"did you mean {close[0]!r}? " if close else "") +
                                "run `budgetlint rules explain --list-checks` for the registered types")
        return cls

    def _validate_params(self, cls: type, params: dict[str, Any], node: Any, file: Path, rule_id: str,
                         params_line: int) -> dict[str, Any]:
        import jsonschema

        validator = jsonschema.Draft202012Validator(cls.params_schema)
        errors = sorted(validator.iter_errors(params), key=lambda e: e.path)
        found: list[RulePackError] = []
        for err in errors:  # every wrong parameter of the rule, not only the first
            best = jsonschema.exceptions.best_match([err]) if err.context else err
            pnode = node.get("params") if isinstance(node, dict) and node.get("params") is not None else node
            line = line_at_path(pnode, list(best.absolute_path)) if pnode is not None else params_line
            dotted = ".".join(["params", *map(str, best.absolute_path)])
            found.append(RulePackError(f"rule {rule_id}: {dotted}: {best.message}", culprit=str(file),
                                       where=str(line or params_line), fix=f"{_hint(best)} (check type {cls.id})"))
        if found:
            raise pack_errors(found)
        extra = getattr(cls, "validate_params", None)
        if callable(extra):
            from budgetlint.core.errors import BudgetlintError

            try:
                extra(params)
            except BudgetlintError as exc:
                line, where = params_line, ""
                pnode = node.get("params") if isinstance(node, dict) else None
                if isinstance(pnode, dict) and pnode:
                    key = next(iter(pnode))
                    line = line_of(pnode, key) or params_line
                    try:
                        vline, vcol = pnode.lc.value(key)
                        col = int((exc.where or "col 1").split()[-1])
                        line, where = vline + 1, f":{vcol + col}"
                    except (AttributeError, KeyError, TypeError, ValueError):
                        pass
                raise RulePackError(f"rule {rule_id}: params: {exc.message}", culprit=str(file),
                                    where=f"{line}{where}", fix=exc.fix) from exc
        return _with_defaults(cls.params_schema, params)

    def _make_rule(self, node: Any, file: Path, cases: Path | None) -> Rule:
        import jsonschema

        data = plain(node)
        rid = str(data.get("id", "?"))
        schema_errors = [_schema_error(node, file, exc, rid, [])
                         for exc in jsonschema.Draft202012Validator(_sub_schema("rule")).iter_errors(data)]
        if schema_errors:
            if isinstance(data.get("check"), str) and isinstance(data.get("params") or {}, dict):
                try:  # the rule's parameter errors too, in the same run
                    self._validate_params(self._check_cls(data["check"], node, file, rid), data.get("params") or {},
                                          node, file, rid, line_of(node, "params"))
                except RulePackError as exc:
                    schema_errors.extend(_flat_errors(exc))
            raise pack_errors(schema_errors)
        cls = self._check_cls(data["check"], node, file, rid)
        check_templates(data.get("message"), node.get("message") if isinstance(node, dict) else None, file, rid)
        params = self._validate_params(cls, data.get("params") or {}, node, file, rid, line_of(node, "params"))
        basis = data.get("basis") or []
        if isinstance(basis, dict):
            basis = [basis]
        pure = bool(data.get("pure_arithmetic", getattr(cls, "pure_arithmetic", False)))
        applies = data.get("applies_to") or {}
        if not applies.get("part_types") and getattr(cls, "part_types", ()):
            applies = {**applies, "part_types": list(cls.part_types)}
        where = f"{file}:{line_of(node)}"
        rule = Rule(id=rid, check=cls.id, params=params, severity=severity_name(data.get("severity", "error")),
                    title=data.get("title", ""), description=data.get("description", ""), applies_to=applies,
                    basis=basis, message=data.get("message") or {}, enabled=data.get("enabled", True),
                    pure_arithmetic=pure, tags=data.get("tags") or [], file=str(file), line=line_of(node),
                    cases_file=str(cases) if cases else None)
        for key in ("check", "severity", "applies_to", "basis", "message", "enabled", "title"):
            rule.provenance[key] = where
        for key in params:
            rule.provenance[f"params.{key}"] = f"{file}:{line_of(node.get('params') or {}, key) or line_of(node)}"
        return rule

    def _apply_override(self, rule: Rule, onode: Any, file: Path, line: int) -> None:
        import jsonschema

        data = plain(onode) or {}
        try:
            jsonschema.Draft202012Validator(_sub_schema("override")).validate(data)
        except jsonschema.ValidationError as exc:
            raise _schema_error(onode, file, exc, rule.id, ["overrides", rule.id]) from exc
        where = f"{file}:{line}"
        if "reason" in data:
            rule.provenance["override_reason"] = f"{where}: {data['reason']}"
        check_templates(data.get("message"), onode.get("message") if isinstance(onode, dict) else None, file, rule.id)
        if "enabled" in data:
            rule.enabled = bool(data["enabled"])
            rule.provenance["enabled"] = where
        if "severity" in data:
            rule.severity = severity_name(data["severity"])
            rule.provenance["severity"] = where
        for key in ("message", "basis", "applies_to", "title", "description"):
            if key in data:
                val = data[key]
                if key == "basis" and isinstance(val, dict):
                    val = [val]
                if key == "message":
                    val = {**rule.message, **val}
                setattr(rule, key, val)
                rule.provenance[key] = where
        if "params" in data:
            merged = _deep_merge(rule.params, data["params"])
            cls = self.registry.checks[rule.check]
            rule.params = self._validate_params(cls, merged, onode, file, rule.id, line)
            for key in data["params"]:
                pl = line_of(onode.get("params") or {}, key) or line
                rule.provenance[f"params.{key}"] = f"{file}:{pl}"


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _with_defaults(schema: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(params)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
    return out


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{[^\W\d]\w*\}|[{}]")


def check_templates(message: Any, node: Any, file: Path, rule_id: str) -> None:
    """Message templates may hold only ``{name}`` placeholders (and ``{{``/``}}``):
    a format spec (``{expected:>1000000000}``) or attribute/index access
    (``{expected.__class__}``) is refused at load time, naming the line."""
    for lang, text in (message or {}).items() if isinstance(message, dict) else ():
        for m in _PLACEHOLDER.finditer(str(text)):
            if m.group(0) in ("{", "}"):
                line = line_of(node, lang) if node is not None else 0
                raise RulePackError(f"rule {rule_id}: message.{lang}: only {{name}} placeholders are allowed "
                                    f"(found {str(text)[m.start():m.start() + 20]!r})", culprit=str(file),
                                    where=str(line) if line else None,
                                    fix="write {expected}, {actual} … without format specs; a literal brace is {{ or }}")


#: Years a rule or pack may name (a range beyond this is a typo, and would be expanded).
YEAR_MIN, YEAR_MAX = 1949, 2200


def _expand_years(years: Any) -> set[int]:
    out: set[int] = set()
    for y in years if isinstance(years, list) else [years]:
        if isinstance(y, int):
            out.add(y)
        elif isinstance(y, str) and "-" in y:
            a, b = y.split("-", 1)
            if a.strip().isdigit() and b.strip().isdigit():
                out.update(range(max(int(a), YEAR_MIN), min(int(b), YEAR_MAX) + 1))
        elif isinstance(y, str) and y.isdigit():
            out.add(int(y))
    return out


def rule_applies(rule: Rule, part: dict[str, Any], meta: dict[str, Any]) -> bool:
    """Does ``rule.applies_to`` admit this document part?"""
    a = rule.applies_to or {}
    types = a.get("part_types")
    if types and part.get("type") not in types:
        return False
    years = a.get("years")
    if years:
        year = part.get("year") or meta.get("fiscal_year")
        if year is None or year not in _expand_years(years):
            return False
    regions = a.get("regions")
    if regions:
        from budgetlint.core.regions import region_matches

        if not region_matches(regions, meta):
            return False
    return True


#: a bureau may write severities as the report prints them
SEVERITY_ALIASES = {"错误": "error", "警告": "warning", "提示": "info"}


def severity_name(value: str) -> str:
    """``错误``/``警告``/``提示`` → ``error``/``warning``/``info`` (others unchanged)."""
    return SEVERITY_ALIASES.get(str(value).strip(), str(value).strip())


# ------------------------------------------------------ every error at once

class RulePackErrors(RulePackError):
    """Several errors of one pack, found in one run: a bureau fixes them all
    at once instead of meeting them one ``rules validate`` at a time.  Each
    line is ``file:line: rule id: problem — fix``."""

    def __init__(self, errors: list[RulePackError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} errors in the rule pack", culprit=errors[0].culprit,
                         where=errors[0].where, fix="fix every line below, then run `budgetlint rules validate` again")

    def __str__(self) -> str:
        head = f"规则包有 {len(self.errors)} 处错误 ({len(self.errors)} errors in the rule pack):"
        return "\n".join([head, *("  " + str(e) for e in self.errors)])


def _flat_errors(exc: RulePackError) -> list[RulePackError]:
    return list(exc.errors) if isinstance(exc, RulePackErrors) else [exc]


def pack_errors(errors: list[RulePackError]) -> RulePackError:
    """One error for a list of them: the error itself when alone (its one
    line, unchanged), else a :class:`RulePackErrors` listing all in file order."""
    flat: list[RulePackError] = []
    seen: set[str] = set()
    for e in errors:
        for x in _flat_errors(e):
            if str(x) not in seen:
                seen.add(str(x))
                flat.append(x)
    return flat[0] if len(flat) == 1 else RulePackErrors(flat)


def _typo_hint(error: Any, allowed: list[str]) -> str:
    """``did you mean 'weights'?`` for a mistyped parameter or key (difflib
    against the schema's properties), with the allowed keys."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    unknown = [str(k) for k in instance if k not in allowed]
    tips = []
    for k in unknown:
        close = _close_matches(k, allowed, n=1)
        if close:
            tips.append(f"{k!r}: did you mean {close[0]!r}?")
    if not tips:
        return ""
    return " ".join(tips) + " allowed keys: " + ", ".join(allowed)


# ------------------------------------------------- a bureau's pack folders

RULES_PATH_ENV = "BUDGETLINT_RULES_PATH"


def extra_rule_dirs() -> list[Path]:
    """Folders of a bureau's own packs (``BUDGETLINT_RULES_PATH``, separated
    like ``PATH``; ``--rules-path DIR`` sets it): each is a pack folder or a
    folder of pack folders.  Their packs join automatic selection by their
    ``select:`` years/regions, so a clerk needs no ``--rules``."""
    raw = os.environ.get(RULES_PATH_ENV, "")
    dirs = [Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p.strip()]
    for d in dirs:
        if not d.is_dir():
            raise RulePackError("rule pack folder not found", culprit=str(d), where=RULES_PATH_ENV,
                                fix="give an existing folder holding pack.yaml (or folders of packs)")
    return dirs


def _under_any(path: Path, folders: list[Path]) -> bool:
    p = Path(path).resolve()
    return any(p == f or f in p.parents for f in folders)
