"""Work done only when its result is read: an operand's location is built
when a finding names the cell, never for the thousands of cells that add up."""
from __future__ import annotations

from decimal import Decimal

from budgetlint.core.checks import Operand


def test_operand_location_built_once_on_first_read():
    calls = []

    def build() -> dict:
        calls.append(1)
        return {"page": 3, "row": "合计"}

    op = Operand(Decimal("1.50"), "1.50", build, "合计 决算数")
    assert calls == [] and op.tolerance == Decimal("0.005")
    assert op.location == {"page": 3, "row": "合计"} and op.location is op.location
    assert calls == [1]
    op.location = {"page": 4}
    assert op.location == {"page": 4}


def test_operand_compares_by_value_like_the_dataclass_it_was():
    a = Operand(Decimal(1), "1", lambda: {"page": 1}, "x", 2)
    b = Operand(Decimal(1), "1", {"page": 1}, "x", 2)
    assert a == b and a != Operand(Decimal(1), "1", {"page": 2}, "x", 2)
    assert "location={'page': 1}" in repr(a)
    a.shown = "1"  # checks annotate operands with what the text printed
    assert a.shown == "1"


def test_numbering_tokens_of_every_style_still_start_a_line():
    """parse_numbering answers None at once for a line whose first character
    starts no token; every style's token is still read, full-width and
    other Unicode digits included."""
    from budgetlint.core.document import parse_numbering

    def style(text: str) -> tuple[str, int] | None:
        n = parse_numbering(text)
        return (n["style"], n["value"]) if n else None

    assert style("第二部分 部门决算表") == ("part", 2)
    assert style("三、收入决算情况") == ("cn", 3)
    assert style("（十二）其他") == ("cn_paren", 12)
    assert style("(4)绩效") == ("arabic_paren", 4)
    assert style("１、概况") == ("arabic", 1) and style("٣. x") == ("arabic", 3)
    assert style("⑤ 指标") == ("circled", 5)
    assert style("#  （一）标题") == ("cn_paren", 1)
    assert style("收入决算表") is None and style("") is None and style("2024年度") is None
