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
