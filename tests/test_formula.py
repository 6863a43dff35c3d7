"""The restricted formula language: correct Decimal arithmetic, clear errors
with columns, and no way out of the sandbox."""
from __future__ import annotations

from decimal import Decimal

import pytest

from budgetlint.core.errors import FormulaError
from budgetlint.core.formula import MAX_STEPS, Evaluator, compare, parse

NAMES = {
    "三公.决算.合计": {"value": "6.52", "decimals": 2, "loc": {"line": 368}},
    "三公.预算.合计": {"value": "11", "decimals": 0, "loc": {"line": 462}},
    "表05.201.项目支出": {"value": "118.79", "decimals": 2, "loc": {"line": 274}},
    "表05.2013101.项目支出": {"value": "0.00", "decimals": 2, "loc": {"line": 278}},
    "表05.20126.项目支出": {"value": "5.00", "decimals": 2, "loc": {"line": 275}},
    "费用 (含税)": {"value": "0.1", "decimals": 1, "loc": {}},
    "scorecard[1].总分.得分": {"value": "99", "decimals": 0, "loc": {"line": 176}},
    "scorecard[2].总分.得分": {"value": "85", "decimals": 0, "loc": {"line": 693}},
}


def evaluate(src: str) -> tuple[dict, Evaluator]:
    ev = Evaluator(NAMES)
    return ev.evaluate(parse(src)), ev


def test_decimal_exactness_no_float_drift() -> None:
    out, _ = evaluate("0.1 + 0.2 == 0.3")
    assert out["left"] == Decimal("0.3") and out["right"] == Decimal("0.3")


def test_names_wildcards_functions_and_within() -> None:
    rule = parse("sum(表05.*.项目支出) - 表05.201.项目支出 == 5 within 0.01")
    assert rule["within"] == Decimal("0.01")
    out, ev = evaluate("sum(表05.*.项目支出) - 表05.201.项目支出 == 5 within 0.01")
    assert out["left"] == Decimal("5.00")
    assert {r.name for r in ev.used} >= {"表05.201.项目支出", "表05.20126.项目支出"}
    out, _ = evaluate("round(三公.决算.合计 / 三公.预算.合计 * 100, 1) == 59.3")
    assert out["left"] == Decimal("59.3")
    out, _ = evaluate("`费用 (含税)` * 10 == 1")
    assert out["left"] == Decimal("1.0")


def test_bracketed_names_and_wildcards_over_them() -> None:
    out, _ = evaluate("scorecard[1].总分.得分 == 99")
    assert out["left"] == Decimal(99)
    out, ev = evaluate("min(scorecard[*].总分.得分) >= 80")
    assert out["left"] == Decimal(85) and len(ev.used) == 2


def test_comparison_with_tolerance() -> None:
    assert compare("==", Decimal("7.92"), Decimal("7.93"), Decimal("0.01"))
    assert not compare("==", Decimal("7.92"), Decimal("7.94"), Decimal("0.01"))
    assert compare("<=", Decimal("6.52"), Decimal("11"), Decimal(0))


def test_missing_names_are_collected_not_zero_silently() -> None:
    _, ev = evaluate("三公.上年决算.合计 <= 三公.预算.合计")
    assert ev.missing == ["三公.上年决算.合计"]


@pytest.mark.parametrize("src,col", [
    ("a <= (b", 8),
    ("a <= b +", 9),
    ("open('x') == 1", 1),
    ("__import__(os) == 1", 1),
    ("a == 1 within x", 15),
])
def test_syntax_errors_name_the_column(src: str, col: int) -> None:
    with pytest.raises(FormulaError) as err:
        parse(src)
    assert err.value.where == f"col {col}"


def test_no_attribute_access_or_calls_escape() -> None:
    # dots are part of names, so "x.__class__" is just an unknown name
    _, ev = evaluate("x.__class__ == 1")
    assert ev.missing == ["x.__class__"]


def test_step_limit_stops_runaway_expressions() -> None:
    many = {f"x.{i}": {"value": "1", "decimals": 0} for i in range(MAX_STEPS + 5)}
    with pytest.raises(FormulaError, match="steps"):
        Evaluator(many).evaluate(parse("sum(x.*) == 1"))


def test_length_limit() -> None:
    with pytest.raises(FormulaError, match="longer than"):
        parse("1+" * 600 + "1 == 1")


def test_division_by_zero_is_an_error() -> None:
    with pytest.raises(FormulaError, match="division by zero"):
        evaluate("三公.决算.合计 / 0 == 1")
