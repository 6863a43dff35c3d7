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


def test_bounded_distance_on_random_titles_of_few_characters() -> None:
    """Titles drawn from a dozen characters: many share every character yet
    are far apart, many differ in a few characters — the character-set
    shortcut must never call two titles far apart that are not."""
    import random

    rng = random.Random(16)
    alphabet = "收入支出决算表总财政拨款一般"
    for _ in range(6000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        b = "".join(rng.choice(alphabet[:rng.randint(1, len(alphabet))]) for _ in range(rng.randint(0, 10)))
        true = _levenshtein(a, b)
        for limit in (0, 1, 2, 3):
            assert _distance(a, b, limit) == (true if true <= limit else limit + 1), (a, b, limit)
