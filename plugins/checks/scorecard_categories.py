"""Check type ``scorecard.satisfaction_category``: an indicator that
measures satisfaction sits under the satisfaction category, and only such
indicators do."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, place
from budgetlint.plugins.checks.scorecard_common import PART_TYPES, cards, location

_TEXT = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
         "additionalProperties": False}


class SatisfactionCategory(Check):
    """Satisfaction indicators filed under the satisfaction category.

    What it checks
        The categories of a 绩效自评表 are standardized (产出指标: 数量/质量/
        时效/成本指标; 效益指标: 经济/社会/生态效益、可持续影响指标; 满意度指标:
        服务对象满意度指标).  Every scored row (三级 indicator) is filed in a
        category: its 二级 label when that is printed and is either a
        satisfaction label (``satisfaction_categories``) or one of the
        ``other_categories``; otherwise its 一级 label.  The check reports
        a row whose name measures satisfaction (``satisfaction_words``, e.g.
        满意率/满意度) filed in another category, and a row of a satisfaction
        category whose name, target and result neither measure satisfaction
        nor name a related measure (``related_words``: 投诉, 认可 …).  One
        finding per scorecard lists the misfiled rows of both kinds, at the
        first of them; a scorecard without misfiled rows counts as checked.

    Why it matters
        Satisfaction is scored apart because it is what the service's users
        say; a 满意率 under 成本指标 and “三公”经费节约 under 满意度指标 mean
        the 一级/二级 labels were shifted when the table was filled in, so
        every category's weight and score is read against the wrong rows.

    Parameters
        satisfaction_categories: regular expression of a category label
            meaning satisfaction (default “满意度”: 满意度指标, 服务对象满意度指标).
        other_categories: the standard labels of the other 二级 categories
            (a printed 二级 label in this list files its rows there even
            under 满意度指标).
        satisfaction_words: regular expression of an indicator name that
            measures satisfaction (default “满意”).
        related_words: regular expression of measures a satisfaction
            category may hold without the word (default “投诉|认可|好评|评价”).
        message_inside_only: the message (zh/en) when only rows that
            measure no satisfaction sit in a satisfaction category; the
            rule's message is used when both kinds are present (labels
            swapped).
        message_outside_only: the message (zh/en) when only satisfaction
            rows are filed elsewhere.

    Example
        满意度指标 | 按照中央八项规定要求…严格执行规章制度 | =100% and, below,
        成本指标 | 在职干部满意率 | ≥95% → one finding naming both rows.
    """

    id: ClassVar[str] = "scorecard.satisfaction_category"
    title: ClassVar[str] = "满意度指标归类 (satisfaction indicators in their category)"
    pure_arithmetic: ClassVar[bool] = False
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "satisfaction_categories": {"type": "string", "format": "regex", "default": "满意度"},
            "other_categories": {"type": "array", "items": {"type": "string"},
                                 "default": ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标",
                                             "社会效益指标", "生态效益指标", "可持续影响指标"]},
            "satisfaction_words": {"type": "string", "format": "regex", "default": "满意"},
            "related_words": {"type": "string", "format": "regex", "default": "投诉|认可|好评|评价"},
            "message_inside_only": _TEXT,
            "message_outside_only": _TEXT,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        p = ctx.params
        cat_rx, word_rx = re.compile(p["satisfaction_categories"]), re.compile(p["satisfaction_words"])
        related_rx = re.compile(p["related_words"])
        others = {_compact(c) for c in p["other_categories"]}
        for card in cards(ctx):
            inside: list[tuple[str, dict[str, Any], dict[str, Any]]] = []    # (category, row, label node)
            outside: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
            for l1 in card.get("indicators", []):
                for l2 in l1.get("children", []):
                    l2_name = _compact(l2.get("name") or "")
                    if l2_name and (cat_rx.search(l2_name) or l2_name in others):
                        category, node = l2.get("name") or "", l2
                    else:
                        category, node = l1.get("name") or "", l1
                    satisfaction = bool(cat_rx.search(_compact(category)))
                    for item in l2.get("children", []):
                        name = _compact(item.get("name") or "")
                        if not name:
                            continue
                        if satisfaction:
                            said = name + _compact((item.get("年度指标值") or {}).get("text", "")) + \
                                _compact((item.get("实际完成值") or {}).get("text", ""))
                            if not word_rx.search(said) and not related_rx.search(said):
                                inside.append((category, item, node))
                        elif word_rx.search(name):
                            outside.append((category, item, node))
            if not inside and not outside:
                ctx.counted()
                continue
            self._report(ctx, card, inside, outside)

    def _report(self, ctx: CheckContext, card: dict[str, Any], inside: list[tuple[str, dict[str, Any], dict[str, Any]]],
                outside: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        def rows(found: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> str:
            sep = "、" if ctx.lang == "zh" else ", "
            return sep.join(f"“{item.get('name', '')}”（{place(item.get('loc'), ctx.lang)}）" if ctx.lang == "zh"
                            else f"“{item.get('name', '')}” ({place(item.get('loc'), ctx.lang)})"
                            for _, item, _ in found)

        def categories(found: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> str:
            return "、".join(dict.fromkeys(c for c, _, _ in found))

        first = min(inside + outside, key=lambda f: _order(f[1].get("loc")))[1]
        message = None
        if not outside:
            message = ctx.params.get("message_inside_only")
        elif not inside:
            message = ctx.params.get("message_outside_only")
        inputs = [location(ctx, card, item.get("loc")) for _, item, _ in inside + outside]
        ctx.report(location(ctx, card, first.get("loc"), indicator=first.get("name")),
                   expected=None, actual=None, kind="misfiled", message=message or None,
                   inside=rows(inside), inside_category=categories(inside),
                   outside=rows(outside), outside_category=categories(outside), inputs=inputs)


def _compact(text: str) -> str:
    return "".join(text.split())


def _order(loc: dict[str, Any] | None) -> tuple[int, float]:
    loc = loc or {}
    if loc.get("line") is not None:
        return int(loc["line"]), 0.0
    if loc.get("page") is not None:
        return int(loc["page"]), float((loc.get("bbox") or [0, 0])[1])
    return 0, 0.0


def register(registry) -> None:
    registry.add_check(SatisfactionCategory)
