#!/usr/bin/env python3
"""A longer fuzz campaign than ``make test`` runs: malformed variants of the
real samples and hostile inputs of every class issue 16 names (spans, far
cells, lying zip members, long lines, damaged encodings and PDFs, hostile
rule packs), checked end to end, each in a worker with the per-document
budget, counted per input family.

    .venv/bin/python scripts/fuzz_campaign.py --per-family 800 --jobs 2

Prints, per family: tried / read / one-line error / over budget / internal
error / traceback / worker died, then the slowest inputs; exits 1 when any
input ended in an internal error, a traceback or a dead worker (the
campaign's goal is 0 of each; a hang shows as over budget when the time
budget ends it, or as a dead worker when native code ignored the signal and
the watchdog ended the process).  A dead worker does not stop the campaign:
the inputs it held are rerun one by one to name the culprit.
``--keep DIR`` saves every input that did not end cleanly, to rebuild it in
a regression test.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SEEDS = {
    "text": SAMPLES / "004_4b65da696dc0427c.txt",
    "html": SAMPLES / "000_report_2020.html",
    "docx": SAMPLES / "002_final_accounts_2024.docx",
    "xlsx": SAMPLES / "004_scorecards_2020.xlsx",
    "pdf": SAMPLES / "004_4b65da696dc0427c.pdf",
}
#: family → what it builds (byte mutants of a seed, or one attack class)
FAMILIES = {
    "text": "byte flips, cuts and hostile splices of a text report",
    "html": "the same for an HTML report",
    "docx": "the same for a DOCX, or one damaged/dropped/hostile-XML member",
    "xlsx": "the same for an XLSX",
    "pdf": "the same for a PDF",
    "encoding": "the text report in GB18030/UTF-16 (odd lengths, no BOM), mixed or with stray bytes",
    "long-line": "a line of up to 3 MB of a regex-hostile piece in text/Markdown/HTML",
    "html-attack": "huge/negative spans, 5000-deep nesting, 3000 columns, non-text charsets",
    "docx-attack": "numbering from 10^5000 in roman, gridSpan 10^12, deep XML, big bodies",
    "xlsx-attack": "whole-sheet merges, far cells, 1e308 and 5000-digit numbers, formulas without values, zip 7.2",
    "zip-attack": "members lying about their size, 300 MB of padding, 20,000 members",
    "pdf-attack": "broken xref, cut streams, up to 800 generated pages, 100,000 characters on a page",
    "pack": "alias bombs, deep YAML, hostile formulas/messages/years/globs/extends, mutated real rules",
}

_CHECKER = None


def _init(seconds: float, memory: int) -> None:
    global _CHECKER
    os.environ["BUDGETLINT_MAX_SECONDS"] = str(seconds)
    os.environ["BUDGETLINT_MAX_MEMORY_MB"] = str(memory)
    from budgetlint.core.batch import _worker_limits
    from budgetlint.core.engine import Checker

    _worker_limits({}, os.getppid())
    _CHECKER = Checker()
    _CHECKER.validate_rules()


def build(family: str, rng: random.Random) -> tuple[str, bytes] | dict[str, bytes]:
    """One input of ``family``: (suffix, bytes), or a pack folder's files."""
    from budgetlint.core import fuzzing as fz

    if family in ("text", "html", "docx", "xlsx", "pdf"):
        return SEEDS[family].suffix, fz.mutants(_seed(family), SEEDS[family].suffix, rng)
    text = _seed("text").decode("utf-8")
    if family == "encoding":
        return fz.attack_encoding(rng, text)
    if family == "long-line":
        return fz.attack_long_line(rng, text)
    if family == "html-attack":
        return fz.attack_html(rng, text)
    if family == "docx-attack":
        return fz.attack_docx(rng, text)
    if family == "xlsx-attack":
        return fz.attack_xlsx(rng, _seed("xlsx"))
    if family == "zip-attack":
        suffix = rng.choice([".docx", ".xlsx"])
        return fz.attack_zip(rng, _seed("docx" if suffix == ".docx" else "xlsx"), suffix)
    if family == "pdf-attack":
        return fz.attack_pdf(rng, _seed("pdf"))
    return fz.hostile_pack(rng, _rule_sources())


@lru_cache(maxsize=None)
def _seed(family: str) -> bytes:
    """A seed's bytes, read once per worker (not once per input)."""
    return SEEDS[family].read_bytes()


@lru_cache(maxsize=1)
def _rule_sources() -> list[bytes]:
    """Forty real national rule files, the pack family's mutation seeds."""
    rules = sorted((REPO / "rules" / "national").glob("*.yaml"))
    return [p.read_bytes() for p in rules if not p.name.endswith(".test.yaml") and p.name != "pack.yaml"][:40]


def _pack_outcome(folder: Path) -> str:
    """Load the pack and, when it loads, check a seed with it: a pack error
    must be one line naming a file of the pack."""
    from budgetlint.core.batch import check_path
    from budgetlint.core.engine import Checker
    from budgetlint.core.errors import RulePackError
    from budgetlint.core.fuzzing import classify

    checker = Checker(rules=str(folder), host=_CHECKER.host)
    try:
        checker.validate_rules()
    except RulePackError as exc:
        lines = str(exc).splitlines()
        # one line, or a count line and then one line per error, each naming its file:line
        ok = lines and "Traceback" not in str(exc) and (len(lines) == 1 or all(str(folder) in ln for ln in lines[1:]))
        return "one-line error" if ok else "traceback"
    result = check_path(checker, str(SAMPLES / "000_50578c8a95755eda.txt"))
    if "fatal" in result and issubclass(result["fatal"][0], RulePackError):
        return "one-line error" if "\n" not in result["fatal"][1] else "traceback"
    return classify(result)


