"""Check type ``scorecard.funds_identity``: the funds block of a 绩效自评表
adds up — 年度资金总额 = the sources (财政拨款 + 上年结转 + 其他资金, or
一般公共预算 + 政府性基金 + …) = the natures (基本支出 + 项目支出)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand
from budgetlint.plugins.checks.scorecard_common import (
    PART_TYPES, TOLERANCE_SCHEMA, cards, dec, funds_total, location, operand)

_AMOUNT_COLUMNS = ("年初预算数", "全年预算数", "全年执行数")


class FundsIdentity(Check):
    """年度资金总额 equals the sum of its sources and of its natures.

    What it checks
        For each group of the funds block (``by_source``: 资金来源 /
        按收入性质分; ``by_nature``: 资金结构 / 按支出性质分) printed with
        amounts:

        * forms with one amount per row (“一般公共预算：1049.47”, “基本支出：
          843.61”): the group's sum equals one of the total's ``columns``
          (the form does not say whether it splits the budget or the
          spending, so either is accepted);
        * forms with the amount columns on every row (年初预算数 / 全年预算数 /
          全年执行数): each column's sum equals the total's, for the columns
          that every printed row fills.

        A group whose rows hold numbers outside the amount columns (the
        export shifted them, or put 按收入性质 and 按支出性质 side by side) is
        not evaluated.

    Why it matters
        The funds block is the basis of the 预算执行率 score; a total that is
        not the sum of its parts means one of the amounts scored is wrong.

    Parameters
        columns: total columns a one-amount group may equal (default
            全年预算数, 全年执行数).
        tolerance: ``printed`` or an amount.

    Example
        合计 全年预算数 522.47 = 当年财政拨款 500.57 + 上年结转 0 + 其他资金 21.9.
    """

    id: ClassVar[str] = "scorecard.funds_identity"
    title: ClassVar[str] = "资金总额与来源、结构之和 (funds block identities)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "columns": {"type": "array", "items": {"enum": list(_AMOUNT_COLUMNS)},
                        "default": ["全年预算数", "全年执行数"]},
            "tolerance": TOLERANCE_SCHEMA,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            funds = card.get("funds") or {}
            total = funds_total(card)
            for group, name in (("by_source", "资金来源"), ("by_nature", "资金结构")):
                entries = [e for e in funds.get(group) or [] if e.get("amount") or e.get("values")]
                if not entries:
                    continue
                if all(e.get("amount") and not e.get("values") for e in entries):
                    self._one_amount(ctx, card, total, entries, name)
                elif all(set(e.get("values") or {}) <= set(_AMOUNT_COLUMNS) and not e.get("amount") for e in entries):
                    self._by_column(ctx, card, total, entries, name)
                else:
                    ctx.not_evaluated(f"the numbers of the rows of {name} do not line up with the amount columns",
                                      zh=f"{name}各行的数字与表头金额列不对应，未核对")

    def _one_amount(self, ctx: CheckContext, card: dict[str, Any], total: dict[str, Any],
                    entries: list[dict[str, Any]], name: str) -> None:
        ops = [operand(e["amount"], e.get("label", ""), ctx, card) for e in entries]
        summed = sum((o.value for o in ops), Decimal(0))
        candidates = [c for c in ctx.params["columns"] if dec(total.get(c)) is not None]
        if not candidates:
            ctx.not_evaluated("the 资金总额 row prints no amounts", zh="资金总额行未列出金额")
            return
        for col in candidates:
            want = operand(total[col], f"{total.get('label', '合计')}·{col}", ctx, card)
            tol = self._tol(ctx, [want, *ops])
            if abs(want.value - summed) <= tol:
                ctx.counted()
                return
        col = candidates[0]
        want = operand(total[col], f"{total.get('label', '合计')}·{col}", ctx, card)
        self._report(ctx, card, want, ops, summed, name, col)

    def _by_column(self, ctx: CheckContext, card: dict[str, Any], total: dict[str, Any],
                   entries: list[dict[str, Any]], name: str) -> None:
        for col in _AMOUNT_COLUMNS:
            if dec(total.get(col)) is None or not all(dec(e["values"].get(col)) is not None for e in entries):
                continue
            ops = [operand(e["values"][col], e.get("label", ""), ctx, card) for e in entries]
            want = operand(total[col], f"{total.get('label', '合计')}·{col}", ctx, card)
            summed = sum((o.value for o in ops), Decimal(0))
            if abs(want.value - summed) <= self._tol(ctx, [want, *ops]):
                ctx.counted()
                continue
            self._report(ctx, card, want, ops, summed, name, col)

    def _report(self, ctx: CheckContext, card: dict[str, Any], want: Operand, ops: list[Operand],
                summed: Decimal, name: str, col: str) -> None:
        listed = "、".join(f"{o.label.rstrip(':：')}{o.text}" for o in ops)
        ctx.report(location(ctx, card, want.location, field=col), expected=want.value, actual=summed,
                   kind="mismatch", operands=ops, group=name, column=col, total=want.text, parts=listed)

    def _tol(self, ctx: CheckContext, ops: list[Operand]) -> Decimal:
        explicit = ctx.params.get("tolerance", "printed")
        if explicit not in (None, "printed"):
            return Decimal(str(explicit))
        return sum((o.tolerance for o in ops), Decimal(0))


def register(registry) -> None:
    registry.add_check(FundsIdentity)
