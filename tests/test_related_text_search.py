"""related.text_change finds “<subject>为<amount>” with a string search
(``_after_amount``) instead of a regular expression built per statement; it
must find exactly what that expression found."""
from __future__ import annotations

import random
import re

from budgetlint.plugins.checks.related_text import _after_amount


def _regex(sentence: str, subject: str, amount: str) -> int | None:
    m = re.search(re.escape(subject) + r"[为是：:]?\s*" + re.escape(amount), sentence)
    return m.end() if m else None


def test_after_amount_matches_the_regular_expression() -> None:
    rng = random.Random(14)
    pieces = ["一般公共预算", "财政拨款", "支出", "为", "是", "：", ":", " ", "\u3000", "\t", "1", "2",
              "万元", ".", "12.5万元", "比上年", "。"]
    cases = [("2024年一般公共预算财政拨款支出为 12.5万元，比上年增加", "财政拨款支出", "12.5万元"),
             ("财政拨款支出：:12.5万元", "财政拨款支出", ":12.5万元"),
             ("支出为为12.5万元", "支出", "为12.5万元"),
             ("支出 为12万元", "支出", "12万元")]
    for _ in range(4000):
        sentence = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        subject = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 2)))
        amount = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.5:  # plant the statement with a random separator
            cut = rng.randint(0, len(sentence))
            sep = rng.choice(["", "为", "：", " ", "为 ", "是\u3000\t", "于"])
            sentence = sentence[:cut] + subject + sep + amount + sentence[cut:]
        cases.append((sentence, subject, amount))
    found = 0
    for sentence, subject, amount in cases:
        expected = _regex(sentence, subject, amount)
        assert _after_amount(sentence, subject, amount) == expected, (sentence, subject, amount)
        found += expected is not None
    assert found > 1000  # the cases exercise matches, not only misses
