"""Scaling benchmark: does a document's check time grow linearly with its size?

A province's 800-page PDF or a bureau's bundle of many reports is one
document of many parts.  Work that belongs to one part (or one block) but
scans the whole document for every part grows as parts × size: 20 copies of
a 50 KB report took 30× the time of one, and 150 copies ran past the
per-document budget.  This script builds k× concatenations of each text seed
(samples/00N_*.txt, k = 1, 4, 16 by default) in a temporary folder, checks
each with one warm ``Checker`` (all rules, as ``budgetlint check`` does) and
prints the CPU time per document and the ratio time(k×) / (k · time(1×)):
1.0 is linear, the goal is ≤ 1.5 at 16×.  With pypdfium2 it also builds a
PDF from ``--pdf-copies`` copies of the pages of samples/004_*.pdf.

    .venv/bin/python bench/scaling.py                  # 5 text seeds × (1, 4, 16) + PDF 004 × 8
    .venv/bin/python bench/scaling.py -k 1 -k 8 --no-pdf samples/004_4b65da696dc0427c.txt
    .venv/bin/python bench/scaling.py -k 1 -k 150 --no-pdf samples/004_4b65da696dc0427c.txt   # the 7 MB file

Measured here, never asserted in tests (the machine is shared); the test that
guards linearity counts work instead of time (tests/test_scaling.py).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def concatenate_text(src: Path, k: int, folder: Path) -> Path:
    out = folder / f"{src.stem}.x{k}{src.suffix}"
    data = src.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    out.write_bytes(data * k)
    return out


def concatenate_pdf(src: Path, k: int, folder: Path) -> Path:
    import pypdfium2 as pdfium

    out = folder / f"{src.stem}.x{k}.pdf"
    source = pdfium.PdfDocument(str(src))
    dst = pdfium.PdfDocument.new()
    for _ in range(k):
        dst.import_pages(source)
    dst.save(str(out))
    dst.close()
    source.close()
    return out


def cpu_of(checker: object, path: Path, rounds: int) -> tuple[float, int]:
    """Best CPU time of ``rounds`` checks of ``path`` and its finding count.
    A document that could not be checked (over a loader limit, e.g. PDFs of
    more than 800 pages) is an error, not a fast zero."""
    best, findings = float("inf"), 0
    for _ in range(rounds):
        t = time.process_time()
        result = checker.check_file(str(path))  # type: ignore[attr-defined]
        best = min(best, time.process_time() - t)
        findings = len(result.get("findings", []))
        if result["document"].get("status") == "error" and not result.get("evaluations"):
            raise SystemExit(f"not checked: {result['document'].get('error')}")
    return best, findings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seeds", nargs="*", type=Path, help="text seeds (default samples/00[0-4]_*.txt)")
    ap.add_argument("-k", "--copies", type=int, action="append", help="copy counts (default 1, 4, 16)")
    ap.add_argument("--pdf", type=Path, default=None, help="PDF to repeat (default samples/004_*.pdf)")
    ap.add_argument("--pdf-copies", type=int, default=8, help="copies of the PDF's pages (default 8)")
    ap.add_argument("--no-pdf", action="store_true", help="text seeds only")
    ap.add_argument("--rounds", type=int, default=2, help="rounds for documents under 1 MB; best is kept")
    args = ap.parse_args(argv)
    ks = sorted(set(args.copies or [1, 4, 16]))
    if 1 not in ks:
        ks.insert(0, 1)
    seeds = args.seeds or sorted(REPO.glob("samples/00[0-4]_*.txt"))

    from budgetlint.core.engine import Checker

    checker = Checker()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at start: {load:.2f}; CPU seconds per document (best of {args.rounds} under 1 MB)")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="budgetlint-scaling-") as tmp:
        folder = Path(tmp)
        checker.check_file(str(seeds[0]))  # warm: imports, packs
        jobs: list[tuple[str, list[tuple[int, Path]]]] = []
        for seed in seeds:
            jobs.append((seed.name, [(k, concatenate_text(seed, k, folder)) for k in ks]))
        if not args.no_pdf:
            try:
                pdf = args.pdf or next(iter(sorted(REPO.glob("samples/004_*.pdf"))))
                jobs.append((pdf.name, [(1, pdf), (args.pdf_copies, concatenate_pdf(pdf, args.pdf_copies, folder))]))
            except ImportError as exc:
                print(f"PDF skipped: {exc}", file=sys.stderr)
        header = f"{'document':38} {'copies':>6} {'size':>9} {'findings':>8} {'CPU s':>8} {'t/(k·t1)':>9}"
        print(header)
        print("-" * len(header))
        for name, variants in jobs:
            base = None
            for k, path in variants:
                size = path.stat().st_size
                cpu, findings = cpu_of(checker, path, args.rounds if size < 1_000_000 else 1)
                if base is None:
                    base = cpu
                ratio = cpu / (k * base) if base else float("nan")
                if k > 1:
                    worst = max(worst, ratio)
                print(f"{name[:38]:38} {k:>6} {size / 1e6:>7.2f}MB {findings:>8} {cpu:>8.2f} {ratio:>9.2f}")
    load_end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"worst ratio {worst:.2f} (goal ≤ 1.5); load average at end: {load_end:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
