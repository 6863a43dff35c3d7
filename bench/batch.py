"""Batch throughput benchmark (a script, not a test).

Copies the seed reports N times into a temp dir, runs `budgetlint check`
with --jobs 1 and --jobs 2 and prints documents per second, the speed-up and
the peak RSS of the parent and of the workers separately (getrusage).
Workers return only findings and evaluations, never documents, so their
RSS should stay flat as the batch grows; the parent holds the report, which
grows with it (about 100 evaluations per document).  The machine has 2
cores: run it when nothing else is busy, or the speed-up means nothing.

    .venv/bin/python bench/batch.py --copies 500            # goal: speed-up ≥ 1.7 on 2 cores
    .venv/bin/python bench/batch.py --copies 100 --copies 500 --jobs 1 --jobs 2
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_batch(root: Path, copies: int) -> Path:
    seeds = sorted((REPO / "samples").glob("00*.txt"))
    d = root / f"batch-{copies}"
    d.mkdir()
    for i in range(copies):
        src = seeds[i % len(seeds)]
        shutil.copy(src, d / f"{i:05d}_{src.name}")
    return d


_RUNNER = """
import json, resource, sys, time
from budgetlint.core.batch import run_batch
from budgetlint.core.engine import Checker
from budgetlint.core.reporting import atomic_write
checker = Checker()
checker.validate_rules()  # as the CLI does before checking
t = time.perf_counter()
report = run_batch(checker, [sys.argv[1]], jobs=int(sys.argv[2]), progress=False)
secs = time.perf_counter() - t
atomic_write(sys.argv[3], json.dumps(report, ensure_ascii=False, indent=2))
print(secs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(report["findings"]))
"""


def _descendants(root: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    kids.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(pid))
            except OSError:
                pass
    out, todo = [], [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def run(folder: Path, jobs: int) -> tuple[float, int, int, int]:
    """Seconds, parent peak RSS, worker peak RSS (KiB; 0 with --jobs 1, which
    checks in-process) and finding count of one batch in a fresh process.
    Worker RSS is polled from /proc by this process, so the checking process
    keeps a single thread (and may fork its workers)."""
    out = folder.parent / f"report-{folder.name}-j{jobs}.json"
    proc = subprocess.Popen([sys.executable, "-c", _RUNNER, str(folder), str(jobs), str(out)],
                            stdout=subprocess.PIPE, text=True)
    peak: dict[int, int] = {}
    while proc.poll() is None:
        for pid in _descendants(proc.pid):
            try:
                with open(f"/proc/{pid}/status") as fh:
                    hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
                peak[pid] = max(peak.get(pid, 0), hwm)
            except (OSError, StopIteration):
                pass
        time.sleep(0.2)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise SystemExit(f"benchmark run failed (exit {proc.returncode})")
    secs, me, n = stdout.split()
    return float(secs), int(me), max(peak.values(), default=0), int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, action="append", help="documents per batch (repeatable; default 500)")
    ap.add_argument("--jobs", type=int, action="append", help="job counts to compare (default 1 and 2)")
    args = ap.parse_args()
    sizes = args.copies or [500]
    jobs_list = args.jobs or [1, 2]
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-") as tmp:
        for n in sizes:
            folder = make_batch(Path(tmp), n)
            base = None
            for jobs in jobs_list:
                secs, parent, workers, found = run(folder, jobs)
                rate = n / secs
                base = base or rate
                print(f"docs={n:5d} jobs={jobs}  {secs:7.2f}s  {rate:7.1f} docs/s  speed-up {rate / base:4.2f}×  "
                      f"peak RSS parent {parent / 1024:6.1f} MiB, workers {workers / 1024:6.1f} MiB  "
                      f"findings {found}")
            r1 = Path(tmp) / f"report-{folder.name}-j{jobs_list[0]}.json"
            same = all((Path(tmp) / f"report-{folder.name}-j{j}.json").read_bytes() == r1.read_bytes()
                       for j in jobs_list)
            print(f"docs={n:5d} reports identical across job counts: {same}")


if __name__ == "__main__":
    main()
