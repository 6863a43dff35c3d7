"""``--executor dask`` on a real cluster: a ``dask scheduler`` and two ``dask
worker`` processes on localhost.  The report equals ``--jobs 1``'s, and a
worker killed mid-run loses no document."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install 'budgetlint[dask]'")

from budgetlint.core.engine import Checker  # noqa: E402
from budgetlint.core.stream import ResultStore, check_to_store  # noqa: E402
from budgetlint.executor.dask import check_on_dask  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).with_name("dask")


class Cluster:
    def __init__(self, folder: Path) -> None:
        if not DASK.exists():
            pytest.skip(f"the dask command is not installed beside {sys.executable}")
        self.file = folder / "scheduler.json"
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
        common = ["--no-dashboard"]
        self.scheduler = subprocess.Popen([str(DASK), "scheduler", "--scheduler-file", str(self.file), "--port", "0",
                                           *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.time() + 60
        while not self.file.exists() and time.time() < deadline:
            time.sleep(0.2)
        self.workers = [subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(self.file), "--nthreads", "1",
                                          "--no-nanny", *common], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, env=env) for _ in range(2)]
        self.address = json.loads(self.file.read_text())["address"]
        with distributed.Client(self.address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)

    def close(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def cluster(tmp_path: Path):
    c = Cluster(tmp_path)
    yield c
    c.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The text seeds four times over, plus one unreadable file."""
    d = tmp_path_factory.mktemp("dask-corpus")
    seeds = sorted((ROOT / "samples").glob("00*.txt"))
    for k in range(4):
        for p in seeds:
            shutil.copy(p, d / f"{k}_{p.name}")
    (d / "zz-broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return d


def test_report_on_a_cluster_equals_jobs_1(cluster: Cluster, corpus: Path, cli, tmp_path: Path) -> None:
    on_dask = tmp_path / "dask.json"
    local = tmp_path / "local.json"
    a = cli("check", corpus, "--format", "json", "--executor", "dask", "--scheduler", cluster.address,
            "--no-progress", "-o", on_dask)
    b = cli("check", corpus, "--format", "json", "--jobs", 1, "-o", local)
    assert a.returncode == b.returncode == 3, a.stderr + b.stderr  # the broken DOCX, reported, batch not failed
    assert on_dask.read_bytes() == local.read_bytes()
    report = json.loads(local.read_text(encoding="utf-8"))
    assert report["summary"]["documents"] == len(list(corpus.iterdir())) and len(report["findings"]) > 100


def test_a_worker_killed_mid_run_loses_no_document(cluster: Cluster, corpus: Path) -> None:
    files = sorted(str(p) for p in corpus.iterdir())
    checker = Checker()
    expected = list(check_to_store(checker, files, jobs=1, progress=False))

    store = ResultStore(len(files))
    seen: list[int] = []
    killed: list[int] = []

    def kill_one_worker(i: int, result: dict) -> None:
        seen.append(i)
        if len(seen) == 3 and not killed:
            victim = cluster.workers[0]  # --no-nanny: this process is the worker itself
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    check_on_dask(checker, files, store, list(range(len(files))), scheduler=cluster.address,
                  on_result=kill_one_worker)
    assert killed and len(seen) == len(files) > 3  # killed after 3 results: mid-run
    assert any(w.poll() is not None for w in cluster.workers)  # the worker really is gone
    assert list(store) == expected
