"""text.name_variants looks only at the windows that can differ from the
department's name by one character (``_near_starts``); these must be every
such window of the text, or a variant would be missed."""
from __future__ import annotations

from pathlib import Path

from budgetlint.plugins.checks.text_typos import _near_starts

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _brute(text: str, name: str) -> list[int]:
    n = len(name)
    return [i for i in range(len(text) - n + 1)
            if sum(a != b for a, b in zip(text[i:i + n], name)) <= 1]


def test_near_starts_holds_every_window_one_character_away() -> None:
    text = "".join((SAMPLES / "002_5ce8aee0cc10826a.txt").read_text(encoding="utf-8").split())
    # real names of the sample, and misprints of them planted in the text
    names = ["规划和自然资源局", "财政局", "一般公共预算财政拨款", "项目支出"]
    text += "规划与自然资源局" + "财攻局" + "一般公共预算财攻拨款" + "项目攴出" + "规划和自然资"
    for name in names:
        near = set(_near_starts(text, name))
        expected = _brute(text, name)
        assert expected, name
        assert set(expected) <= near, name
        assert _near_starts(text, name) == sorted(near)


def test_near_starts_of_short_texts() -> None:
    assert _near_starts("规划", "规划和自然资源局") == []
    assert _near_starts("规划与自然资源局", "规划和自然资源局") == [0]
    assert _near_starts("x规划和自然资源局", "规划和自然资源局") == [1]
