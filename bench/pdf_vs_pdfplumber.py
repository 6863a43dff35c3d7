"""budgetlint vs pdfplumber on the real Shanghai PDFs (a script, not a test).

Times, in one run and alternating round by round, two fresh processes:

* ``budgetlint check A.pdf B.pdf C.pdf --jobs 1`` — load, recognize and run
  every rule of the picked packs, then write the text report;
* pdfplumber extracting, for every page of the same files, the text
  (``page.extract_text()``) and the tables with the lines strategy
  (``page.extract_tables({"vertical_strategy": "lines",
  "horizontal_strategy": "lines"})``) — only the parse step of a competing
  tool, nothing checked.

CPU time (user + system of the child, ``os.wait4``) is compared, so a busy
machine slows both alike; the compiled-pack cache and byte code are warmed by
one untimed round first.  pdfplumber is installed only for this script
(``pip install -e ".[bench]"``); budgetlint never imports it.  The PDFs are
read in place from ``../shared/real-pdfs`` (third-party files, never copied).

    .venv/bin/python bench/pdf_vs_pdfplumber.py              # goal: ratio ≤ 0.1
    .venv/bin/python bench/pdf_vs_pdfplumber.py --rounds 5 --profile
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "real-pdfs"

_PLUMBER = """
import sys
import pdfplumber
settings = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
pages = tables = chars = 0
for path in sys.argv[1:]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars += len(page.extract_text() or "")
            tables += len(page.extract_tables(settings))
            pages += 1
            page.close()
print(pages, tables, chars)
"""

_PROFILE = """
import cProfile, pstats, sys
from budgetlint.core.batch import run_batch
from budgetlint.core.engine import Checker
checker = Checker()
checker.validate_rules()
cProfile.run("run_batch(checker, sys.argv[1:], jobs=1, progress=False)", "/tmp/budgetlint-pdf.prof")
stats = pstats.Stats("/tmp/budgetlint-pdf.prof")
stats.sort_stats("cumulative").print_stats(r"budgetlint|pdfium", 35)
"""


def cpu_of(cmd: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if code not in (0, 1):
        sys.exit(f"{' '.join(cmd[:3])}… failed ({code}): {err.strip()[-500:]}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="also print where budgetlint's time goes")
    args = ap.parse_args()
    files = args.files or sorted(SHARED.glob("shanghai-*.pdf"))
    if not files:
        sys.exit(f"no PDFs: {SHARED} is absent (it holds the real Shanghai PDFs, read in place)")
    try:
        import pdfplumber  # noqa: F401
    except ImportError:
        sys.exit('pdfplumber is not installed: pip install -e ".[bench]"')

    exe = str(Path(sys.executable).with_name("budgetlint"))
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed wheel has its byte code
    paths = [str(f) for f in files]
    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-cache-") as tmp:
        env["BUDGETLINT_CACHE_DIR"] = tmp
        ours = [exe, "check", "--jobs", "1", "--no-progress", *paths]
        theirs = [sys.executable, "-c", _PLUMBER, *paths]
        cpu_of(ours, env), cpu_of(theirs, env)  # warm-up
        b_times, p_times = [], []
        for _ in range(args.rounds):
            b_times.append(cpu_of(ours, env))
            p_times.append(cpu_of(theirs, env))
        out = subprocess.run(theirs, capture_output=True, text=True, env=env).stdout.split()
        if args.profile:
            subprocess.run([sys.executable, "-c", _PROFILE, *paths], env=env)
    b, p = statistics.median(b_times), statistics.median(p_times)
    print(f"files: {', '.join(f.name for f in files)}  ({out[0]} pages, pdfplumber found {out[1]} tables)")
    print(f"rounds: {args.rounds} alternating, median CPU seconds of a fresh process")
    print(f"budgetlint check (all rules, one process) {b:7.2f} s  (min {min(b_times):.2f})")
    print(f"pdfplumber text + tables (lines)          {p:7.2f} s  (min {min(p_times):.2f})")
    print(f"ratio budgetlint / pdfplumber: {b / p:.3f}  (goal ≤ 0.1)")


if __name__ == "__main__":
    main()
