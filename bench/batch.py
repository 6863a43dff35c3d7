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
    .venv/bin/python bench/batch.py --format jsonl --corpus --copies 10000 --jobs 2 --cache
                                   # goal: parent peak RSS ≤ 300 MiB at 10,000 documents
    .venv/bin/python bench/batch.py --cli --format sarif --corpus --lines 80 --copies 500 --copies 3000 --jobs 2
                                   # any format the CLI writes from its on-disk store: the parent stays flat
"""
from __future__ import annotations

import argparse
import json
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


def _hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        return 0


def run(folder: Path, jobs: int, fmt: str = "json", cache: bool = False,
        dask: bool = False, cli: bool = False) -> tuple[float, int, int, int]:
    """Seconds, parent peak RSS, worker peak RSS (KiB; 0 with --jobs 1, which
    checks in-process) and finding count of one batch in a fresh process.
    ``json``: the report built in memory (the API, as before); ``jsonl``, or
    any format with ``cli``: the CLI's report written from its on-disk store.  Peak RSS (VmHWM) is polled from /proc by this
    process, so the checking process keeps a single thread (and may fork its
    workers)."""
    out = folder.parent / f"report-{folder.name}-{'dask' if dask else 'j'}{jobs}.{fmt}"
    if fmt == "jsonl" or cli:
        cmd = [str(Path(sys.executable).with_name("budgetlint")), "check", str(folder), "--format", fmt,
               "--jobs", str(jobs), "--no-progress", "-o", str(out), *(["--cache"] if cache else []),
               *(["--executor", "dask"] if dask else [])]
    else:
        cmd = [sys.executable, "-c", _RUNNER, str(folder), str(jobs), str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE if cli else None, text=True)
    peak: dict[int, int] = {}
    parent = 0
    while proc.poll() is None:
        parent = max(parent, _hwm(proc.pid))
        for pid in _descendants(proc.pid):
            peak[pid] = max(peak.get(pid, 0), _hwm(pid))
        time.sleep(0.2)
    secs = time.perf_counter() - start
    stdout = proc.stdout.read() if proc.stdout else ""
    if fmt == "jsonl":
        if proc.returncode not in (0, 1, 3):
            raise SystemExit(f"benchmark run failed (exit {proc.returncode})")
        with out.open(encoding="utf-8") as fh:
            *_, last = fh
        return secs, parent, max(peak.values(), default=0), json.loads(last)["summary"]["findings"]
    if cli:
        if proc.returncode not in (0, 1, 3):
            raise SystemExit(f"benchmark run failed (exit {proc.returncode})")
        return secs, parent, max(peak.values(), default=0), _count_findings(proc.stderr.read() if proc.stderr else "")
    if proc.returncode:
        raise SystemExit(f"benchmark run failed (exit {proc.returncode})")
    secs_in, me, n = stdout.split()
    return float(secs_in), int(me), max(peak.values(), default=0), int(n)


def _count_findings(stderr: str) -> int:
    """Findings (roots, as summary.findings) from the summary line the CLI prints on stderr with -o."""
    import re

    m = re.search(r"错误 (\d+)，警告 (\d+)，提示 (\d+)", stderr)
    return sum(int(x) for x in m.groups()) if m else -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, action="append", help="documents per batch (repeatable; default 500)")
    ap.add_argument("--jobs", type=int, action="append", help="job counts to compare (default 1 and 2)")
    ap.add_argument("--format", choices=["json", "jsonl", "sarif", "junit", "html", "xlsx", "text"], default="json",
                    help="json: report built in memory (API) unless --cli; jsonl: the CLI's streamed report; "
                         "sarif/junit/html/xlsx/text: the CLI's report (implies --cli)")
    ap.add_argument("--cli", action="store_true",
                    help="run `budgetlint check --format FORMAT -o …` (the report written from the on-disk store)")
    ap.add_argument("--corpus", action="store_true",
                    help="generate a varied corpus with planted errors (bench/corpus.py) instead of plain copies")
    ap.add_argument("--cache", action="store_true",
                    help="jsonl only: run once more with --cache after changing one document, and time it")
    ap.add_argument("--lines", type=int, help="with --corpus: keep only the first N lines of each document")
    ap.add_argument("--dask", action="store_true",
                    help="jsonl only: also run on a local Dask cluster of the last --jobs workers (budgetlint[dask])")
    args = ap.parse_args()
    sizes = args.copies or [500]
    cli = args.cli or args.format not in ("json", "jsonl")
    jobs_list = args.jobs or [1, 2]
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  format: {args.format}"
          f"{' (CLI, written from the on-disk store)' if cli and args.format != 'jsonl' else ''}  "
          f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
          f"corpus: {'generated (bench/corpus.py)' if args.corpus else 'seed copies'}"
          f"{f', first {args.lines} lines of each' if args.lines else ''}")
    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-") as tmp:
        os.environ["BUDGETLINT_CACHE_DIR"] = str(Path(tmp) / "cache")
        for n in sizes:
            if args.corpus:
                sys.path.insert(0, str(Path(__file__).resolve().parent))
                from corpus import generate

                folder = Path(tmp) / f"corpus-{n}"
                generate(folder, n, max_lines=args.lines)
            else:
                folder = make_batch(Path(tmp), n)
            base = None
            for jobs in jobs_list:
                secs, parent, workers, found = run(folder, jobs, args.format, cli=cli)
                rate = n / secs
                base = base or rate
                print(f"docs={n:5d} jobs={jobs}  {secs:7.2f}s  {rate:7.1f} docs/s  speed-up {rate / base:4.2f}×  "
                      f"peak RSS parent {parent / 1024:6.1f} MiB, workers {workers / 1024:6.1f} MiB  "
                      f"findings {found}")
            r1 = Path(tmp) / f"report-{folder.name}-j{jobs_list[0]}.{args.format}"
            same = all(_same(Path(tmp) / f"report-{folder.name}-j{j}.{args.format}", r1) for j in jobs_list)
            print(f"docs={n:5d} reports identical across job counts: {same}")
            if args.dask and args.format == "jsonl":
                jobs = jobs_list[-1]
                secs, parent, workers, found = run(folder, jobs, "jsonl", dask=True)
                same = (Path(tmp) / f"report-{folder.name}-dask{jobs}.jsonl").read_bytes() == r1.read_bytes()
                print(f"docs={n:5d} dask {jobs} local workers  {secs:7.2f}s  {n / secs:7.1f} docs/s  "
                      f"vs --jobs {jobs}: {(n / secs) / rate:4.2f}×  peak RSS parent {parent / 1024:6.1f} MiB  "
                      f"findings {found}  same report: {same}")
            if args.cache and args.format == "jsonl":
                jobs = jobs_list[-1]
                secs, parent, _, found = run(folder, jobs, "jsonl", cache=True)
                print(f"docs={n:5d} --cache, cold:               {secs:7.2f}s  parent {parent / 1024:6.1f} MiB")
                one = next(p for p in sorted(folder.rglob("*.txt")))
                one.write_text(one.read_text(encoding="utf-8") + "\n", encoding="utf-8")
                secs, parent, _, found2 = run(folder, jobs, "jsonl", cache=True)
                print(f"docs={n:5d} --cache, one document changed: {secs:7.2f}s  parent {parent / 1024:6.1f} MiB  "
                      f"findings {found2} (was {found})")


def _same(a: Path, b: Path) -> bool:
    """Byte-equal files, compared in chunks (a 10,000-document report is large); an XLSX by its zip members."""
    if a.suffix == ".xlsx":
        import zipfile

        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            names = sorted(za.namelist())
            return names == sorted(zb.namelist()) and all(
                za.read(n) == zb.read(n) for n in names if not n.startswith("docProps/"))
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


if __name__ == "__main__":
    main()
