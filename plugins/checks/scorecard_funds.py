"""Scorecard funds-block checks: the execution rate formula, rates above the
cap, and the funds score = 分值 × min(执行率, 1)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, half_ulp
from budgetlint.plugins.checks.scorecard_common import (
    PART_TYPES, TOLERANCE_SCHEMA, cards, dec, explicit_tolerance, fmt, funds_total, location, operand, round_to)


def _rate(ft: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """(printed rate in %, computed rate in %) of a funds total row."""
    printed = dec(ft.get("执行率"))
    budget, spent = dec(ft.get("全年预算数")), dec(ft.get("全年执行数"))
    computed = spent / budget * 100 if budget and spent is not None else None
    return printed, computed


class ExecutionRate(Check):
    """The stated 执行率 equals 全年执行数 / 全年预算数 at the printed precision.

    What it checks
        The funds block's 执行率 (a percentage; a bare ``100`` under the 执行率
        column is read as 100%) must equal 全年执行数 ÷ 全年预算数 × 100
        rounded to the decimals printed.

    Why it matters
        The execution rate feeds the funds score; a rate that does not follow
        from the printed amounts is either a typo or an adjusted figure.

    Parameters
        tolerance: ``printed`` (the printed precision) or a number of
            percentage points.

    Example
        全年预算数 1869.12, 全年执行数 2732.85 → 146.21%; printed 146.21% passes.
    """

    id: ClassVar[str] = "scorecard.execution_rate"
    title: ClassVar[str] = "执行率计算 (execution rate)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "properties": {"tolerance": TOLERANCE_SCHEMA}}

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            ft = funds_total(card)
            printed, computed = _rate(ft)
            if printed is None or computed is None:
                ctx.not_evaluated("funds block without 执行率 or amounts")
                continue
            q = ft["执行率"]
            tol = explicit_tolerance(ctx)
            want = round_to(computed, q.get("decimals", 0)) if tol is None else computed
            loc = location(ctx, card, q.get("loc"), field="执行率")
            ctx.counted()
            if tol is None and want == printed:
                continue
            if tol is not None and abs(printed - computed) <= tol:
                continue
            ctx.report(loc, expected=f"{fmt(want)}%", actual=q["text"], budget=ft["全年预算数"]["text"],
                       spent=ft["全年执行数"]["text"], difference=fmt(printed - want),
                       operands=[operand(ft["全年执行数"], "全年执行数", ctx, card),
                                 operand(ft["全年预算数"], "全年预算数", ctx, card)])


class ExecutionCap(Check):
    """An execution rate above the cap (100%) means the budget was not adjusted.

    What it checks
        The funds block's 执行率 (printed, else computed) must not exceed
        ``max_rate`` percent.

    Why it matters
        Spending more than the full-year budget means the 全年预算数 was not
        adjusted for supplementary funds, so the rate overstates execution.

    Parameters
        max_rate: the cap in percent (default 100).

    Example
        执行率 146.21% → warning at that cell.
    """

    id: ClassVar[str] = "scorecard.execution_cap"
    title: ClassVar[str] = "执行率超过100% (execution rate above cap)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"max_rate": {"type": "number", "default": 100}}}

    def run(self, ctx: CheckContext) -> None:
        cap = Decimal(str(ctx.params["max_rate"]))
        for card in cards(ctx):
            ft = funds_total(card)
            printed, computed = _rate(ft)
            rate = printed if printed is not None else computed
            if rate is None:
                ctx.not_evaluated("funds block without 执行率")
                continue
            ctx.counted()
            if rate > cap:
                loc = (ft.get("执行率") or ft.get("全年执行数") or {}).get("loc") or ft.get("loc")
                ctx.report(location(ctx, card, loc, field="执行率"), expected=f"≤{fmt(cap)}%",
                           actual=f"{fmt(round_to(rate, 2))}%", budget=(ft.get("全年预算数") or {}).get("text", ""),
                           spent=(ft.get("全年执行数") or {}).get("text", ""))


class FundsScore(Check):
    """The funds block's 得分 equals 分值 × min(执行率, 1).

    What it checks
        With 分值 and 得分 printed in the funds block, 得分 must equal 分值
        times the execution rate (capped at 100%), computed from the printed
        amounts when they are there, else from the printed rate; compared at
        the printed precision of 得分.

    Why it matters
        The funds score is the 预算执行率 part of the total; a full score on a
        partly executed budget inflates the self-evaluation.

    Parameters
        tolerance: ``printed`` or a number.

    Example
        分值 10, 执行率 85% but 得分 10 → finding, expected 8.5.
    """

    id: ClassVar[str] = "scorecard.funds_score"
    title: ClassVar[str] = "资金执行得分 (funds score)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "properties": {"tolerance": TOLERANCE_SCHEMA}}

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            ft = funds_total(card)
            w, s = dec(ft.get("分值")), dec(ft.get("得分"))
            printed, computed = _rate(ft)
            rate = computed if computed is not None else printed
            if w is None and s is None:
                ctx.not_applicable("the funds block is not scored on this form")
                continue
            if w is None or s is None or rate is None:
                ctx.not_evaluated("funds block without 分值, 得分 or 执行率")
                continue
            want = w * min(rate, Decimal(100)) / 100
            d = ft["得分"].get("decimals", 0)
            tol = explicit_tolerance(ctx)
            ctx.counted()
            if tol is None:
                if abs(s - want) <= half_ulp(ft["得分"]["number"], d):
                    continue
            elif abs(s - want) <= tol:
                continue
            ctx.report(location(ctx, card, ft["得分"].get("loc"), field="得分"), expected=round_to(want, max(d, 2)),
                       actual=s, rate=f"{fmt(round_to(rate, 2))}%", weight=fmt(w))


def register(registry) -> None:
    for cls in (ExecutionRate, ExecutionCap, FundsScore):
        registry.add_check(cls)
