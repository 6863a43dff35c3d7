"""A batch on a Dask distributed cluster: ``budgetlint check PATHS --executor dask
[--scheduler tcp://HOST:8786]``.

Without ``--scheduler`` a LocalCluster of ``--jobs`` single-threaded worker
processes is started (and stopped); with it, the batch runs on an existing
cluster — ``dask scheduler`` and ``dask worker`` started by hand, dask-jobqueue
on an HPC queue, or dask-kubernetes.  Workers need budgetlint installed (the
same version and plugins) and must read the documents at the paths the
client gives (a shared file system): documents are sent as paths, not bytes.

Why Dask: pure Python, pip-installable, a local cluster by default and the
same client code on HPC and Kubernetes clusters.

* The compiled rule packs are scattered once to every worker
  (``broadcast=True``); each task gets only a path and the packs' future.
* A worker killed mid-run loses no document: the scheduler re-runs its tasks
  on the others (``allowed-failures``); a document that kills every worker it
  touches is reported as unreadable instead of failing the batch.
* Results are collected as they complete into the on-disk store of
  core/stream.py — at most ``4 × workers`` in flight — and the report is
  written in walk order, so it is the same as with ``--jobs 1``.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from budgetlint.core.errors import UsageError

if TYPE_CHECKING:
    from budgetlint.core.engine import Checker
    from budgetlint.core.stream import ResultCache, ResultStore

#: The packs' scatter key → the worker's Checker built from them (one per worker process).
_CHECKERS: dict[str, Any] = {}


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise UsageError("--executor dask needs Dask distributed, which is not installed", culprit="--executor",
                         fix='pip install "budgetlint[dask]"') from exc
    return distributed


def _worker_checker(config: dict[str, Any], key: str) -> Any:
    from budgetlint.core.engine import Checker

    checker = _CHECKERS.get(key)
    if checker is None:
        checker = Checker(rules=config["rules"], lang=config["lang"], options=config["options"])
        checker.packs.seed(config["bundle"])
        _CHECKERS.clear()  # one batch's packs at a time
        _CHECKERS[key] = checker
    return checker


def _check_on_worker(path: str, config: dict[str, Any], key: str) -> dict[str, Any]:
    from budgetlint.core.batch import check_path

    return check_path(_worker_checker(config, key), path)


def check_on_dask(checker: Checker, files: list[str], store: ResultStore, todo: list[int], *,
                  scheduler: str | None = None, workers: int | None = None, bar: Any = None,
                  cache: ResultCache | None = None,
                  on_result: Callable[[int, dict[str, Any]], None] | None = None) -> None:
    """Check ``files[i]`` for every ``i`` in ``todo`` on a Dask cluster into
    ``store[i]``.  ``on_result(i, result)`` is called as each one arrives
    (tests use it to kill a worker mid-run)."""
    distributed = _import_distributed()
    from budgetlint.core.batch import _fatal_check

    checker.preload_rules()
    bundle = checker.packs.bundle()
    if checker.rules_ref:
        bundle["aliases"][checker.rules_ref] = checker.packs.locate(checker.rules_ref)
    config = {"rules": checker.rules_ref, "lang": checker.lang, "options": checker.options, "bundle": bundle}
    cluster = None
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler: {exc}", culprit=scheduler,
                             fix="start it with `dask scheduler` (and `dask worker ADDRESS`) or check the address") \
                from exc
    else:
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")  # any free port: never clash
        client = distributed.Client(cluster)
    try:
        [packs] = client.scatter([config], broadcast=True, hash=True)  # a list: a dict would be scattered per key
        key = packs.key if isinstance(packs.key, str) else repr(packs.key)
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        limit = 4 * n_workers
        pending = distributed.as_completed()
        index: dict[Any, int] = {}
        nxt = 0

        def submit_more() -> None:
            nonlocal nxt
            while nxt < len(todo) and len(index) < limit:
                i = todo[nxt]
                fut = client.submit(_check_on_worker, files[i], packs, key, pure=False, retries=2,
                                    key=f"budgetlint-{i}-{os.getpid()}-{id(store)}")
                index[fut] = i
                pending.add(fut)
                nxt += 1

        submit_more()
        if bar is not None:
            bar.begin()
        for fut in pending:
            i = index.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:  # the task failed on every worker it was given to
                res = {"document": {"path": files[i], "status": "error",
                                    "error": f"{files[i]}: the checker crashed on this file on the cluster "
                                             f"({type(exc).__name__}: {exc}) — check that the file is not damaged"},
                       "findings": [], "evaluations": []}
            res = _fatal_check(res)
            store[i] = res
            if cache is not None:
                cache.put(files[i], res)
            if bar is not None:
                bar.advance(res)
            if on_result is not None:
                on_result(i, res)
            fut.release()
            submit_more()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
