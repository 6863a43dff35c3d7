"""Pages per second of the PDF loader on the real published PDFs.

Run: ``.venv/bin/python bench/pdf.py [FILE.pdf …] [--repeat N]``.  Measures
the loader alone (text, rulings, grids, blocks) and loader + recognizers,
best of N runs per file.  Target: ≥ 50 pages/s for ruled-table PDFs on a
2-core machine.  Not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = sorted((REPO.parent / "shared" / "real-pdfs").glob("shanghai-*.pdf"))  # read in place, never copied


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    from budgetlint.core.loading import load_document
    from budgetlint.core.testing import make_host
    from budgetlint.plugins.loaders.pdf import load_pdf

    host = make_host()
    total_pages = 0
    total_best = 0.0
    print(f"{'file':58} {'pages':>5} {'tables':>6} {'loader ms':>10} {'pages/s':>8} {'+recog ms':>10}")
    for path in args.files:
        data = path.read_bytes()
        best = float("inf")
        doc = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            doc = load_pdf(data, str(path), {})
            best = min(best, time.perf_counter() - t0)
        full = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            load_document(path, host)
            full = min(full, time.perf_counter() - t0)
        pages = doc["source"]["pages"]
        tables = sum(1 for b in doc["blocks"] if b["type"] == "table")
        total_pages += pages
        total_best += best
        print(f"{path.name[:58]:58} {pages:5d} {tables:6d} {best * 1000:10.1f} {pages / best:8.1f} {full * 1000:10.1f}")
    if total_best:
        print(f"{'all':58} {total_pages:5d} {'':6} {total_best * 1000:10.1f} {total_pages / total_best:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
