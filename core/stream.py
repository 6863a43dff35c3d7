"""Batches of any size in flat memory: the store of results, the JSONL lines and the result cache.

``budgetlint check`` does not build the report in memory.  Each document's
result (document entry, findings, evaluations) goes to a temporary on-disk
store as soon as its worker returns it — the parent keeps two integers per
document — and the report is then finished and written from the store in
walk order (core/reportstream.py), in every format.  At most ``4 × jobs``
documents are in flight, so neither the pool's futures nor the store hold
more than that in memory.

The result cache (``--cache``) keeps each document's result under a key made
of its path, the SHA-256 of its bytes and the checker's fingerprint (the
source of budgetlint's own modules, the registered plugins and checks, the
content of every rule-pack file, ``--rules``, ``--lang`` and the options): a
document checked before with the same packs and code is not checked again.
A corrupt entry is ignored and rebuilt.

JSONL lines (``type`` first):

* ``{"type": "document", "path", "status", …}`` — the document entry of the
  JSON report;
* ``{"type": "finding", …}`` — one finding of that document, as in the JSON
  report (after the documents: the waiver file's own findings);
* ``{"type": "skipped", "path", "reason"}`` — a file in a folder no loader reads;
* ``{"type": "summary", "schema_version", "tool", "rule_pack", "summary"}`` —
  last; the JSON report's summary (waived, ``baseline_known`` …) without the
  compliance matrix.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetlint.core.errors import BudgetlintError

if TYPE_CHECKING:
    from budgetlint.core.engine import Checker
    from budgetlint.core.reportstream import ReportStream


class ResultStore:
    """Per-document results, read back by index: ``store[i] = result``
    writes, ``store[i]`` reads.  The last result written stays in memory (the
    progress bar and the reporter read it at once); the others go to a
    temporary file of pickles, made when a second result arrives.  So a
    store of one document — ``budgetlint check one.txt``, the common CLI, CI
    and pre-commit case — never touches the disk: its result goes straight to
    the reporter (no temporary file, no pickling, not even ``import
    tempfile``), while a batch of any size keeps one result in memory."""

    def __init__(self, size: int) -> None:
        self._fh: Any = None
        self._offset = array("q", [-1]) * size
        self._length = array("q", [0]) * size
        self._last: tuple[int, dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self._offset)

    def __setitem__(self, i: int, result: dict[str, Any]) -> None:
        if self._last is not None and self._last[0] != i:
            self._spill(*self._last)
        self._last = (i, result)

    def _spill(self, i: int, result: dict[str, Any]) -> None:
        """Write the result held in memory to the temporary file."""
        if self._fh is None:
            import tempfile

            self._fh = tempfile.TemporaryFile(prefix="budgetlint-results-")
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        self._fh.seek(0, os.SEEK_END)
        self._offset[i] = self._fh.tell()
        self._length[i] = len(data)
        self._fh.write(data)

    def append(self, result: dict[str, Any]) -> None:
        """Add a result after the last one (a store of unknown size)."""
        self._offset.append(-1)
        self._length.append(0)
        self[len(self._offset) - 1] = result

    def __getitem__(self, i: int) -> dict[str, Any]:
        if self._last is not None and self._last[0] == i:
            return self._last[1]
        if self._offset[i] < 0:
            raise KeyError(i)
        self._fh.seek(self._offset[i])
        return pickle.loads(self._fh.read(self._length[i]))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        self._last = None
        if self._fh is not None:
            self._fh.close()


class _Window:
    """``results[i]`` for a sub-list of files, writing through to the store."""

    def __init__(self, store: ResultStore, indices: list[int], cache: ResultCache | None,
                 files: list[str]) -> None:
        self.store, self.indices, self.cache, self.files = store, indices, cache, files

    def __setitem__(self, j: int, result: dict[str, Any]) -> None:
        i = self.indices[j]
        self.store[i] = result
        if self.cache is not None:
            self.cache.put(self.files[i], result)

    def __getitem__(self, j: int) -> dict[str, Any]:
        return self.store[self.indices[j]]


# ------------------------------------------------------------ result cache

def _source_digest() -> str:
    """SHA-256 over budgetlint's own modules and data files (core, plugins):
    a changed loader, recognizer or check invalidates every cached result."""
    import budgetlint.core
    import budgetlint.plugins

    h = hashlib.sha256()
    for pkg in (budgetlint.core, budgetlint.plugins):
        for folder in getattr(pkg, "__path__", []):
            for f in sorted(Path(folder).rglob("*")):
                if f.suffix in (".py", ".yaml", ".json", ".j2", ".html") and "__pycache__" not in f.parts:
                    h.update(str(f.relative_to(folder)).encode())
                    h.update(f.read_bytes())
    return h.hexdigest()


class ResultCache:
    """Results of documents already checked with the same code and packs."""

    def __init__(self, checker: Checker, folder: Path) -> None:
        from budgetlint.core.rulepack import registry_fingerprint

        checker.preload_rules()  # the fingerprint below reads every pack's manifest
        packs: dict[str, str] = {}
        for pack in checker.packs._cache.values():
            if pack.manifest is not None:
                packs.update(pack.manifest.files)
        parts = [registry_fingerprint(checker.host.registry), _source_digest(), checker.host.plugin_names,
                 sorted(checker.host.registry.loaders), sorted(checker.host.registry.recognizers),
                 checker.rules_ref, checker.lang, checker.options, sorted(packs.items())]
        self.fingerprint = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
        self.folder = folder / "results"
        self.hits = 0

    def _file(self, path: str) -> Path | None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None  # unreadable: checked (and reported) every time
        key = hashlib.sha256(json.dumps([self.fingerprint, os.path.abspath(path),
                                         hashlib.sha256(data).hexdigest()]).encode()).hexdigest()
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, path: str) -> dict[str, Any] | None:
        f = self._file(path)
        if f is None or not f.is_file():
            return None
        try:
            with f.open("rb") as fh:
                result = pickle.load(fh)
            if not isinstance(result, dict) or result.get("document", {}).get("path") != path:
                return None
        except BudgetlintError:  # a document's budget ran out while reading: not a corrupt entry
            raise
        except Exception:  # a corrupt entry is rebuilt, never an error
            return None
        self.hits += 1
        return result

    def put(self, path: str, result: dict[str, Any]) -> None:
        if result.get("document", {}).get("status") != "checked":
            return  # an unreadable file is tried again next time
        f = self._file(path)
        if f is not None:
            from budgetlint.core.rulepack import store_pickle

            store_pickle(f, result)


# ------------------------------------------------------------------ checking

def check_to_store(checker: Checker, files: list[str], *, jobs: int | None = None, progress: bool | None = None,
                   cache: ResultCache | None = None, executor: str | None = None,
                   scheduler: str | None = None) -> ResultStore:
    """Check ``files`` into a :class:`ResultStore` (same results as
    :func:`budgetlint.core.batch.check_files`, same order, the same pool loop
    ``batch._run_pool``), keeping at most ``batch.WINDOW_PER_JOB × jobs``
    results in memory.  ``executor="dask"`` runs
    them on a Dask cluster (:mod:`budgetlint.executor.dask`)."""
    from budgetlint.core.batch import _fatal_check, _Progress, _run_pool, check_path, in_process

    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        from budgetlint.core.errors import UsageError

        raise UsageError(f"--jobs must be at least 1, got {jobs}", culprit="--jobs", fix="use --jobs 1 or more")
    store = ResultStore(len(files))
    todo: list[int] = []
    for i, f in enumerate(files):
        hit = cache.get(f) if cache is not None else None
        if hit is not None:
            store[i] = hit
        else:
            todo.append(i)
    show = sys.stderr.isatty() if progress is None else progress
    window = _Window(store, todo, cache, files)
    if executor == "dask":
        from budgetlint.executor.dask import check_on_dask

        with _Progress(show, len(todo)) as bar:
            if todo:
                check_on_dask(checker, files, store, todo, scheduler=scheduler, workers=jobs, bar=bar, cache=cache)
        return store
    if executor not in (None, "local"):
        from budgetlint.core.errors import UsageError

        raise UsageError(f"unknown executor {executor!r}", culprit="--executor", fix="use local or dask")
    with _Progress(show, len(todo)) as bar:
        if in_process(checker, jobs, len(todo)):
            bar.begin()
            for j, i in enumerate(todo):
                window[j] = _fatal_check(check_path(checker, files[i]))
                bar.advance(store[i])
            return store
        checker.preload_rules()  # packs loaded once, before forking
        _run_pool(checker, [files[i] for i in todo], jobs, window, bar)
    return store


# ------------------------------------------------------------------ the report

def jsonl_lines(report: ReportStream) -> Iterator[str]:
    """The JSONL report of a finished report (core/reportstream.py), line by
    line: per document its entry and its findings, then the findings about
    other files (the waiver file's own), one line per file in a folder that
    no loader reads (``type: skipped``) and the summary — the JSON report's
    summary without the compliance matrix."""
    for result in report.results():
        yield json.dumps({"type": "document", **result["document"]}, ensure_ascii=False) + "\n"
        for f in result.get("findings", []):
            yield json.dumps({"type": "finding", **f}, ensure_ascii=False) + "\n"
    for f in report.loose:
        yield json.dumps({"type": "finding", **f}, ensure_ascii=False) + "\n"
    for item in report.head.get("skipped") or []:
        yield json.dumps({"type": "skipped", **item}, ensure_ascii=False) + "\n"
    head = report.head
    summary = {k: v for k, v in head["summary"].items() if k != "matrix"}
    yield json.dumps({"type": "summary", "schema_version": head["schema_version"],
                      "tool": head["tool"], "rule_pack": head["rule_pack"], "summary": summary},
                     ensure_ascii=False) + "\n"


@contextmanager
def checked_results(checker: Checker, paths: list[str], **kw: Any) -> Iterator[tuple[Iterator[dict[str, Any]],
                                                                                    list[dict[str, str]]]]:
    """Check ``paths`` into an on-disk store (:func:`check_to_store`, ``kw``
    its options) and give (the results in walk order, then a missing path as
    an error entry; the files skipped as unsupported).  The store is removed
    on leaving."""
    from budgetlint.core.engine import walk

    skipped: list[dict[str, str]] = []
    files, missing = walk(paths, checker.host.registry.supported_extensions(), skipped)
    store = check_to_store(checker, files, **kw)
    try:
        def results() -> Iterator[dict[str, Any]]:
            yield from store
            for m in missing:
                yield {"document": {"path": m, "status": "error",
                                    "error": f"{m}: no such file or directory — check the path"},
                       "findings": [], "evaluations": []}

        yield results(), skipped
    finally:
        store.close()
