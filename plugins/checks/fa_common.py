"""Shared helpers of the 部门决算 (final accounts) checks: reading the
recognizer's tables as :class:`Operand` values and the rounding tolerance.

Why a tolerance of our own on top of ``ctx.compare``'s: by default it is the
same Arelle-style interval (the sum of the printed half-units), but a rule may
ask for two refinements.  ``strict``: a printed sum differs from the sum of
printed parts by *strictly* less than the total of their half-units (each
printed value is within half a unit of the true one, the true values add up
exactly), and differences are multiples of the printed unit, so the tolerance
is the largest such multiple strictly below that bound.  ``exact_zero``: a
cell printed ``0.00`` is no amount at all (the financial system prints empty
as zero) and carries no rounding.  With both, within one row ``7.92`` ≠
``0.00 + 7.93`` is a real error, not a 尾数差异.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal
from typing import Any

from budgetlint.core.checks import EXACT_DECIMALS, CheckContext, Operand

TOLERANCE_SCHEMA: dict[str, Any] = {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}],
                                    "default": "printed"}
EXACT_ZERO_SCHEMA: dict[str, Any] = {"type": "boolean", "default": False}
STRICT_SCHEMA: dict[str, Any] = {"type": "boolean", "default": False}


def final_accounts(ctx: CheckContext) -> dict[str, Any] | None:
    """The recognizer's result for the part being checked."""
    by_part = ctx.doc.get("final_accounts_by_part") or {}
    # other genres (部门预算) publish the same shape in part_tables
    return by_part.get(ctx.part.get("id")) or (ctx.doc.get("part_tables") or {}).get(ctx.part.get("id"))


