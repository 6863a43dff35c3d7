#!/usr/bin/env python3
"""A longer fuzz campaign than ``make test`` runs: malformed variants of the
real samples (byte flips, truncations, hostile splices, damaged or replaced
zip members) checked end to end, each in a worker with the per-document
budget, counted per input family.

    .venv/bin/python scripts/fuzz_campaign.py --per-family 2000 --jobs 2

Prints, per family: tried / read / one-line error / over budget / internal
error / traceback, and exits 1 when any input ended in an internal error or
a traceback (the campaign's goal is 0 of both, and 0 hangs: a hang shows as
over budget, since the worker's watchdog ends it).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAMILIES = {
    "text": REPO / "samples" / "004_4b65da696dc0427c.txt",
    "html": REPO / "samples" / "000_report_2020.html",
    "docx": REPO / "samples" / "002_final_accounts_2024.docx",
    "xlsx": REPO / "samples" / "004_scorecards_2020.xlsx",
    "pdf": REPO / "samples" / "004_4b65da696dc0427c.pdf",
}

_CHECKER = None


def _init(seconds: float) -> None:
    global _CHECKER
    os.environ["BUDGETLINT_MAX_SECONDS"] = str(seconds)
    from budgetlint.core.batch import _worker_limits
    from budgetlint.core.engine import Checker

    _worker_limits({}, os.getppid())
    _CHECKER = Checker()


def _one(job: tuple[str, str, int, str]) -> tuple[str, str]:
    from budgetlint.core.batch import check_path
    from budgetlint.core.fuzzing import mutants, run_one

    family, seed_path, n, folder = job
    seed = Path(seed_path)
    path = Path(folder) / f"{family}-{n}{seed.suffix}"
    path.write_bytes(mutants(seed.read_bytes(), seed.suffix, random.Random(n)))
    try:
        return family, run_one(lambda p: check_path(_CHECKER, p), path)
    finally:
        path.unlink()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-family", type=int, default=200, help="inputs per family (default 200)")
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated subset of " + ", ".join(FAMILIES))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seconds", type=float, default=15.0, help="time budget per document (default 15)")
    ap.add_argument("--seed", type=int, default=0, help="first random seed (inputs are reproducible)")
    args = ap.parse_args(argv)
    from budgetlint.core.fuzzing import OUTCOMES

    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        ap.error(f"unknown family {unknown[0]!r}")
    counts: dict[str, Counter[str]] = {f: Counter() for f in families}
    with tempfile.TemporaryDirectory(prefix="budgetlint-fuzz-") as folder:
        jobs = [(f, str(FAMILIES[f]), args.seed + i, folder) for f in families for i in range(args.per_family)]
        with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init, initargs=(args.seconds,)) as pool:
            for family, outcome in pool.map(_one, jobs, chunksize=4):
                counts[family][outcome] += 1
    head = f"{'family':<8}{'tried':>8}" + "".join(f"{o:>16}" for o in OUTCOMES)
    print(head)
    total: Counter[str] = Counter()
    for f in families:
        c = counts[f]
        total.update(c)
        print(f"{f:<8}{sum(c.values()):>8}" + "".join(f"{c.get(o, 0):>16}" for o in OUTCOMES))
    print(f"{'all':<8}{sum(total.values()):>8}" + "".join(f"{total.get(o, 0):>16}" for o in OUTCOMES))
    return 1 if total.get("internal error") or total.get("traceback") else 0


if __name__ == "__main__":
    sys.exit(main())
