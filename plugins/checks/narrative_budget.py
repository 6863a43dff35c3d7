"""Check type ``narrative.budget_verdict``: the words a 情况说明 uses to
compare an item's 决算数 with its 预算数 (“决算数大于预算数”, “决算数与预算数
持平”) agree with the two figures the same text states for it."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, half_ulp, place
from budgetlint.plugins.checks.fa_text_rates import dec, statement_location, statements_of

_RELATIONS = ("大于", "小于", "等于", "约等于")


class BudgetVerdict(Check):
    """决算数 vs 预算数 wording checked against the figures.

    What it checks
        Each verdict statement (recognizer ``statements``, kind ``verdict``:
        “决算数大于/小于/等于预算数”, “决算数同预算数持平”, “决算数与预算数基本
        持平”) takes the 年初预算 and 支出决算 of the completion statement just
        before it (same paragraph, or the paragraph before when the export
        broke the sentence).  大于 needs 决算 > 预算, 小于 needs 决算 < 预算,
        等于/持平 needs them equal within the printed rounding, 基本持平 needs
        them within ``approx_percent`` of the budget.  A verdict whose figures
        the recognizer could not find is listed as not evaluated.

    Why it matters
        The verdict and its “主要原因” are what a reader takes away; a
        template sentence copied from the item above (“决算数大于预算数的主要
        原因：年中追加”) under figures that show the opposite explains a
        difference that does not exist.

        ``mode: reason`` instead takes every completion statement whose
        决算 differs from its 预算 beyond the printed rounding and asks for an
        explanation (``reason_words``) after it — in its paragraph, before the
        next item, or in the paragraph that follows.  A total that opens a
        list of its items (“……完成年初预算的86.6%，其中：”) is explained by them.

    Parameters
        mode: ``verdict`` (the words against the figures) or ``reason`` (an
            explanation follows every difference).
        approx_percent: how far (percent of the budget) 决算 may be from 预算
            for “基本持平” (default 5).
        reason_words: regular expression of an explanation (default
            “原因|由于|因为|主要是|主要用于”).

    Example
        “年初预算为256.79万元，支出决算为229.67万元。决算数大于预算数的主要
        原因……” → the figures show 决算 < 预算.
    """

    id: ClassVar[str] = "narrative.budget_verdict"
    title: ClassVar[str] = "决算数与预算数比较用词 (budget-vs-actual verdict words)"
    pure_arithmetic: ClassVar[bool] = False
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"mode": {"enum": ["verdict", "reason"], "default": "verdict"},
                       "approx_percent": {"type": "number", "minimum": 0, "default": 5},
                       "reason_words": {"type": "string", "format": "regex", "default": "原因|由于|因为|主要是|主要用于"}},
    }

    def run(self, ctx: CheckContext) -> None:
        if ctx.params["mode"] == "reason":
            self._reasons(ctx)
            return
        sts = statements_of(ctx, "verdict")
        if sts is None:
            return
        unresolved: list[str] = []
        for st in sts:
            budget, actual = dec(st.get("budget")), dec(st.get("actual"))
            relation = st.get("verdict")
            if budget is None or actual is None or relation not in _RELATIONS:
                unresolved.append(place(statement_location(ctx, st), ctx.lang) or st.get("sentence", "")[:20])
                continue
            if self._holds(ctx, relation, budget, actual, st):
                ctx.counted()
                continue
            shown = "大于" if actual > budget else "小于" if actual < budget else "等于"
            ctx.report(statement_location(ctx, st), expected=f"决算数{shown}预算数",
                       actual=f"决算数{st.get('verdict_text', relation)}预算数", kind="mismatch",
                       subject=st.get("subject", ""), budget=st["budget"]["text"], actual_amount=st["actual"]["text"],
                       verdict=st.get("verdict_text", relation), shown=shown)
        if unresolved:
            ctx.not_evaluated(f"{len(unresolved)} “决算数…预算数” statement(s) without 预算数 and 决算数 before them: "
                              + ", ".join(unresolved[:5]))

    def _reasons(self, ctx: CheckContext) -> None:
        sts = statements_of(ctx, "completion")
        if sts is None:
            return
        words = re.compile(ctx.params["reason_words"])
        for k, st in enumerate(sts):
            budget, actual = dec(st.get("budget")), dec(st.get("actual"))
            if budget is None or actual is None:
                continue
            tol = half_ulp(st["budget"]["value"], st["budget"].get("decimals")) + \
                half_ulp(st["actual"]["value"], st["actual"].get("decimals"))
            if abs(actual - budget) <= tol:
                continue
            after = self._text_after(ctx, st, sts[k + 1] if k + 1 < len(sts) else None)
            if re.search(r"(?:其中|具体如下|如下)[:：]", after):
                continue  # a total whose items follow, each with its own explanation
            if words.search(after):
                ctx.counted()
                continue
            shown = "大于" if actual > budget else "小于"
            ctx.report(statement_location(ctx, st), expected="主要原因", actual=None, kind="missing",
                       subject=st.get("subject", ""), budget=st["budget"]["text"], actual_amount=st["actual"]["text"],
                       shown=shown)

    @staticmethod
    def _text_after(ctx: CheckContext, st: dict[str, Any], nxt: dict[str, Any] | None) -> str:
        """The text from the statement to the next completion statement:
        the rest of its paragraph and, when the next item does not start
        there, the following text block."""
        i = ctx.index.position(st.get("block", ""))
        if i is None:
            return ""
        text = ctx.index.normalized_text(ctx.doc["blocks"][i])
        pos = text.find(st.get("sentence", "")[:20])
        rest = text[max(pos, 0):]
        if nxt is not None and nxt.get("block") == st.get("block"):
            cut = rest.find(nxt.get("sentence", "")[:20], 1)
            return rest[:cut] if cut > 0 else rest
        for b in ctx.doc["blocks"][i + 1:i + 3]:
            if b["type"] == "table":
                break
            if nxt is not None and b["id"] == nxt.get("block"):
                nt = ctx.index.normalized_text(b)
                cut = nt.find(nxt.get("sentence", "")[:20])
                rest += nt[:cut] if cut > 0 else ""
                break
            rest += ctx.index.normalized_text(b)
        return rest

    def _holds(self, ctx: CheckContext, relation: str, budget: Decimal, actual: Decimal, st: dict[str, Any]) -> bool:
        tol = half_ulp(st["budget"]["value"], st["budget"].get("decimals")) + \
            half_ulp(st["actual"]["value"], st["actual"].get("decimals"))
        if relation == "大于":
            return actual > budget
        if relation == "小于":
            return actual < budget
        if relation == "等于":
            return abs(actual - budget) <= tol
        allowed = abs(budget) * Decimal(str(ctx.params["approx_percent"])) / 100
        return abs(actual - budget) <= max(tol, allowed)


def register(registry) -> None:
    registry.add_check(BudgetVerdict)