def tables_by_role(fa: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for t in fa.get("tables", []):
        if t.get("role"):
            out.setdefault(t["role"], []).append(t)
        if t.get("generic") and t["generic"] != t.get("role"):  # 支出表 names 支出决算表 too
            out.setdefault(t["generic"], []).append(t)
    return out


def block_of(ctx: CheckContext, table: dict[str, Any]) -> dict[str, Any]:
    """The table's block, or a stand-in for a table that exists only as
    caption paragraphs."""
    bid = table.get("block") or table.get("caption_block")
    b = ctx.index.block(bid)  # called per cell: the document's index, never a scan
    if b is not None:
        if b["type"] == "table":
            return b
        return {"id": b["id"], "type": "paragraph", "loc": table.get("loc", b.get("loc", {}))}
    return {"id": None, "type": "paragraph", "loc": table.get("loc", {})}


def table_location(ctx: CheckContext, table: dict[str, Any], **extra: Any) -> dict[str, Any]:
    loc = ctx.block_location(block_of(ctx, table), **extra)
    loc.setdefault("table", table.get("title") or table.get("role"))
    if table.get("code"):
        loc.setdefault("table_code", table["code"])
    return loc


def cell_location(ctx: CheckContext, table: dict[str, Any], row: dict[str, Any], column: str) -> dict[str, Any]:
    cell = row["cells"].get(column)
    loc = ctx.cell_location(block_of(ctx, table), cell, row_label=row_name(row), column=column)
    if cell is None:
        loc.update(row.get("loc", {}))
    return loc


def row_name(row: dict[str, Any]) -> str:
    if row.get("code") and row.get("label"):
        return f"{row['code']} {row['label']}"
    return row.get("label") or row.get("code") or row.get("name") or ""


def is_exact(op: Operand) -> bool:
    return op.decimals is not None and op.decimals >= EXACT_DECIMALS


def operand(ctx: CheckContext, table: dict[str, Any], row: dict[str, Any], column: str,
            *, blank_is_zero: bool = False) -> Operand | None:
    """The cell as an Operand; None if the row has no such value (a blank
    cell counts as an exact zero only with ``blank_is_zero``)."""
    cell = row["cells"].get(column)
    label = f"{row_name(row)} {column}".strip()
    if cell is None:
        # a row read from text that drops empty cells (recognizer flag
        # ``partial``) does not say which column a missing amount is in
        if blank_is_zero and not row.get("partial"):
            return Operand(Decimal(0), "", lambda: cell_location(ctx, table, row, column), label,
                           decimals=EXACT_DECIMALS)
        return None
    # the location is built only if a finding names this cell (most operands add up fine)
    return value_operand(ctx, cell, lambda: cell_location(ctx, table, row, column), label)


def value_operand(ctx: CheckContext, value: dict[str, Any],
                  location: dict[str, Any] | Callable[[], dict[str, Any]], label: str) -> Operand:
    """Operand from a recognizer cell / named value (``location`` may be a
    function building it on first read, see :class:`Operand`)."""
    exact = bool(value.get("exact")) and ctx.params.get("exact_zero", False)
    dec = Decimal(value["value"])
    return Operand(dec, value.get("text") or value["value"], location, label,
                   decimals=EXACT_DECIMALS if exact or value.get("decimals") is None else value.get("decimals"))


def tolerance(ctx: CheckContext, actual: Operand, operands: list[Operand]) -> Decimal:
    """The sum of half-units of the inexact values (Arelle-style interval);
    with the ``strict`` param the largest printed-unit multiple strictly
    below it (see module docstring).  A numeric ``tolerance`` param wins."""
    explicit = ctx.params.get("tolerance", "printed")
    if explicit not in (None, "printed"):
        return Decimal(str(explicit))
    inexact = [op for op in (actual, *operands) if not is_exact(op)]
    if not inexact:
        return Decimal(0)
    bound = sum((op.tolerance for op in inexact), Decimal(0))
    if not ctx.params.get("strict", False):
        return bound
    unit = min(Decimal(1).scaleb(-(op.decimals if op.decimals is not None else _decimals(op.text)))
               for op in inexact)
    k = (bound / unit).to_integral_value(rounding=ROUND_CEILING) - 1
    return max(k, Decimal(0)) * unit


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def fmt_sum(operands: list[Operand]) -> str:
    """The addends as printed; in long sums zeros are left out to stay readable."""
    shown = ([op for op in operands if op.value != 0] or operands[:1]) if len(operands) > 4 else operands
    return " + ".join(op.text or "0" for op in shown) if shown else "0"


def compare_sum(ctx: CheckContext, location: dict[str, Any] | Callable[[], dict[str, Any]], actual: Operand,
                operands: list[Operand], **params: Any) -> None:
    """Report ``actual`` ≠ Σ ``operands`` (info within rounding).

    ``location`` may be a function building it: most sums hold, and a sum
    that holds needs no location, tolerance or printed expression (what
    ``ctx.compare`` does with a zero difference: count it)."""
    expected = sum((op.value for op in operands), Decimal(0))
    if actual.value - expected == 0:
        ctx.counted()
        return
    if callable(location):
        location = location()
    ctx.compare(location, expected, actual, operands=[actual, *operands],
                tolerance=tolerance(ctx, actual, operands), expression=fmt_sum(operands), **params)


def compare_relation(ctx: CheckContext, location: dict[str, Any] | Callable[[], dict[str, Any]], relation: str,
                     left: Operand, right: list[Operand], **params: Any) -> None:
    """``left`` <relation> Σ ``right``; ``eq`` is rounding-aware, ``le``/``ge``
    allow the rounding tolerance before reporting.  ``location`` may be a
    function building it when a finding needs it (see :func:`compare_sum`)."""
    total = sum((op.value for op in right), Decimal(0))
    if relation == "eq":
        compare_sum(ctx, location, left, right, **params)
        return
    tol = tolerance(ctx, left, right)
    bad = left.value > total + tol if relation == "le" else left.value < total - tol
    if bad:
        from budgetlint.core.checks import number_json

        if callable(location):
            location = location()

        ctx.report(location, expected=number_json(total), actual=number_json(left.value), operands=[left, *right],
                   kind="mismatch", expression=fmt_sum(right), difference=number_json(left.value - total), **params)
    else:
        ctx.counted()
