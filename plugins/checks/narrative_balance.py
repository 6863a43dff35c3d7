"""Check type ``narrative.balanced_change``: a balanced income/expenditure
pair of an overview (收入 = 支出 of the same scope) changes against the same
base by the same amount on both sides."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, half_ulp, place
from budgetlint.plugins.checks.fa_text_rates import dec, statement_figure, statement_location, statements_of


class BalancedChange(Check):
    """The two sides of a balanced total change alike.

    What it checks
        A 部门预算's overview states the income and the expenditure of each
        scope (“财政拨款收入37,151.47万元，比2024年预算增加…”, “财政拨款支出预算
        37,151.47万元，比2024年预算增加…”).  The check takes every change
        statement (recognizer ``statements``, kind ``change``) that prints a
        change amount and finds the amount it belongs to (the amount statement
        just before it in the same paragraph with the same current amount).
        That amount's subject names its side (``income_words`` /
        ``expenditure_words``) and its scope: the subject without the side
        words, the ``drop_words`` (预算, 决算, 总计 …) and the department's
        name.  An income and an expenditure of the same scope and the same
        current amount are a balanced pair: they must be compared with the
        same base (the year, 上年 read as the year before the part's year,
        and the base word such as 预算 / 预算执行数) and change by the same
        amount in the same direction.  One finding per pair names both
        places, both bases and both changes.  A scope printed on one side
        only, or two sides with different current amounts, is not a pair and
        is not judged.

    Why it matters
        When income equals expenditure, last year's income and expenditure
        of the same scope were equal too (a 部门预算 balances), so the two
        changes are one fact written twice.  Two different bases (“比2024年
        预算执行数” against “比2024年预算”) or two different changes mean one
        side was copied from another year's wording or computed against the
        wrong base: the reader cannot tell which increase is true.

    Parameters
        income_words: regular expression of the income side in a subject
            (default “收入”).
        expenditure_words: regular expression of the expenditure side
            (default “支出”).
        drop_words: regular expression of words that name neither scope nor
            side, removed before scopes are compared (default
            “预算|决算|总计|合计|总额”).
        base_words: regular expression of the words after the year that
            name the base (预算, 预算执行数, 决算数 …); a subject the
            recognizer read between the year and the direction word is part
            of the base only when it is such words (default
            “(?:当年)?(?:预算|决算)?(?:执行数|决算数|预算数|预算|决算)”).
        tolerance: ``printed`` (the two changes may differ by the rounding of
            their printed decimals) or a number of 万元.

    Example
        “财政拨款收入37,151.47万元，比2024年预算执行数增加24,558.18万元” and
        “财政拨款支出预算37,151.47万元，比2024年预算增加24,491.71万元” → one
        finding: bases 2024年预算执行数 / 2024年预算, changes 增加24,558.18万元 /
        增加24,491.71万元.
    """

    id: ClassVar[str] = "narrative.balanced_change"
    title: ClassVar[str] = "收支平衡的同一口径增减额一致 (balanced income and expenditure change alike)"
    pure_arithmetic: ClassVar[bool] = False
    part_types: ClassVar[tuple[str, ...]] = ("部门预算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "income_words": {"type": "string", "format": "regex", "default": "收入"},
            "expenditure_words": {"type": "string", "format": "regex", "default": "支出"},
            "drop_words": {"type": "string", "format": "regex", "default": "预算|决算|总计|合计|总额"},
            "base_words": {"type": "string", "format": "regex",
                           "default": "(?:当年)?(?:预算|决算)?(?:执行数|决算数|预算数|预算|决算)"},
            "tolerance": {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        if statements_of(ctx, "change") is None:
            return
        sts = ctx.index.statements(ctx.part.get("id"))
        sides: dict[tuple[str, str], dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]] = {}
        for k, st in enumerate(sts):
            if st["kind"] != "change" or not st.get("amount") or "previous" in st:
                continue
            owner = _owner(sts, k)
            if owner is None:
                continue
            side, scope = self._side_scope(ctx, owner.get("subject", ""))
            if side is None:
                continue
            key = (scope, str(Decimal(owner["amount"]["value"]).normalize()))
            sides.setdefault(key, {}).setdefault(side, []).append((owner, st))
        pairs = [(v["收入"][0], v["支出"][0]) for v in sides.values() if "收入" in v and "支出" in v]
        if not pairs:
            ctx.not_evaluated("no balanced income/expenditure pair (same scope, same amount) with a change in the text",
                              zh="说明中没有同一口径、金额相等且写明增减额的收入与支出")
            return
        for (inc_owner, inc), (exp_owner, exp) in pairs:
            self._judge(ctx, inc_owner, inc, exp_owner, exp)

    def _side_scope(self, ctx: CheckContext, subject: str) -> tuple[str | None, str]:
        income = re.search(ctx.params["income_words"], subject)
        spend = re.search(ctx.params["expenditure_words"], subject)
        if bool(income) == bool(spend):
            return None, ""
        side, hit = ("收入", income) if income else ("支出", spend)
        scope = subject[:hit.start()] + subject[hit.end():]
        department = (ctx.doc.get("meta") or {}).get("department") or ""
        if department and scope.startswith(department):
            scope = scope[len(department):]
        scope = re.sub(ctx.params["drop_words"], "", scope)
        return side, re.sub(r"[\s“”\"]", "", scope)

    def _judge(self, ctx: CheckContext, inc_owner: dict[str, Any], inc: dict[str, Any],
               exp_owner: dict[str, Any], exp: dict[str, Any]) -> None:
        year = _year(ctx)
        words = ctx.params["base_words"]
        base_inc, base_exp = _base(inc, year, words), _base(exp, year, words)
        ch_inc, ch_exp = _signed(inc), _signed(exp)
        tol = ctx.params["tolerance"]
        if tol == "printed":
            limit = sum((half_ulp(s["change"]["value"], s["change"].get("decimals")) for s in (inc, exp)
                         if s.get("change")), Decimal(0))
        else:
            limit = Decimal(str(tol))
        same_change = ch_inc is not None and ch_exp is not None and abs(ch_inc - ch_exp) <= limit
        if base_inc == base_exp and same_change:
            ctx.counted()
            return
        if ch_inc is None or ch_exp is None:
            ctx.not_evaluated(f"change without a direction: {inc.get('sentence', '')[:30]}")
            return
        loc_inc, loc_exp = statement_location(ctx, inc), statement_location(ctx, exp)
        ctx.report(loc_inc, expected=_change_text(inc), actual=_change_text(exp), kind="mismatch",
                   income=inc_owner.get("subject", ""),
                   expenditure=exp_owner.get("subject", ""), amount=inc_owner["amount"]["text"],
                   income_where=place(loc_inc, ctx.lang), expenditure_where=place(loc_exp, ctx.lang),
                   income_base=base_inc, expenditure_base=base_exp,
                   income_change=_change_text(inc), expenditure_change=_change_text(exp),
                   inputs=[loc_exp, statement_figure(inc, "change"), statement_figure(exp, "change")])


def _owner(sts: list[dict[str, Any]], k: int) -> dict[str, Any] | None:
    """The amount statement a change statement belongs to: the last amount
    before it in the same paragraph whose amount is the change's current
    amount (the recognizer took that amount as the change's ``amount``)."""
    st = sts[k]
    value = Decimal(st["amount"]["value"])
    for cand in reversed(sts[:k]):
        if cand.get("block") != st.get("block"):
            return None
        if cand["kind"] == "amount" and cand.get("amount") and Decimal(cand["amount"]["value"]) == value:
            return cand
    return None


def _year(ctx: CheckContext) -> int | None:
    year = ctx.part.get("year") or (ctx.doc.get("meta") or {}).get("fiscal_year")
    try:
        return int(year) if year else None
    except (TypeError, ValueError):
        return None


def _base(st: dict[str, Any], year: int | None, words: str) -> str:
    """What the change is measured against, as a clerk would say it
    (“2024年预算执行数”): the reference without 比/较/与…相比, 上年 as a year, plus
    the base words the recognizer left in the subject."""
    ref = re.sub(r"^(?:比|较|与)|相比$|度", "", st.get("reference") or "")
    if year is not None:
        ref = ref.replace("上年", f"{year - 1}年")
    subject = st.get("subject") or ""
    return ref + (subject if re.fullmatch(words, subject) else "")


def _signed(st: dict[str, Any]) -> Decimal | None:
    if st.get("direction") in ("持平", "一致", "无变化", "相同") or st.get("flat"):
        return Decimal(0)
    change = dec(st.get("change"))
    if change is None:
        return None
    if st.get("direction") in ("减少", "下降", "降低", "节约", "节省"):
        return -change
    return change


def _change_text(st: dict[str, Any]) -> str:
    if st.get("change"):
        return f"{st.get('direction_text') or st.get('direction', '')}{st['change']['text']}"
    return st.get("direction_text") or st.get("direction", "")


def register(registry) -> None:
    registry.add_check(BalancedChange)
