"""Check types that recompute the percentages a 情况说明 prints from the
amounts it prints beside them (``doc["statements"]``, recognizer
``statements``): year-on-year rates, shares and budget completion rates.

The tolerance follows what was printed: the interval of every rate the
printed (rounded) amounts allow, widened by half a unit in the last printed
place of the percentage — so “19.1%” for 19.077% is fine and “37.9%” for 61.0%
is not.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, half_ulp, place
from budgetlint.core.findings import render_message

HUNDRED = Decimal(100)
_TOLERANCE = {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"}
_TEXT = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
         "additionalProperties": False}


def statements_of(ctx: CheckContext, kind: str) -> list[dict[str, Any]] | None:
    """The part's statements of ``kind``; None (and not-evaluated) when the
    recognizer did not run."""
    if "statements" not in ctx.doc:
        ctx.not_evaluated("no narrative statements: the statements recognizer did not run")
        return None
    return [s for s in ctx.index.statements(ctx.part.get("id")) if s["kind"] == kind]


def dec(field: dict[str, Any] | None) -> Decimal | None:
    if not field:
        return None
    return Decimal(field["value"])


def operand(ctx: CheckContext, st: dict[str, Any], name: str, label: str) -> Operand:
    f = st[name]
    return Operand(Decimal(f["value"]), f["value"], statement_location(ctx, st), label, f.get("decimals"))


def statement_location(ctx: CheckContext, st: dict[str, Any], **extra: Any) -> dict[str, Any]:
    block = ctx.index.block(st.get("block"))
    loc = ctx.block_location(block) if block else dict(st.get("loc", {}))
    loc["snippet"] = st.get("sentence", "")[:120]
    if st.get("subject"):
        loc["subject"] = st["subject"]
    loc.update({k: v for k, v in extra.items() if v is not None})
    return loc


def statement_figure(st: dict[str, Any], field: str) -> str:
    """A name for one figure of one statement (its paragraph, topic or subject,
    and value), for ``ctx.report(inputs=…, derives=…)``: a check that judges
    the figure (the text against its table) is then the root of a check that
    only reads it (the same fact restated elsewhere with another value)."""
    value = Decimal(str(st[field]["value"]).replace(",", "")).normalize()
    return f"说明:{st.get('block')}:{st.get('topic') or st.get('subject', '')}:{value}"


def ratio_interval(num: Decimal, num_tol: Decimal, den: Decimal, den_tol: Decimal) -> tuple[Decimal, Decimal]:
    """Smallest and largest num/den×100 the printed roundings allow."""
    lo_den, hi_den = den - den_tol, den + den_tol
    if lo_den <= 0:
        lo_den = den if den > 0 else Decimal("1e-9")
    lo = max(num - num_tol, Decimal(0)) / hi_den * HUNDRED
    hi = (num + num_tol) / lo_den * HUNDRED
    return lo, hi


def percent_tolerance(ctx: CheckContext, expected: Decimal, lo: Decimal, hi: Decimal, printed: dict[str, Any]) -> Decimal:
    explicit = ctx.params.get("tolerance", "printed")
    if explicit not in (None, "printed"):
        return Decimal(str(explicit))
    return max(hi - expected, expected - lo) + half_ulp(printed["value"], printed.get("decimals"))


def shown(value: Decimal, places: int = 2) -> Decimal:
    """For the message: a computed percentage to ``places`` decimals."""
    return value.quantize(Decimal(1).scaleb(-places))


def rounds_to(expected: Decimal, printed: dict[str, Any]) -> bool:
    """True when the printed percentage is exactly ``expected`` rounded to
    the decimals it was printed with (19.08% printed “19.1%”): no finding."""
    places = printed.get("decimals") or 0
    return expected.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == Decimal(printed["value"])


def truncation_note(ctx: CheckContext, expected: Decimal, printed: dict[str, Any]) -> str:
    """The rule's ``truncation`` text when the printed percentage is the true
    one cut off (not rounded) at its printed decimals — 95.457% printed
    “95.45%”: a rounding-level slip of the writer's calculator, not a wrong
    figure.  Empty otherwise (and when the rule gives no such text)."""
    text = pick(ctx.params.get("truncation"), ctx.lang)
    if not text:
        return ""
    places = printed.get("decimals") or 0
    cut = expected.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return text if cut == Decimal(printed["value"]) and cut != expected else ""


def truncation_tolerance(tol: Decimal, note: str, expected: Decimal, printed: Decimal) -> Decimal:
    """Widen the tolerance to the difference when the value was truncated, so
    ``ctx.compare`` records a 尾数差异 (info) instead of a mismatch."""
    return max(tol, abs(printed - shown(expected))) if note else tol


def pick(text: dict[str, str] | None, lang: str) -> str:
    if not text:
        return ""
    return text.get(lang) or text.get("zh") or ""


def signed_change(st: dict[str, Any]) -> Decimal | None:
    change = dec(st.get("change"))
    if change is None:
        return None
    if st.get("direction") == "减少":
        return -change
    if st.get("direction") == "增加":
        return change
    return None


def printed_base(st: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal] | None:
    """(previous, current, signed change) of a sentence that prints the
    previous year's figure itself (a 部门预算 编制说明: “2025年执行数A万元，
    2026年预算B万元，比2025年执行数增加Y%”): the printed figure is the base and
    the change is B − A.  None for sentences that print only the change."""
    previous, current = dec(st.get("previous")), dec(st.get("amount"))
    if previous is None or current is None:
        return None
    return previous, current, current - previous


def _base_tolerance(st: dict[str, Any]) -> Decimal:
    return half_ulp(st["amount"]["value"], st["amount"].get("decimals")) + \
        half_ulp(st["previous"]["value"], st["previous"].get("decimals"))


def _amount_text(value: Decimal, *like: dict[str, Any]) -> str:
    """B − A as a clerk writes it: at the finer of the two printed precisions."""
    places = max((f.get("decimals") or 0) for f in like)
    return f"{abs(value):.{places}f}万元"


class ChangeRate(Check):
    """Year-on-year (or against-budget) changes stated in the narrative.

    What it checks
        Each “与上年相比，增加/减少 X 万元，增长/降低 Y%” statement (recognizer
        ``statements``, kind ``change``).  ``mode: rate`` recomputes Y against
        the previous amount, which is the current amount minus the signed
        change (522.47 − 197.95 = 324.52 → 61.0%), at the precision Y was
        printed with; when Y instead equals X divided by the *current* amount
        the message says the rate was computed on the wrong base.
        ``mode: direction`` checks that the word of the amount (增加/减少) and
        the word of the rate (增长/降低) point the same way, and that a 持平
        statement carries no change.
        ``mode: flat`` flags a sentence that says both that the amount moved
        and that it stayed level (“减少为0.00万元，与上年持平”).
        ``mode: zero_base`` flags a rate stated on a zero base: the sentence's
        own figures give a previous amount of 0 (current = change), so
        “增长100%” (or any rate) is meaningless; the text should say that there
        was no such spending last year.

    Why it matters
        A growth rate is what readers quote.  Dividing by this year's figure
        instead of last year's understates every increase; a “减少 … 增长”
        sentence contradicts itself.

    Parameters
        mode: ``rate``, ``direction``, ``flat`` or ``zero_base``.
        tolerance: ``printed`` (interval from printed decimals) or a number of
            percentage points.
        truncation: ``{zh, en}`` note added (as ``{note}``) when the printed
            percentage is the true one truncated at its decimals; such a
            difference is then a 尾数差异 (info), not a mismatch.
        hints: ``{wrong_base: {zh, en}}`` — text appended to the message when
            the printed rate equals change / current amount.

    Example
        “2020年度收入总计522.47万元。与上年相比，增加197.95万元，增长37.9%” →
        上年 324.52 万元, rate 61.0%, printed 37.9% = 197.95/522.47: wrong base.
    """

    id: ClassVar[str] = "fa_text.change_rate"
    title: ClassVar[str] = "情况说明增减变动率 (narrative year-on-year change rates)"
    pure_arithmetic: ClassVar[bool] = True
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "mode": {"enum": ["rate", "direction", "flat", "zero_base"], "default": "rate"},
            "tolerance": _TOLERANCE,
            "hints": {"type": "object", "properties": {"wrong_base": _TEXT}, "additionalProperties": False,
                      "default": {}},
            "truncation": _TEXT,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        sts = statements_of(ctx, "change")
        if sts is None:
            return
        if ctx.params["mode"] == "rate":
            unparsed = statements_of(ctx, "unparsed") or []
            if unparsed:
                where = "、".join(f"{place(statement_location(ctx, u), ctx.lang)}“{u.get('cue', '')}”" for u in unparsed[:5])
                ctx.not_evaluated(f"{len(unparsed)} comparison(s) could not be read as an amount or rate of change: {where}",
                                  zh=f"{len(unparsed)} 处比较表述未能解析为增减额/增减率：{where}")
        for st in sts:
            mode = ctx.params["mode"]
            if mode == "direction":
                self._direction(ctx, st)
            elif mode == "flat":
                self._flat(ctx, st)
            elif mode == "zero_base":
                self._zero_base(ctx, st)
            else:
                try:
                    self._rate(ctx, st)
                except ArithmeticError:  # a figure too large to recompute at printed precision
                    where = statement_location(ctx, st)
                    line = f"第{where['line']}行" if where.get("line") else (st.get("sentence") or "")[:30]
                    ctx.not_evaluated(f"the change rate at {place(where, 'en')} could not be recomputed: a figure is "
                                      "out of range", zh=f"{line}的增减率无法按印刷精度重算（数值过大）")

    def _flat(self, ctx: CheckContext, st: dict[str, Any]) -> None:
        based = printed_base(st)
        if based is not None and st.get("flat") and "direction" not in st:
            if abs(based[2]) <= _base_tolerance(st):  # “10.00万元 … 10.00万元，比上年持平”
                ctx.counted()
                return
            ctx.report(statement_location(ctx, st), expected=None, actual=st.get("sentence", "")[:60], kind="direction",
                       subject=st.get("subject", ""),
                       word=f"上年执行数{st['previous']['text']}、本年预算{st['amount']['text']}",
                       flat_word=st.get("flat_text", ""))
            return
        moved = st.get("direction") in ("增加", "减少")
        change = dec(st.get("change"))
        if st.get("flat") == "持平" and moved:
            contradiction = st.get("direction_text", "")
        elif st.get("direction") == "持平" and change is not None and change != 0:
            contradiction = st["change"]["text"]
        else:
            if st.get("direction") == "持平" or st.get("flat"):
                ctx.counted()
            return
        ctx.report(statement_location(ctx, st), expected=None, actual=st.get("sentence", "")[:60], kind="direction",
                   subject=st.get("subject", ""), word=contradiction,
                   flat_word=st.get("flat_text") or st.get("direction_text", ""))

    def _zero_base(self, ctx: CheckContext, st: dict[str, Any]) -> None:
        based = printed_base(st)
        if based is not None:
            previous, current, change = based
            if st.get("rate") is None:
                return
            if abs(previous) > half_ulp(st["previous"]["value"], st["previous"].get("decimals")):
                ctx.counted()
                return
            ctx.report(statement_location(ctx, st), expected=None, actual=st["rate"]["text"], kind="zero_base",
                       subject=st.get("subject", ""), current=st["amount"]["text"],
                       change=_amount_text(change, st["amount"], st["previous"]),
                       direction=st.get("direction_text") or st.get("rate_direction_text", ""), rate=st["rate"]["text"],
                       rate_word=st.get("rate_direction_text", ""), reference=st.get("reference", ""),
                       previous=st["previous"]["text"])
            return
        current, change, rate = dec(st.get("amount")), signed_change(st), dec(st.get("rate"))
        if current is None or change is None or rate is None:
            return
        h = half_ulp(st["amount"]["value"], st["amount"].get("decimals")) + \
            half_ulp(st["change"]["value"], st["change"].get("decimals"))
        if abs(current - change) > h:
            ctx.counted()
            return
        ctx.report(statement_location(ctx, st), expected=None, actual=st["rate"]["text"], kind="zero_base",
                   subject=st.get("subject", ""), current=st["amount"]["text"], change=st["change"]["text"],
                   direction=st.get("direction_text", ""), rate=st["rate"]["text"],
                   rate_word=st.get("rate_direction_text", ""), reference=st.get("reference", ""))

    def _direction(self, ctx: CheckContext, st: dict[str, Any]) -> None:
        based = printed_base(st)
        if based is not None:  # the printed figures decide the direction
            previous, current, change = based
            if abs(change) <= _base_tolerance(st):
                ctx.counted()
                return
            moved = "增加" if change > 0 else "减少"
            for key in ("direction", "rate_direction"):
                if st.get(key) in ("增加", "减少") and st[key] != moved:
                    ctx.report(statement_location(ctx, st), expected=moved, actual=st.get(key + "_text"),
                               kind="direction", subject=st.get("subject", ""),
                               word=f"上年执行数{st['previous']['text']}、本年预算{st['amount']['text']}",
                               rate_word=st.get(key + "_text"))
                    return
            ctx.counted()
            return
        d, rd = st.get("direction"), st.get("rate_direction")
        if rd is None:
            if d == "持平":
                ctx.counted()
            return
        if d == rd or (d in ("增加", "减少") and rd in ("增加", "减少") and d == rd):
            ctx.counted()
            return
        ctx.report(statement_location(ctx, st), expected=st.get("direction_text"), actual=st.get("rate_direction_text"),
                   kind="direction", subject=st.get("subject", ""), word=st.get("direction_text"),
                   rate_word=st.get("rate_direction_text"))

    def _rate(self, ctx: CheckContext, st: dict[str, Any]) -> None:
        based = printed_base(st)
        if based is not None:
            self._rate_on_printed_base(ctx, st, *based)
            return
        current, change, rate = dec(st.get("amount")), signed_change(st), dec(st.get("rate"))
        if current is None or change is None or rate is None:
            return
        previous = current - change
        h_cur = half_ulp(st["amount"]["value"], st["amount"].get("decimals"))
        h_chg = half_ulp(st["change"]["value"], st["change"].get("decimals"))
        if previous <= 0:
            return  # growth from nothing has no rate; nothing to recompute
        expected = abs(change) / previous * HUNDRED
        lo, hi = ratio_interval(abs(change), h_chg, previous, h_cur + h_chg)
        tol = percent_tolerance(ctx, expected, lo, hi, st["rate"])
        hint = ""
        if abs(rate - expected) > tol and current > 0:
            if rounds_to(abs(change) / current * HUNDRED, st["rate"]):
                hint = render_message(pick(ctx.params.get("hints", {}).get("wrong_base"), ctx.lang),
                                      {"change": st["change"]["value"], "current": st["amount"]["value"]})
        self._judge_rate(ctx, st, expected, tol, rate,
                         [operand(ctx, st, "amount", "本年数"), operand(ctx, st, "change", "增减额")],
                         change=st["change"]["text"], direction=st.get("direction_text", ""), previous=previous,
                         hint=hint)

    def _judge_rate(self, ctx: CheckContext, st: dict[str, Any], expected: Decimal, tol: Decimal, rate: Decimal,
                    ops: list[Operand], **message: Any) -> None:
        """The printed rate passes when it is ``expected`` rounded as printed;
        otherwise it is compared within ``tol`` (a truncated figure is a
        rounding note, not an error)."""
        if rounds_to(expected, st["rate"]):
            ctx.counted()
            return
        note = truncation_note(ctx, expected, st["rate"])
        tol = truncation_tolerance(tol, note, expected, rate)
        ctx.compare(statement_location(ctx, st), shown(expected), operand(ctx, st, "rate", "增减率"), operands=ops,
                    tolerance=tol, note=note, subject=st.get("subject", ""), current=st["amount"]["value"],
                    rate=st["rate"]["text"], reference=st.get("reference", ""), **message)

    def _rate_on_printed_base(self, ctx: CheckContext, st: dict[str, Any], previous: Decimal, current: Decimal,
                              change: Decimal) -> None:
        """A rate whose base the sentence prints: (current − previous) ÷
        previous, judged at the precision of the printed figures."""
        rate = dec(st.get("rate"))
        if rate is None or previous <= 0:
            return  # 持平, or a zero base (mode zero_base)
        h_prev = half_ulp(st["previous"]["value"], st["previous"].get("decimals"))
        h_cur = half_ulp(st["amount"]["value"], st["amount"].get("decimals"))
        expected = abs(change) / previous * HUNDRED
        lo, hi = ratio_interval(abs(change), h_prev + h_cur, previous, h_prev)
        tol = percent_tolerance(ctx, expected, lo, hi, st["rate"])
        self._judge_rate(ctx, st, expected, tol, rate,
                         [operand(ctx, st, "previous", "上年数"), operand(ctx, st, "amount", "本年数")],
                         change=_amount_text(change, st["amount"], st["previous"]),
                         direction="增加" if change >= 0 else "减少", previous=st["previous"]["value"],
                         rate_word=st.get("rate_direction_text", ""), hint="")


class Completion(Check):
    """Budget completion rates stated in the narrative.

    What it checks
        Each “年初预算为 A 万元，支出决算为 B 万元，完成年初预算的 C%”
        statement (kind ``completion``).  ``mode: rate`` recomputes C = B / A
        at the precision C was printed with.  ``mode: zero_budget`` flags a
        completion percentage stated for a budget of 0: a share of nothing is
        undefined, whatever number is printed (100%, 0%).

    Why it matters
        The completion rate is the headline of budget execution.  Writing
        “完成年初预算的100%” for an item that had no budget hides that the whole
        amount was added during the year.

    Parameters
        mode: ``rate`` or ``zero_budget``.
        tolerance: ``printed`` or a number of percentage points.
        truncation: ``{zh, en}`` note added (as ``{note}``) when the printed
            percentage is the true one truncated at its decimals; such a
            difference is then a 尾数差异 (info), not a mismatch.

    Example
        “年初预算为0万元，支出决算为5万元，完成年初预算的100%” → zero budget.
    """

    id: ClassVar[str] = "fa_text.completion"
    title: ClassVar[str] = "情况说明预算完成率 (narrative budget completion rates)"
    pure_arithmetic: ClassVar[bool] = True
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"mode": {"enum": ["rate", "zero_budget"], "default": "rate"}, "tolerance": _TOLERANCE,
                       "truncation": _TEXT},
    }

    def run(self, ctx: CheckContext) -> None:
        sts = statements_of(ctx, "completion")
        if sts is None:
            return
        for st in sts:
            budget, actual, comp = dec(st.get("budget")), dec(st.get("actual")), dec(st.get("completion"))
            if ctx.params["mode"] == "zero_budget" and budget == 0 and comp is None:
                ctx.counted()  # a zero budget stated without a percentage: what the template asks for
                continue
            if budget is None or actual is None or comp is None:
                continue
            loc = statement_location(ctx, st)
            if ctx.params["mode"] == "zero_budget":
                if budget == 0:
                    ctx.report(loc, expected=None, actual=st["completion"]["text"], kind="zero_budget",
                               subject=st.get("subject", ""), budget=st["budget"]["text"],
                               actual_amount=st["actual"]["text"], completion=st["completion"]["text"])
                else:
                    ctx.counted()
                continue
            if budget == 0:
                continue
            judged = _percentage(ctx, st, "actual", "budget", "completion")
            if judged is None:
                continue
            expected, tol, note = judged
            ctx.compare(loc, shown(expected), operand(ctx, st, "completion", "完成率"), note=note,
                        operands=[operand(ctx, st, "budget", "预算数"), operand(ctx, st, "actual", "决算数")],
                        tolerance=tol, subject=st.get("subject", ""), budget=st["budget"]["text"],
                        actual_amount=st["actual"]["text"], completion=st["completion"]["text"])


def _percentage(ctx: CheckContext, st: dict[str, Any], num_key: str, den_key: str,
                pct_key: str) -> tuple[Decimal, Decimal, str] | None:
    """The percentage a statement should print (num ÷ den × 100), the
    tolerance to judge the printed one by (the ratio's rounding interval,
    widened when the text truncated instead of rounding) and the truncation
    note.  None — counted as fine — when the printed value is an exact
    rounding of the true one."""
    num, den, pct = dec(st.get(num_key)), dec(st.get(den_key)), dec(st.get(pct_key))
    h_n = half_ulp(st[num_key]["value"], st[num_key].get("decimals"))
    h_d = half_ulp(st[den_key]["value"], st[den_key].get("decimals"))
    expected = num / den * HUNDRED
    lo, hi = ratio_interval(num, h_n, den, h_d)
    tol = percent_tolerance(ctx, expected, lo, hi, st[pct_key])
    if rounds_to(expected, st[pct_key]):
        ctx.counted()
        return None
    note = truncation_note(ctx, expected, st[pct_key])
    return expected, truncation_tolerance(tol, note, expected, pct), note


class Share(Check):
    """Shares (“占 X%”) stated in the narrative.

    What it checks
        Each “A 万元，占 p%” statement (kind ``share``) whose denominator the
        recognizer resolved: the total of the enumeration it belongs to
        (“本年支出合计522.47万元，其中：基本支出403.68万元，占77.3%”) or the
        amount the sentence names (“占基本支出的91.3%”).  p is recomputed at
        its printed precision.  Shares of a zero total and shares whose
        denominator the text never states are skipped.

    Why it matters
        Shares are recomputed by hand after late corrections to the tables;
        a stale share no longer adds up with its neighbours.

    Parameters
        tolerance: ``printed`` or a number of percentage points.
        truncation: ``{zh, en}`` note added (as ``{note}``) when the printed
            percentage is the true one truncated at its decimals; such a
            difference is then a 尾数差异 (info), not a mismatch.

    Example
        “人员经费348.48万元，占基本支出的91.3%” with 基本支出381.78万元 → 91.28%: fine.
    """

    id: ClassVar[str] = "fa_text.share"
    title: ClassVar[str] = "情况说明占比 (narrative shares)"
    pure_arithmetic: ClassVar[bool] = True
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"tolerance": _TOLERANCE, "truncation": _TEXT},
    }

    def run(self, ctx: CheckContext) -> None:
        sts = statements_of(ctx, "share")
        if sts is None:
            return
        for st in sts:
            total, amount, share = dec(st.get("total")), dec(st.get("amount")), dec(st.get("share"))
            if total is None or amount is None or share is None or total == 0:
                continue
            judged = _percentage(ctx, st, "amount", "total", "share")
            if judged is None:
                continue
            expected, tol, note = judged
            total_op = Operand(total, st["total"]["value"], statement_location(ctx, st), "分母",
                               st["total"].get("decimals"))
            ctx.compare(statement_location(ctx, st), shown(expected), operand(ctx, st, "share", "占比"), note=note,
                        operands=[operand(ctx, st, "amount", "金额"), total_op], tolerance=tol,
                        subject=st.get("subject", ""), amount=st["amount"]["text"], total=st["total"]["text"],
                        denominator=st.get("denominator") or st["total"].get("subject", ""),
                        share=st["share"]["text"])


def register(registry) -> None:
    registry.add_check(ChangeRate)
    registry.add_check(Completion)
    registry.add_check(Share)
