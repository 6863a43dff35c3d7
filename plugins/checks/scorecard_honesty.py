"""Scorecard honesty and completeness checks: scores against targets and
reasons, printed deduction standards, targets set too low, required fields."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.values import normalize_text
from budgetlint.plugins.checks.scorecard_common import (
    PART_TYPES, cards, compare_target, dec, fmt, is_blank_reason, item_label, items, location)

_BLANKS_SCHEMA = {"type": "array", "items": {"type": "string"}, "default": ["无", "/", "-", "—", "无偏差"]}


class Honesty(Check):
    """Scores that do not follow from the targets, and deductions without a reason.

    What it checks
        For each 三级 item, comparing 实际完成值 with 年度指标值 by the
        target's printed comparator (≥, ≤, =, 以上…; items without one are
        not judged):

        * ``condition: missed_full_marks`` — the target was missed but the
          item has full marks (得分 = 分值);
        * ``condition: deducted_without_reason`` — 得分 < 分值 and the
          偏差原因分析 cell is empty (or only says 无).

    Why it matters
        A missed target with full marks is an inflated self-evaluation; a
        deduction without a stated reason cannot be followed up.  The forms
        require 偏差原因分析 whenever the result departs from the target.

    Parameters
        condition: ``missed_full_marks`` or ``deducted_without_reason``.
        blank_reasons: texts that count as an empty reason.

    Example
        “预算执行管理（4） … 100% | 3 |” with no reason → finding.
    """

    id: ClassVar[str] = "scorecard.honesty"
    title: ClassVar[str] = "自评得分与目标完成情况 (score honesty)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["condition"],
        "properties": {"condition": {"enum": ["missed_full_marks", "deducted_without_reason"]},
                       "blank_reasons": _BLANKS_SCHEMA},
    }

    def run(self, ctx: CheckContext) -> None:
        cond = ctx.params["condition"]
        uncomparable: list[str] = []
        for card in cards(ctx):
            for l1, l2, item in items(card):
                w, s = dec(item.get("分值")), dec(item.get("得分"))
                if w is None or s is None:
                    continue
                met, _t, _a = compare_target(item)
                blank = is_blank_reason(item["偏差原因分析"]["text"], ctx.params["blank_reasons"])
                name = item_label(l1, l2, item)
                common = {"indicator": name, "target": item["年度指标值"]["text"],
                          "actual_text": item["实际完成值"]["text"]}
                if cond == "missed_full_marks":
                    if met is None:
                        uncomparable.append(name)
                        continue
                    ctx.counted()
                    if not met and s >= w:
                        ctx.report(location(ctx, card, item["得分"]["loc"], indicator=name, field="得分"),
                                   expected=f"<{fmt(w)}", actual=s, **common,
                                   reason=item["偏差原因分析"]["text"])
                else:
                    ctx.counted()
                    if s < w and blank:
                        ctx.report(location(ctx, card, item["偏差原因分析"]["loc"] if item["偏差原因分析"]["text"]
                                            else item["得分"]["loc"], indicator=name, field="偏差原因分析"),
                                   expected=w, actual=s, **common)
        if cond == "missed_full_marks" and uncomparable and ctx.outcome.checked == 0:
            ctx.not_evaluated(f"no 年度指标值 could be compared with its 实际完成值 ({len(uncomparable)} "
                              f"qualitative or unparseable target(s), e.g. {uncomparable[0]})")


_NUM = r"(\d+(?:\.\d+)?)"
_SCORE = r"(得满分|不得分|得" + _NUM + r"分)"
_CLAUSES = [
    ("ge", re.compile(_NUM + r"[%\u4e00-\u9fff]{0,2}?(?:及|或)?以上(?:的)?[,，]?" + _SCORE)),
    ("between", re.compile(_NUM + r"[%\u4e00-\u9fff]{0,2}?[-—~至]" + _NUM + r"[%\u4e00-\u9fff]{0,2}?(?:之间)?(?:的)?[,，]?" + _SCORE)),
    ("lt", re.compile(_NUM + r"[%\u4e00-\u9fff]{0,2}?(?:以下|以内)(?:的)?[,，]?" + _SCORE)),
    ("met", re.compile(r"(?:完成目标|达到目标|符合要求|达到要求)(?:的)?[,，]?" + _SCORE)),
    ("missed", re.compile(r"(?:未达到|未完成|不符合要求|未达到要求)(?:目标)?(?:的)?[,，]?" + _SCORE)),
]


def parse_standard(text: str) -> list[tuple[str, tuple[Decimal, ...], str]]:
    """Clauses of a printed 扣分标准: (condition, bounds, score) where score is
    ``full``, ``zero`` or a number string.  Unparsed clauses are skipped; the
    caller only scores an item whose actual falls into a parsed clause."""
    t = normalize_text(text)
    found = []
    for kind, rx in _CLAUSES:
        for m in rx.finditer(t):
            g = m.groups()
            nums = tuple(Decimal(x) for x in g if x and re.fullmatch(r"\d+(?:\.\d+)?", x))
            score_text = next(x for x in g if x and x.startswith(("得", "不")))
            score = "full" if score_text == "得满分" else "zero" if score_text == "不得分" else score_text[1:-1]
            bounds = nums[:-1] if score not in ("full", "zero") else nums
            found.append((m.start(), kind, bounds, score))
    found.sort()
    return [(k, b, s) for _, k, b, s in found]


class DeductionStandard(Check):
    """The score follows from the printed 扣分标准.

    What it checks
        Where the form has a 扣分标准 column and its text parses (“执行率在80%
        以上得满分，70%-80%之间得1分，70%以下不得分”, “完成目标得满分，未达到不
        得分”), the clause that the 实际完成值 falls into gives the score; the
        printed 得分 must equal it.  Items whose actual is not a number, or
        falls into a clause that does not parse (“扣1分，依次递减”), are skipped.

    Why it matters
        The standard is the form's own scoring rule; a score that contradicts
        it is a scoring error the reviewer will find.

    Parameters
        blank_reasons: texts that count as no standard printed (无, /).

    Example
        扣分标准 “90%以上得满分，80%-89%之间得3分”, actual 85%, 得分 5 (分值 5)
        → finding, expected 3.
    """

    id: ClassVar[str] = "scorecard.deduction_standard"
    title: ClassVar[str] = "按扣分标准计分 (score per deduction standard)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "properties": {"blank_reasons": _BLANKS_SCHEMA}}

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            if not card.get("has_deduction_column"):
                ctx.not_applicable("the form has no 扣分标准 column")
                continue
            for l1, l2, item in items(card):
                std = item.get("扣分标准")
                w, s = dec(item.get("分值")), dec(item.get("得分"))
                if not std or w is None or s is None or is_blank_reason(std["text"], ctx.params["blank_reasons"]):
                    continue
                want = self._expected(parse_standard(std["text"]), item, w)
                if want is None:
                    continue
                ctx.counted()
                if want != s:
                    name = item_label(l1, l2, item)
                    ctx.report(location(ctx, card, item["得分"]["loc"], indicator=name, field="得分"),
                               expected=want, actual=s, indicator=name, standard=std["text"],
                               actual_text=item["实际完成值"]["text"])

    @staticmethod
    def _expected(clauses: list[tuple[str, tuple[Decimal, ...], str]], item: dict[str, Any],
                  w: Decimal) -> Decimal | None:
        av = (item.get("实际完成值") or {}).get("value") or {}
        a = Decimal(av["number"]) if "number" in av and av.get("kind") != "multi" else None
        met, _, _ = compare_target(item)
        for kind, bounds, score in clauses:
            hit = None
            if kind == "met":
                hit = met
            elif kind == "missed":
                hit = None if met is None else not met
            elif a is not None and kind == "ge" and bounds:
                hit = a >= bounds[0]
            elif a is not None and kind == "between" and len(bounds) >= 2:
                hit = bounds[0] <= a <= bounds[1]
            elif a is not None and kind == "lt" and bounds:
                hit = a < bounds[0]
            if hit:
                return w if score == "full" else Decimal(0) if score == "zero" else Decimal(score)
        return None


class TargetRatio(Check):
    """A target exceeded many times over with full marks was set too low.

    What it checks
        Items whose target is a lower bound (≥, 以上) and whose actual, in the
        same unit, is at least ``min_ratio`` times the target while the item
        has full marks.

    Why it matters
        Targets far below what the unit routinely achieves make the
        self-evaluation meaningless (目标设置偏低); the finance bureau asks
        for realistic targets next year.

    Parameters
        min_ratio: actual ÷ target at or above which the finding is raised.

    Example
        Target “≥5次”, actual “20次”, full marks, min_ratio 3 → info finding.
    """

    id: ClassVar[str] = "scorecard.target_ratio"
    title: ClassVar[str] = "目标设置偏低 (target set too low)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"min_ratio": {"type": "number", "exclusiveMinimum": 1, "default": 3}}}

    def run(self, ctx: CheckContext) -> None:
        ratio_min = Decimal(str(ctx.params["min_ratio"]))
        minimum_targets = 0
        for card in cards(ctx):
            for l1, l2, item in items(card):
                tv = (item.get("年度指标值") or {}).get("value") or {}
                if tv.get("comparator") not in (">=", ">") or tv.get("unit") == "%":
                    continue
                minimum_targets += 1
                met, t, a = compare_target(item)
                w, s = dec(item.get("分值")), dec(item.get("得分"))
                if met is None or not t or w is None or s is None:
                    continue
                ctx.counted()
                if a / t >= ratio_min and s >= w:
                    name = item_label(l1, l2, item)
                    ctx.report(location(ctx, card, item["实际完成值"]["loc"], indicator=name, field="实际完成值"),
                               expected=f"<{fmt(t * ratio_min)}", actual=a, indicator=name,
                               target=item["年度指标值"]["text"], actual_text=item["实际完成值"]["text"],
                               ratio=fmt((a / t).quantize(Decimal("0.1"))))
        if not minimum_targets:
            ctx.not_applicable("no indicator states a numeric minimum target (≥ N 篇/件/次)")


class RequiredFields(Check):
    """The scorecard's required fields are filled.

    What it checks
        Each field in ``fields`` — ``name`` (部门名称 / 项目名称),
        ``goals.预期目标``, ``goals.实际完成情况`` — must be printed and not
        empty.

    Why it matters
        A scorecard without the unit's or project's name, or without its
        annual goals and what was achieved, cannot be attributed or judged.

    Parameters
        fields: list of ``{field, label}``; ``field`` is ``name`` or
            ``goals.<预期目标|实际完成情况>``, ``label`` names it in the message.

    Example
        “部门名称 | | | …” with nothing after the label → finding at that line.
    """

    id: ClassVar[str] = "scorecard.required_fields"
    title: ClassVar[str] = "必填项 (required fields)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["fields"],
        "properties": {"fields": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["field", "label"], "additionalProperties": False,
            "properties": {"field": {"type": "string", "pattern": r"^(name|goals\.(预期目标|实际完成情况))$"},
                           "label": {"type": "string"}}}}},
    }

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            for spec in ctx.params["fields"]:
                ctx.counted()
                if spec["field"] == "name":
                    slot = card["header"].get("name") or {}
                    label = slot.get("label") or spec["label"]
                else:
                    goals = card.get("goals") or {}
                    slot = goals.get(spec["field"].split(".", 1)[1]) or {"loc": goals.get("loc") or card["loc"]}
                    label = spec["label"]
                if not (slot.get("text") or "").strip():
                    ctx.report(location(ctx, card, slot.get("loc") or card["loc"], field=label),
                               actual="", field_label=label, kind="missing")


def register(registry) -> None:
    for cls in (Honesty, DeductionStandard, TargetRatio, RequiredFields):
        registry.add_check(cls)
