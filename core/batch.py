"""Batch checking: walk folders, check files in parallel worker processes,
keep going when one file is unreadable, then apply waivers and a baseline.

Why processes and not threads: checking is pure-Python CPU work, so threads
would serialise on the GIL.  Each worker builds one :class:`Checker` (plugin
host, rule packs) in its initializer and then receives only file paths; it
returns only the small result dict (document summary, findings, evaluations),
never the parsed document, so memory stays flat however large the batch.

Results are put back in walk order (sorted paths), so the report is the same
byte for byte whatever ``--jobs`` is.  ``--jobs 1`` runs in-process.
"""
from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetlint.core.errors import BudgetlintError, LimitExceededError

if TYPE_CHECKING:
    from budgetlint.core.engine import Checker

#: Longest source excerpt kept on a finding (characters); the HTML report shows it.
EXCERPT_CHARS = 300
#: Longest cell text kept in a table-row excerpt.
CELL_CHARS = 60
#: Widest table row kept in an excerpt.
ROW_CELLS = 40

_WORKER: Checker | None = None

#: Documents in flight per worker: enough to keep workers busy, few enough to keep memory flat.
WINDOW_PER_JOB = 4

#: Thresholds of the cyclic garbage collector while checking (CPython's
#: default is 700, 10, 10).  See :func:`tune_gc`.
GC_THRESHOLDS = (100_000, 10, 10)


def tune_gc() -> None:
    """Make the cyclic garbage collector run rarely in a checking process.

    Checking allocates hundreds of thousands of small objects that stay
    alive until the document is done (a PDF's characters, cells, findings)
    and makes almost no reference cycles: freed objects go by reference
    counting.  At CPython's default threshold the collector ran ~150 times
    for the three Shanghai PDFs, each time walking live objects it could
    not free (≈6 % of the CPU of ``check``).  With a first threshold of
    100,000 it does not run at all while the three Shanghai 决算 PDFs are
    checked (at 50,000 it ran once, ≈10 ms: a young generation of 50,000
    live characters, cells and lists is slow to walk); a long batch still
    collects its few cycles (~350 a document: the oldest generation every
    ~10 million allocations, as before), so memory stays flat.  Never lowers
    a threshold a caller raised."""
    import gc

    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


