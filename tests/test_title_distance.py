"""The fuzzy title match stops comparing once two titles are further apart
than the limit (``final_accounts._distance``); below the limit it must be the
true edit distance, above it exactly ``limit + 1``."""
from __future__ import annotations

from itertools import islice

from budgetlint.plugins.recognizers.final_accounts import _distance, config


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_bounded_distance_between_the_vocabulary_titles_and_their_misprints() -> None:
    names = [name for name, _ in config()["_names"]]
    assert len(names) > 10
    probes = names + [n[:-2] + "决表" for n in names] + [n.replace("支出", "支") for n in names]
    for a in probes:
        for b in islice(names, 40):
            true = _levenshtein(a, b)
            for limit in (0, 1, 2, 3):
                assert _distance(a, b, limit) == (true if true <= limit else limit + 1), (a, b, limit)
