"""Check type ``narrative.enumeration_sum``: “X万元，其中：a万元，b万元，c万元”
— the parts a sentence lists add up to (at most) the whole it names."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, half_ulp
from budgetlint.plugins.checks.fa_text_rates import statement_location, statements_of

_TOLERANCE = {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"}
HUNDRED = Decimal(100)


def _operand(field: dict[str, Any], location: dict[str, Any], label: str) -> Operand:
    value = field["value"].replace(",", "")
    decimals = field.get("decimals") or 2  # prose drops “.00”, it does not round to whole 万元
    return Operand(Decimal(value), value, location, label, decimals)


class EnumerationSum(Check):
    """The parts of an enumeration in the narrative against its whole.

    What it checks
        Each ``enumeration`` statement (recognizer ``statements``: an amount,
        a lead such as “其中”, then the amounts of its parts up to the end of
        the sentence).  ``mode: exceeds`` — the parts must not add up to more
        than the whole, and the shares (“占X%”) printed for them must not add
        up to more than 100%.  ``mode: exhaustive`` — when the list is
        exhaustive it must add up to the whole: at least ``min_parts`` parts,
        a sentence that ends (not cut off by the export) and no hedging word
        of ``partial_words`` (“主要用于”, “……等支出”) in the enumeration.
        Whole amounts printed without decimals (“10万元”) count as exact to
        the cent.

    Why it matters
        An itemised total whose items do not add up means an item was left
        out or a figure was not updated after the tables changed — and the
        reader cannot tell which.

    Parameters
        mode: ``exceeds`` or ``exhaustive``.
        min_parts: fewest parts for a list to be taken as exhaustive (default 2).
        partial_words: regular expression; an enumeration whose text matches
            it lists only some parts (default “主要|等支出”).
        tolerance: ``printed`` (interval from printed decimals) or an amount.
        units: the units whose enumerations are added up: ``万元`` for money
            (the default), and quantities the statements recognizer reads in
            other units (``平方米``, ``人``, ``辆`` …, see ``quantity_unit`` in
            statement_patterns.yaml).  Leave out units whose “其中” lists
            overlapping categories in practice (“实有人数21人，其中在职21人，退休13人”).

    Example
        “2021年度总支出843.61万元，其中台湾事务支出10万元，行政运行支出704.47万元，
        ……住房公积金支出3.62万元。” → the seven parts add up to 811.04.
        “地上建筑面积为8013平方米（其中计容面积7998平方米，不计容面积105平方米）”
        with ``units: [万元, 平方米]`` → the parts add up to 8103.
    """

    id: ClassVar[str] = "narrative.enumeration_sum"
    title: ClassVar[str] = "列举金额之和与总额 (enumerated parts vs their whole)"
    pure_arithmetic: ClassVar[bool] = True
    part_types: ClassVar[tuple[str, ...]] = ("部门决算", "部门整体支出绩效自评报告", "项目支出绩效自评报告")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "mode": {"enum": ["exceeds", "exhaustive"], "default": "exceeds"},
            "min_parts": {"type": "integer", "minimum": 2, "default": 2},
            "partial_words": {"type": "string", "format": "regex", "default": "主要|等支出"},
            "tolerance": _TOLERANCE,
            "units": {"type": "array", "items": {"type": "string"}, "minItems": 1, "default": ["万元"]},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        sts = statements_of(ctx, "enumeration")
        if sts is None:
            return
        partial = re.compile(ctx.params["partial_words"])
        exhaustive_seen = False
        units = set(ctx.params["units"])
        for st in sts:
            if st.get("unit", "万元") not in units:
                continue
            loc = statement_location(ctx, st)
            whole = _operand(st["amount"], loc, st.get("subject") or "总额")
            parts = [_operand(p, loc, p.get("subject", "")) for p in st["parts"]]
            total = sum((p.value for p in parts), Decimal(0))
            tol = self._tolerance(ctx, [whole, *parts])
            listed = "、".join(f"{p.label}{p.text}" for p in parts)
            if ctx.params["mode"] == "exceeds":
                self._exceeds(ctx, st, loc, whole, parts, total, tol, listed)
                continue
            exhaustive = (len(parts) >= ctx.params["min_parts"] and st.get("closed")
                          and not partial.search(st.get("lead", "") + st.get("sentence", "")))
            if not exhaustive:
                continue  # a partial list (主要、等…) need not add up to its whole
            exhaustive_seen = True
            if total > whole.value + tol:
                continue  # too much: the ``exceeds`` rule's finding
            summed = Operand(total, str(total), loc, "各项之和", 2)
            ctx.compare(loc, whole.value, summed, operands=[whole, *parts], tolerance=tol,
                        subject=whole.label, whole=st["amount"]["text"], total=total, parts=listed,
                        count=len(parts), lead=st.get("lead", ""))
        if ctx.params["mode"] != "exceeds" and not exhaustive_seen:
            ctx.not_applicable("no exhaustive list (其中 a、b、c) in this part: partial lists need not add up",
                               zh="本部分没有完整列举的分项（其中…），部分列举无须合计相符")

    def _exceeds(self, ctx: CheckContext, st: dict[str, Any], loc: dict[str, Any], whole: Operand,
                 parts: list[Operand], total: Decimal, tol: Decimal, listed: str) -> None:
        if total > whole.value + tol:
            ctx.report(loc, expected=whole.value, actual=total, kind="mismatch", subject=whole.label,
                       whole=st["amount"]["text"], total=total, parts=listed, count=len(parts),
                       lead=st.get("lead", ""), what="金额" if "unit" not in st else "数量")
            return
        shares = [p["share"] for p in st["parts"] if p.get("share")]
        if len(shares) >= 2:
            share_sum = sum((Decimal(s["value"]) for s in shares), Decimal(0))
            share_tol = sum((half_ulp(s["value"], s.get("decimals")) for s in shares), Decimal(0))
            if share_sum > HUNDRED + share_tol:
                ctx.report(loc, expected=HUNDRED, actual=share_sum, kind="mismatch", subject=whole.label,
                           whole=st["amount"]["text"], total=f"{share_sum}%", count=len(shares), lead=st.get("lead", ""),
                           parts="、".join(f"{p.get('subject', '')}{p['share']['text']}"
                                           for p in st["parts"] if p.get("share")), what="占比")
                return
        ctx.counted()

    def _tolerance(self, ctx: CheckContext, ops: list[Operand]) -> Decimal:
        explicit = ctx.params.get("tolerance", "printed")
        if explicit not in (None, "printed"):
            return Decimal(str(explicit))
        return sum((op.tolerance for op in ops), Decimal(0))


def register(registry) -> None:
    registry.add_check(EnumerationSum)
