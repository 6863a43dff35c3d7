"""A document's check time grows linearly with its size (issue 16/14).

A province's 800-page PDF or a bureau's bundle is one document of many parts;
a check that scans the whole document for each part (or each statement, each
cell) grows as parts × size, and 150 pasted copies of one report ran past the
per-document budget.  Time is never asserted here (the machine is shared;
bench/scaling.py measures it).  Instead the whole check — loader, recognizers,
every rule — runs under cProfile on 2 and on 8 copies of real reports, and no
function (Python or built-in, such as ``dict.get`` inside a comprehension
that scans a list) may be called more than 1.5 × 4 times as often on the
larger one: counts are deterministic, and a scan per part makes the count of
that scan's calls grow 16-fold.  Two copies, not one, are the base: the
second copy adds work that a single report never has and that stays linear
(twin findings get an ordinal in their fingerprint).
"""
from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: a 部门决算 with 情况说明, 自评报告 and scorecards (tab rows), and a DOCX export with one cell per line
SEEDS = ("004_4b65da696dc0427c.txt", "001_2380c398e9c55637.txt")
BASE, BIG = 2, 8
ALLOWED = 1.5 * BIG / BASE
#: calls fewer than this on the larger document are noise, not a scan
MIN_CALLS = 400

#: Work that grows with the square of the copies *by design*, because the
#: report itself does: ``fa_text.facts_agree`` compares a fact with every
#: statement of it in the parts of the same year (its evaluation counts
#: parts − 1 comparisons per part).  Calls made from these functions are left
#: out of the counts; the document is still read once (``DocumentIndex.memo``).
BY_DESIGN = {("fa_text_facts.py", name) for name in ("_judge", "agree", "_tol", "_half", "_copy", "<genexpr>")}
#: Linear, but not in proportion to the copies: identical copies make twin
#: findings, and ``make_unique`` hashes again the (k − 1)/k of them that are
#: twins (1/2 of the findings on 2 copies, 7/8 on 8).
BY_DESIGN |= {("findings.py", "make_unique")}


Func = tuple[str, int, str]


def _calls(checker, path: Path) -> dict[tuple[Func, Func | None], int]:
    """Calls during one check per function (key ``(function, None)``) and per
    caller → function edge, without the calls made from :data:`BY_DESIGN`
    functions.  The edges find a scan that the totals dilute: ``dict.get``
    called from one comprehension 16 times as often, among millions of
    linear calls from elsewhere."""
    profile = cProfile.Profile()
    profile.enable()
    result = checker.check_file(str(path))
    profile.disable()
    assert result["document"]["status"] == "checked", result["document"]
    out: dict[tuple[Func, Func | None], int] = {}
    for func, (_cc, ncalls, _tt, _ct, callers) in pstats.Stats(profile).stats.items():
        if _by_design(func):
            continue
        for caller, (_ccc, n, *_rest) in callers.items():
            if _by_design(caller):
                ncalls -= n
            else:
                out[(func, caller)] = n
        out[(func, None)] = ncalls
    return out


def _by_design(func: Func) -> bool:
    return (Path(func[0]).name, func[2]) in BY_DESIGN


def _name(func: Func) -> str:
    return f"{Path(func[0]).name}:{func[1]}({func[2]})"


@pytest.fixture(scope="module")
def counts(tmp_path_factory) -> tuple[dict, dict]:
    from budgetlint.core.engine import Checker

    unit = b"".join((REPO / "samples" / name).read_bytes().rstrip(b"\n") + b"\n" for name in SEEDS)
    folder = tmp_path_factory.mktemp("scaling")
    small, big = folder / f"x{BASE}.txt", folder / f"x{BIG}.txt"
    small.write_bytes(unit * BASE)
    big.write_bytes(unit * BIG)
    checker = Checker()
    checker.check_file(str(small))  # warm: imports, packs, vocabularies
    return _calls(checker, small), _calls(checker, big)


def test_no_function_is_called_more_than_linearly(counts):
    small, big = counts
    worse = sorted(((n / max(small.get(f, 0), 1), f, small.get(f, 0), n) for f, n in big.items()
                    if n >= MIN_CALLS and n > ALLOWED * max(small.get(f, 0), 1)), reverse=True)
    assert not worse, (f"called more than {ALLOWED:.0f}× as often on {BIG} copies as on {BASE} (a scan of the "
                       "whole document per part, statement or cell? use ctx.index — core/document.py DocumentIndex):\n"
                       + "\n".join(f"  {r:.1f}×  {a} → {b}  {_name(f)}" + (f" from {_name(c)}" if c else "")
                                    for r, (f, c), a, b in worse[:15]))


def test_the_counts_see_the_whole_check(counts):
    """The measure covers the loader, the recognizers and the rules, and the
    larger document really is four times the work."""
    small, big = counts
    names = {(Path(f[0]).name, f[2]) for f, caller in big if caller is None}
    assert {("text.py", "load_text"), ("loading.py", "run_recognizers"), ("engine.py", "_run_rule")} <= names
    rules = next(n for (f, c), n in big.items() if f[2] == "_run_rule" and c is None)
    assert rules == BIG / BASE * next(n for (f, c), n in small.items() if f[2] == "_run_rule" and c is None)
    total = [sum(n for (f, c), n in counts.items() if c is None) for counts in (small, big)]
    assert total[1] >= 3.5 * total[0]
