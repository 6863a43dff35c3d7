"""Parse benchmark: every supported file in samples/ , tests/fixtures/pdf/ and ../shared/real-pdfs/
(or the given paths), N rounds, documents per second and MB/s per format and
overall, and pages per second for paged formats (PDF).

    .venv/bin/python bench/parse.py                 # samples/ + PDF fixtures, 5 rounds, with recognizers
    .venv/bin/python bench/parse.py -n 20 --no-recognize samples/ other/

Speed is measured here, never asserted in tests (the machine is shared).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=[str(REPO / "samples"), str(REPO / "tests" / "fixtures" / "pdf"), str(REPO.parent / "shared" / "real-pdfs")])
    ap.add_argument("-n", "--rounds", type=int, default=5, help="rounds over all files (default 5)")
    ap.add_argument("--no-recognize", action="store_true", help="time the loaders only")
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds first (imports, caches)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from budgetlint.core.engine import walk
    from budgetlint.core.errors import BudgetlintError
    from budgetlint.core.loading import load_document
    from budgetlint.core.testing import make_host

    host = make_host()
    files, missing = walk(args.paths, host.registry.supported_extensions())
    for m in missing:
        print(f"missing: {m}", file=sys.stderr)
    startup = time.perf_counter() - t0
    if not files:
        print("no supported files found", file=sys.stderr)
        return 2

    fmt_of: dict[str, str] = {}
    pages_of: dict[str, int] = {}
    sizes = {f: Path(f).stat().st_size for f in files}
    failed: dict[str, str] = {}
    for _ in range(max(args.warmup, 1)):
        for f in files:
            try:
                doc = load_document(f, host, recognize=not args.no_recognize)
                fmt_of[f] = doc["source"]["format"]
                if doc["source"].get("pages"):
                    pages_of[f] = int(doc["source"]["pages"])
            except BudgetlintError as exc:
                failed[f] = str(exc)
    ok = [f for f in files if f not in failed]
    for f, why in failed.items():
        print(f"skipped (unreadable): {why}", file=sys.stderr)

    per_file: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for f in ok:
            t = time.perf_counter()
            load_document(f, host, recognize=not args.no_recognize)
            per_file[f].append(time.perf_counter() - t)

    groups: dict[str, list[str]] = defaultdict(list)
    for f in ok:
        groups[fmt_of[f]].append(f)
    what = "load only" if args.no_recognize else "load + recognizers"
    print(f"budgetlint parse benchmark — {len(ok)} file(s), {args.rounds} round(s), {what}; "
          f"startup {startup:.2f}s")
    print(f"{'format':<10} {'files':>5} {'MB':>8} {'docs/s':>9} {'MB/s':>8} {'median ms/doc':>14}"
          f" {'pages':>6} {'pages/s':>8}")
    rows = [(fmt, fs) for fmt, fs in sorted(groups.items())] + [("overall", ok)]
    for fmt, fs in rows:
        total_time = sum(sum(per_file[f]) for f in fs)
        docs = len(fs) * args.rounds
        mb = sum(sizes[f] for f in fs) / 1e6
        med = statistics.median(t for f in fs for t in per_file[f]) * 1000
        paged = [f for f in fs if f in pages_of]
        pages = sum(pages_of[f] for f in paged)
        page_time = sum(sum(per_file[f]) for f in paged)
        page_cols = f" {pages:>6} {pages * args.rounds / page_time:>8.1f}" if paged else f" {'':>6} {'':>8}"
        print(f"{fmt:<10} {len(fs):>5} {mb:>8.3f} {docs / total_time:>9.1f} {mb * args.rounds / total_time:>8.2f}"
              f" {med:>14.1f}{page_cols}")
    if pages_of:
        print("pages/s counts only the paged files (PDF) of the row")
    slowest = max(ok, key=lambda f: statistics.median(per_file[f]))
    print(f"slowest: {Path(slowest).name} ({statistics.median(per_file[slowest]) * 1000:.0f} ms median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