# ------------------------------------------------------------------ one file
def check_path(checker: Checker, path: str) -> dict[str, Any]:
    """:meth:`Checker.check_file` made safe for a worker process.

    Same code path in-process and in a worker, so ``--jobs`` never changes
    the result.  An unreadable file, or a crash inside a loader/recognizer,
    becomes a document entry with ``status: error`` and a one-line reason;
    a rule-pack or usage error (which would break every file) is returned as
    ``fatal`` and re-raised by the parent."""
    try:
        with document_budget(checker.options):
            return checker.check_file(path)
    except LimitExceededError as exc:  # over the per-document budget: this file only, the batch goes on
        return {"document": {"path": str(path), "status": "error", "error": _one_line(path, exc)},
                "findings": [], "evaluations": []}
    except MemoryError:
        pass  # handled below, once the traceback and the document it holds are gone
    except BudgetlintError as exc:
        return {"fatal": (type(exc), str(exc))}
    except Exception as exc:  # a bug must not lose the other files; name it in one line
        if os.environ.get("BUDGETLINT_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
        return {"document": {"path": str(path), "status": "error",
                             "error": f"{path}: internal error while checking: {type(exc).__name__}: {exc}{where}"
                                      " — report this as a bug (BUDGETLINT_DEBUG=1 shows the traceback)"},
                "findings": [], "evaluations": []}
    limit = budget_of(checker.options)[1]
    return {"document": {"path": str(path), "status": "error",
                         "error": f"{path}: 超出处理限制：内存超过 {limit} MiB (over the memory budget) — "
                                  "split the file, or raise --max-memory-mb (BUDGETLINT_MAX_MEMORY_MB)"},
            "findings": [], "evaluations": []}


def _one_line(path: str, exc: BudgetlintError) -> str:
    text = str(exc)
    return text if text.startswith(str(path)) else f"{path}: {text}"


# ------------------------------------------------------------------ budgets
#: Per-document budget defaults: an 800-page real PDF takes well under this.
DEFAULT_MAX_SECONDS = 600
DEFAULT_MAX_MEMORY_MB = 3072
_IN_DOCUMENT: list[float] = []  # [start time, RSS at start] of the document in progress (the watch threads read it)


def budget_of(options: dict[str, Any]) -> tuple[float, int]:
    """(seconds, MiB) per document: checker options, else the environment
    (``BUDGETLINT_MAX_SECONDS``, ``BUDGETLINT_MAX_MEMORY_MB``), else defaults."""
    seconds = options.get("max_seconds") or os.environ.get("BUDGETLINT_MAX_SECONDS") or DEFAULT_MAX_SECONDS
    memory = options.get("max_memory_mb") or os.environ.get("BUDGETLINT_MAX_MEMORY_MB") or DEFAULT_MAX_MEMORY_MB
    return float(seconds), int(memory)


class _OverTime(LimitExceededError):
    """Raised inside the document's own code by the SIGALRM watchdog."""


class document_budget:
    """Limit the wall time and memory of one document.  In the main thread a
    SIGALRM raises :class:`LimitExceededError` at the next bytecode, so the
    document ends with “超出处理限制：…” and the batch goes on.  A worker
    also has a memory watch (see :func:`_memory_watch`) that raises the same
    way when the process grows past the budget, a watchdog thread (see
    :func:`_watchdog`) that ends the process if native code never returns,
    and an address-space cap as the last resort (see :func:`_limit_memory`)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.seconds, self.megabytes = budget_of(options)
        self.armed = False

    def _expired(self, signum: int, frame: Any) -> None:
        raise _OverTime(f"超出处理限制：处理时间超过 {self.seconds:g} 秒 (over the time budget per document)",
                        fix="split the file, or raise --max-seconds (BUDGETLINT_MAX_SECONDS) if it is genuine")

    def _too_big(self, signum: int, frame: Any) -> None:
        raise _OverMemory(f"超出处理限制：内存超过 {self.megabytes} MiB (over the memory budget per document)",
                          fix="split the file, or raise --max-memory-mb (BUDGETLINT_MAX_MEMORY_MB) if it is genuine")

    def __enter__(self) -> document_budget:
        import threading
        import time

        _IN_DOCUMENT[:] = [time.monotonic(), _rss()]
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            self.previous_usr1 = signal.signal(_MEMORY_SIGNAL, self._too_big)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        _IN_DOCUMENT.clear()
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            signal.signal(_MEMORY_SIGNAL, self.previous_usr1)


class _OverMemory(LimitExceededError):
    """Raised inside the document's own code when the memory watch signals."""


_MEMORY_SIGNAL = getattr(signal, "SIGUSR1", signal.SIGTERM)
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int:
    """Resident bytes of this process (Linux /proc; 0 where it is missing)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _watchdog(seconds: float) -> None:
    """Worker thread: a document still running well past its budget is stuck
    in native code (a parser that ignores signals); end the worker.  The
    parent sees a broken pool and reports that file alone."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            started = _IN_DOCUMENT[0] if _IN_DOCUMENT else None
            if started is not None and time.monotonic() - started > seconds * 1.5 + 5:
                os._exit(70)

    threading.Thread(target=watch, name="budgetlint-watchdog", daemon=True).start()


def _memory_watch(megabytes: int) -> None:
    """Worker thread: when the process has grown by more than the budget
    since its document began, signal the main thread, whose handler raises
    :class:`LimitExceededError` in the document's own code.  Why a watch and
    not only an address-space cap: a cap makes allocations fail anywhere —
    in C extensions that then crash, or in a stack that cannot grow — while
    the signal ends the document at a Python bytecode, cleanly."""
    import threading
    import time

    limit = megabytes * 1024 * 1024

    def watch() -> None:
        fired: float | None = None
        while True:
            time.sleep(0.05)
            doc = _IN_DOCUMENT[:]
            if len(doc) < 2 or doc[0] == fired:
                continue
            if _rss() - doc[1] > limit:
                fired = doc[0]
                os.kill(os.getpid(), _MEMORY_SIGNAL)

    threading.Thread(target=watch, name="budgetlint-memory-watch", daemon=True).start()


def _limit_memory(megabytes: int) -> None:
    """The last resort behind :func:`_memory_watch`, for native code that
    allocates without returning to Python: cap the worker's address space at
    its current size plus twice the budget, so a runaway parser fails instead
    of swapping the machine (the parent then reports that file alone)."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as fh:
            vm = next((int(line.split()[1]) for line in fh if line.startswith("VmSize:")), 0) * 1024
        limit = vm + 2 * megabytes * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the time budget still applies


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # killed, not yet reaped
    except (OSError, IndexError):
        return False


def _die_with_parent(owner: int) -> None:
    """Workers end when the batch process ``owner`` ends, even by SIGKILL: the
    kernel's parent-death signal on Linux when it is our parent (fork), and a
    thread watching ``owner`` always (forkserver/spawn workers are children
    of the fork server, which may outlive the batch)."""
    import threading
    import time

    if os.getppid() == owner:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if _gone(owner):  # it died before we were ready
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if _gone(owner):
                os._exit(1)

    threading.Thread(target=watch, name="budgetlint-parent-watch", daemon=True).start()


def in_process(checker: Checker, jobs: int, files: int) -> bool:
    """Check here, without worker processes?  Yes for one job or one file —
    unless a memory budget was asked for: an address-space cap is only safe
    on a process of its own (the CLI's, or a test's, must not be capped)."""
    return files == 0 or ((jobs == 1 or files <= 1) and not checker.options.get("max_memory_mb"))


def _worker_limits(options: dict[str, Any], owner: int) -> None:
    seconds, memory = budget_of(options)
    _die_with_parent(owner)
    _watchdog(seconds)
    _memory_watch(memory)
    _limit_memory(memory)


def add_context(doc: dict[str, Any], findings: list[dict[str, Any]]) -> None:
    """Give each finding the bit of source a clerk needs to see it: the table
    row with the offending cell(s) marked, or the paragraph text with the
    matched words marked.  Done while the document is still in memory, so the
    report can show it without keeping documents around."""
    from budgetlint.core.document import grid

    blocks = {b["id"]: b for b in doc.get("blocks", [])}
    for f in findings:
        loc = f.get("location", {})
        block = blocks.get(loc.get("block"))
        if block is None:
            continue
        if block.get("type") == "table":
            r = loc.get("row_index")
            if r is None or not isinstance(r, int) or not (0 <= r < block.get("n_rows", 0)):
                continue
            g = grid(block)
            cols: set[int] = set()
            if isinstance(loc.get("col_index"), int):
                cols.add(loc["col_index"])
            for op in f.get("operands") or []:
                ol = op.get("location") or {}
                if ol.get("block") == block["id"] and ol.get("row_index") == r and isinstance(ol.get("col_index"), int):
                    cols.add(ol["col_index"])
            header = None
            hr = block.get("header_rows") or 0
            if hr and r >= hr:
                header = [_cell_text(c) for c in g[hr - 1][:ROW_CELLS]]
            f["context"] = {"kind": "row", "cells": [_cell_text(c) for c in g[r][:ROW_CELLS]],
                            "highlight": sorted(c for c in cols if c < ROW_CELLS)}
            if header:
                f["context"]["header"] = header
        else:
            text = block.get("text") or ""
            if not text:
                continue
            hit = (f.get("details") or {}).get("match") or loc.get("match")
            if not hit and isinstance(f.get("actual"), str) and f["actual"] in text:
                hit = f["actual"]
            start = text.find(hit) if hit else -1
            if len(text) > EXCERPT_CHARS:
                lo = max(0, start - EXCERPT_CHARS // 3) if start >= 0 else 0
                text = ("…" if lo else "") + text[lo:lo + EXCERPT_CHARS] + ("…" if lo + EXCERPT_CHARS < len(text) else "")
            f["context"] = {"kind": "text", "text": text}
            if hit and hit in text:
                f["context"]["highlight"] = hit


def _cell_text(cell: dict[str, Any] | None) -> str:
    t = (cell or {}).get("text", "") or ""
    return t if len(t) <= CELL_CHARS else t[:CELL_CHARS - 1] + "…"


# ------------------------------------------------------------------ workers
def _init_worker(rules: str | None, lang: str, options: dict[str, Any], host_kwargs: dict[str, Any],
                 owner: int = 0) -> None:
    """Build the worker's one Checker; Ctrl-C is the parent's business (it
    cancels pending work and waits for the files in progress)."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_gc()  # a spawned worker starts with the default thresholds (a forked one inherits them)
    from budgetlint.core import regexcache

    regexcache.install()  # as the CLI did in the parent (a forked worker inherits it)
    _worker_limits(options, owner or os.getppid())
    from budgetlint.core.engine import Checker

    _WORKER = Checker(rules=rules, lang=lang, options=options, host_kwargs=host_kwargs)


def _init_forked(checker: Checker, owner: int = 0) -> None:
    """Forked worker: reuse the parent's Checker (plugin host and rule packs
    already loaded, shared copy-on-write) instead of loading them again."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_limits(checker.options, owner or os.getppid())
    _WORKER = checker


def _work(path: str) -> dict[str, Any]:
    assert _WORKER is not None, "worker initializer did not run"
    return check_path(_WORKER, path)


def _pool(checker: Checker, workers: int):
    """A process pool.  fork is cheapest (workers inherit the loaded rule
    packs) but unsafe once other threads run, so it is used only while this
    process has a single thread — the progress bar starts after the workers
    exist.  Otherwise forkserver (the 3.14 default on POSIX) or spawn, whose
    workers build their own Checker."""
    import multiprocessing as mp
    import threading
    from concurrent.futures import ProcessPoolExecutor

    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1 and not os.environ.get("BUDGETLINT_NO_FORK"):
        return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                                   initializer=_init_forked, initargs=(checker, os.getpid()))
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(checker.rules_ref, checker.lang, checker.options, checker._host_kwargs,
                                         os.getpid()))


class _Progress:
    """A rich progress bar on stderr, or nothing."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.bar = None
        self.errors = 0
        self.started = False
        if not enabled or total == 0:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("检查 checking"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[errors]}"), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=False)
        self.task = self.bar.add_task("check", total=total, errors="")

    def __enter__(self) -> _Progress:
        return self

    def begin(self) -> None:
        """Start drawing (and its refresh thread) — after any fork."""
        if self.bar and not self.started:
            self.bar.start()
            self.started = True

    def advance(self, result: dict[str, Any]) -> None:
        if not self.bar:
            return
        self.begin()
        if result.get("document", {}).get("status") == "error":
            self.errors += 1
        self.bar.update(self.task, advance=1, errors=f"无法读取 unreadable: {self.errors}" if self.errors else "")

    def __exit__(self, *exc: Any) -> None:
        if self.bar and self.started:
            self.bar.stop()


def check_files(checker: Checker, files: list[str], *, jobs: int | None = None,
                progress: bool | None = None) -> list[dict[str, Any]]:
    """Check ``files`` and return their results in the same order."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        from budgetlint.core.errors import UsageError

        raise UsageError(f"--jobs must be at least 1, got {jobs}", culprit="--jobs", fix="use --jobs 1 or more")
    show = sys.stderr.isatty() if progress is None else progress
    results: list[dict[str, Any] | None] = [None] * len(files)
    with _Progress(show, len(files)) as bar:
        if in_process(checker, jobs, len(files)):
            bar.begin()
            for i, f in enumerate(files):
                results[i] = _fatal_check(check_path(checker, f))
                bar.advance(results[i])
        else:
            checker.preload_rules()  # load the packs once, before forking, so workers share them
            _run_pool(checker, files, jobs, results, bar)
    return results  # type: ignore[return-value]


def _fatal_check(result: dict[str, Any]) -> dict[str, Any]:
    if "fatal" in result:
        cls, message = result["fatal"]
        exc = cls.__new__(cls)
        BudgetlintError.__init__(exc, message)
        raise exc
    return result


def _run_pool(checker: Checker, files: list[str], jobs: int, results: Any, bar: _Progress) -> None:
    """Check ``files`` in a pool of ``jobs`` worker processes into
    ``results[i]`` (a list, or a store's window), at most ``WINDOW_PER_JOB ×
    jobs`` documents in flight, so neither the pool's futures nor the results
    not yet stored grow with the batch.  The one pool loop of ``check``
    (:func:`check_files` and core/stream.py ``check_to_store``).

    A worker that dies (a crash in a native parser, the watchdog ending one
    stuck in native code) breaks the pool and every document then in flight.
    Those are checked again each in a worker of its own, so only the culprit
    is reported — one line naming it — and the others get their real results;
    the documents not yet sent go on in a fresh pool."""
    pending = list(range(len(files)))
    while pending:
        broken, pending = _pool_round(checker, files, pending, jobs, results, bar)
        for i in broken:  # one of them killed its worker: isolate each
            if _pool_round(checker, files, [i], 1, results, bar)[0]:
                results[i] = {"document": {"path": files[i], "status": "error",
                                           "error": f"{files[i]}: 超出处理限制或进程崩溃：the checker process crashed or "
                                                    "ran past its budget on this file — check that the file is not damaged; "
                                                    "report it as a bug if it opens normally"},
                              "findings": [], "evaluations": []}
                bar.advance(results[i])


def _pool_round(checker: Checker, files: list[str], indices: list[int], jobs: int, results: Any,
                bar: _Progress) -> tuple[list[int], list[int]]:
    """One pool over ``files[i]`` for ``i`` in ``indices``, until they are
    done or the pool breaks; returns (the documents in flight when it broke,
    the documents never sent)."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(checker, max(1, min(jobs, len(indices))))
    limit = WINDOW_PER_JOB * jobs
    inflight: dict[Any, int] = {}
    broken: list[int] = []
    nxt = 0
    stop = False
    try:
        while True:
            while nxt < len(indices) and len(inflight) < limit and not (broken or stop):
                try:
                    fut = pool.submit(_work, files[indices[nxt]])
                except BrokenProcessPool:  # it broke before a result told us: collect what is in flight
                    stop = True
                    break
                inflight[fut] = indices[nxt]
                nxt += 1
            if not inflight:
                break
            bar.begin()  # after the pool forked its workers: the bar's thread must not be forked
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for fut in done:
                i = inflight.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    broken.append(i)
                    continue
                results[i] = _fatal_check(res)
                bar.advance(results[i])
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return sorted(broken), indices[nxt:]


# ------------------------------------------------------------------ batch
def run_batch(checker: Checker, paths: list[str], *, jobs: int | None = None, progress: bool | None = None,
              waivers: str | None = None, baseline: str | None = None, cache: Any = None,
              executor: str | None = None, scheduler: str | None = None) -> dict[str, Any]:
    """Walk ``paths``, check every file, build the report, then apply
    waivers, the compliance matrix and the baseline (in that order: a waiver
    for a finding already in the baseline is still used, and the matrix shows
    the documents' real state, not only what is new)."""
    from budgetlint.core.engine import summarize, walk
    from budgetlint.core.matrix import compliance_matrix
    from budgetlint.core.waivers import apply_baseline, apply_waivers, load_baseline, load_waivers

    waiver_list = load_waivers(waivers) if waivers else None
    known = load_baseline(baseline) if baseline else None
    skipped: list[dict[str, str]] = []
    files, missing = walk(paths, checker.host.registry.supported_extensions(), skipped)
    if cache is not None or executor:  # core/stream.py: result cache (core.stream.ResultCache), Dask executor
        from budgetlint.core.stream import check_to_store

        store = check_to_store(checker, files, jobs=jobs, progress=progress, cache=cache, executor=executor,
                               scheduler=scheduler)
        results = list(store)
        store.close()
    else:
        results = check_files(checker, files, jobs=jobs, progress=progress)
    report = checker.build_report(results, missing)
    report["skipped"] = skipped
    report["rules"] = rule_catalogue(checker, report)
    if waiver_list is not None:
        apply_waivers(report, waiver_list, waivers, lang=checker.lang)  # type: ignore[arg-type]
    matrix = compliance_matrix(report)
    if known is not None:
        apply_baseline(report, known, baseline)  # type: ignore[arg-type]
    report["summary"] = summarize(report["documents"], report["findings"], report["evaluations"], skipped)
    if "baseline" in report:
        report["summary"]["baseline_known"] = report["baseline"]["known"]
    report["summary"]["matrix"] = matrix
    from budgetlint.core.safe_text import scrub

    return scrub(report)  # non-UTF-8 file names, control/bidi characters: escaped for every format


def rule_catalogue(checker: Checker, report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Metadata of every rule that was evaluated (title, description, basis,
    severity), so SARIF/HTML/XLSX can show help text without the packs."""
    return catalogue_of(checker, {e["rule_id"] for e in report["evaluations"]}, report["rule_pack"]["used"])


def catalogue_of(checker: Checker, wanted: set[str], packs_used: list[str]) -> dict[str, dict[str, Any]]:
    """:func:`rule_catalogue` from the evaluated rule ids and the packs used
    (what a streamed report knows after its first pass)."""
    out: dict[str, dict[str, Any]] = {}
    refs = [checker.rules_ref] if checker.rules_ref else packs_used
    for name in refs:
        try:
            pack = checker.packs.load(name, default_for={}) if checker.rules_ref else checker.packs.load(name)
        except BudgetlintError:
            continue
        for rid in sorted(wanted - set(out)):
            rule = pack.rules.get(rid)
            if rule is not None:
                out[rid] = {"id": rid, "check": rule.check, "severity": rule.severity, "title": rule.title,
                            "description": rule.description, "basis": rule.basis, "pack": name}
    return {k: out[k] for k in sorted(out)}