def _one(job: tuple[str, int, str]) -> tuple[str, int, str, float]:
    from budgetlint.core.batch import check_path
    from budgetlint.core.fuzzing import classify, run_one

    family, n, folder = job
    made = build(family, random.Random(n))
    started = time.monotonic()
    if isinstance(made, dict):
        pack = Path(folder) / f"pack-{n}"
        pack.mkdir()
        for name, data in made.items():
            (pack / name).write_bytes(data)
        try:
            outcome = _pack_outcome(pack)
        except Exception as exc:  # noqa: BLE001 - that is what is being measured
            outcome = classify(exc)
        finally:
            shutil.rmtree(pack, ignore_errors=True)
        return family, n, outcome, time.monotonic() - started
    suffix, data = made
    path = Path(folder) / f"{family}-{n}{suffix}"
    path.write_bytes(data)
    try:
        return family, n, run_one(lambda p: check_path(_CHECKER, p), path), time.monotonic() - started
    finally:
        path.unlink()


#: outcomes that fail the campaign (a worker that died is a crash, or a hang its watchdog ended)
BAD = ("internal error", "traceback", "worker died")


def _isolated(job: tuple[str, int, str], args: argparse.Namespace) -> tuple[str, int, str, float]:
    """Run one job in a process of its own: its outcome, or "worker died"
    when the process ends abnormally (a crash in native code, or the
    watchdog ending a hang)."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    queue = ctx.SimpleQueue()

    def target() -> None:
        _init(args.seconds, args.memory)
        queue.put(_one(job))

    started = time.monotonic()
    proc = ctx.Process(target=target)
    proc.start()
    proc.join()
    if proc.exitcode == 0 and not queue.empty():
        return queue.get()
    print(f"worker died: {job[0]} --seed {job[1]} (exit code {proc.exitcode})", file=sys.stderr)
    return job[0], job[1], "worker died", time.monotonic() - started


def _run_all(jobs: list[tuple[str, int, str]], args: argparse.Namespace):
    """Every job's (family, seed, outcome, seconds), in any order.  A worker
    that dies breaks the pool: the jobs it held are rerun one by one in
    processes of their own to name the culprit, and the campaign goes on."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    todo = list(reversed(jobs))
    while todo:
        pool = ProcessPoolExecutor(max_workers=args.jobs, initializer=_init, initargs=(args.seconds, args.memory))
        inflight: dict = {}
        broken = False
        try:
            while (todo or inflight) and not broken:
                while todo and len(inflight) < 4 * args.jobs:
                    job = todo.pop()
                    inflight[pool.submit(_one, job)] = job
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        yield _isolated(job, args)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if broken:
            for job in inflight.values():
                yield _isolated(job, args)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-family", type=int, default=200, help="inputs per family (default 200)")
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated subset of " + ", ".join(FAMILIES))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seconds", type=float, default=15.0, help="time budget per document (default 15)")
    ap.add_argument("--memory", type=int, default=2048, help="memory budget per document, MiB (default 2048)")
    ap.add_argument("--seed", type=int, default=0, help="first random seed (inputs are reproducible)")
    ap.add_argument("--keep", type=Path, help="save inputs that did not end cleanly here")
    args = ap.parse_args(argv)
    from budgetlint.core.fuzzing import OUTCOMES

    outcomes = (*OUTCOMES, "worker died")

    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        ap.error(f"unknown family {unknown[0]!r}: use " + ", ".join(FAMILIES))
    counts: dict[str, Counter[str]] = {f: Counter() for f in families}
    slowest: list[tuple[float, str, int, str]] = []
    bad: list[tuple[str, int, str]] = []
    begun = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="budgetlint-fuzz-") as folder:
        # the hostile packs would each leave a compiled pack in the user's cache
        os.environ["BUDGETLINT_CACHE_DIR"] = str(Path(folder) / "cache")
        jobs = [(f, args.seed + i, folder) for i in range(args.per_family) for f in families]
        for family, n, outcome, took in _run_all(jobs, args):
            counts[family][outcome] += 1
            slowest = sorted(slowest + [(took, family, n, outcome)], reverse=True)[:5]
            if outcome in BAD:
                bad.append((family, n, outcome))
    head = f"{'family':<12}{'tried':>7}" + "".join(f"{o:>16}" for o in outcomes)
    print(head)
    total: Counter[str] = Counter()
    for f in families:
        c = counts[f]
        total.update(c)
        print(f"{f:<12}{sum(c.values()):>7}" + "".join(f"{c.get(o, 0):>16}" for o in outcomes))
    print(f"{'all':<12}{sum(total.values()):>7}" + "".join(f"{total.get(o, 0):>16}" for o in outcomes))
    print(f"\n{time.monotonic() - begun:.0f} s wall, {args.jobs} jobs; slowest inputs (family, seed, outcome):")
    for took, family, n, outcome in slowest:
        print(f"  {took:6.1f} s  {family} --seed {n}  {outcome}")
    for family, n, outcome in bad:
        print(f"BAD  {family} seed {n}: {outcome}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            made = build(family, random.Random(n))
            if not isinstance(made, dict):
                (args.keep / f"{family}-{n}{made[0]}").write_bytes(made[1])
    return 1 if any(total.get(o) for o in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
