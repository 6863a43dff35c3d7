"""Scorecard weight checks: declared 一级/二级 weights against their items,
the pack's weight scheme, the 100-point total and double scoring of
预算执行率, plus structural anomalies the recognizer noticed."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, place
from budgetlint.plugins.checks.scorecard_common import (
    PART_TYPES, TOLERANCE_SCHEMA, cards, dec, explicit_tolerance, fmt, funds_total, item_label, items,
    derived, level1_items, location, weight_places, weight_sum)


class WeightSum(Check):
    """Declared weight of a 一级 (or printed 二级) equals the sum of its items' 分值.

    What it checks
        For every 一级 indicator whose weight is printed (``产出指标 (50分)`` or
        a 权重 column), or — with ``level: 2`` — every 二级 whose weight is
        printed (``预算编审管理（3）``), the 分值 of the 三级 items under it
        must add up to that weight.  Items are placed by content, so a row
        whose export shifted its cells still counts under the right parent.

    Why it matters
        The weights are the scorecard's scheme; when items add up to more or
        less than the declared weight the self-evaluation is scored on a
        different scale than it claims (e.g. 效益指标 (30分) with four
        10-point items).

    Parameters
        level: 1 (一级 indicators, default) or 2 (二级 indicators).
        tolerance: ``printed`` (exact for integer weights) or a number.

    Example
        ``效益指标(30分)`` with items 10+10+10+10 → finding, expected 30,
        actual 40, at the 一级 label's line.
    """

    id: ClassVar[str] = "scorecard.weight_sum"
    title: ClassVar[str] = "指标分值合计 (indicator weights add up)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"level": {"enum": [1, 2], "default": 1}, "tolerance": TOLERANCE_SCHEMA},
    }

    def run(self, ctx: CheckContext) -> None:
        tol = explicit_tolerance(ctx) or Decimal(0)
        declared = 0
        for card in cards(ctx):
            for l1 in card["indicators"]:
                nodes = [l1] if ctx.params["level"] == 1 else l1["children"]
                for node in nodes:
                    w = dec(node.get("weight"))
                    if w is None:
                        continue
                    declared += 1
                    its = level1_items(node) if ctx.params["level"] == 1 else node["children"]
                    if not its or any(i.get("分值") is None for i in its):
                        ctx.not_evaluated(f"items of {node['name']} without 分值")
                        continue
                    if ctx.params["level"] == 2 and all(i.get("weight_source") == "level2" for i in its):
                        continue  # the 二级 is its own single item
                    total = weight_sum(its)
                    ctx.counted()
                    if abs(total - w) > tol:
                        ctx.report(location(ctx, card, node["weight"].get("loc") or node.get("loc"),
                                            indicator=node["name"], field="分值"),
                                   expected=w, actual=total, indicator=node["name"], parent=l1["name"],
                                   n_items=len(its), items=" + ".join(fmt(dec(i["分值"])) for i in its),
                                   inputs=weight_places(ctx, card, its))
        if not declared:
            ctx.not_applicable(f"the form prints no {'一级' if ctx.params['level'] == 1 else '二级'} weights")


class WeightScheme(Check):
    """The 一级 weights follow the scheme the pack prescribes.

    What it checks
        The card's 一级 names with their weights (the printed weight, else the
        sum of their items) and the funds block's 分值 (key ``预算执行率``)
        must equal one of the accepted schemes for its kind (项目 / 部门整体).
        A card whose set of 一级 names matches no scheme is one finding; a
        matching scheme with a different weight is one finding per 一级.

    Why it matters
        项目 scorecards use 产出 50 / 效益 30 / 满意度 10 / 预算执行率 10
        (财预〔2020〕10号); 部门整体 schemes differ by region and year (浏阳
        2020: 投入管理 30 / 产出 25 / 效益 45).  A card built on another
        scheme cannot be compared with its peers.

    Parameters
        schemes: ``{项目: [scheme…], 部门整体: [scheme…]}``; a scheme is a
            mapping 一级名称 → weight, ``预算执行率`` meaning the funds
            block's 分值.  A kind with no schemes is not evaluated.

    Example
        A 项目 card printing 产出指标(40分) / 效益指标(40分) → finding at the
        产出 label, expected 50, actual 40.
    """

    id: ClassVar[str] = "scorecard.weight_scheme"
    title: ClassVar[str] = "一级指标权重方案 (level-1 weight scheme)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["schemes"],
        "properties": {"schemes": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "object", "additionalProperties": {"type": "number"}}}}},
    }

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            schemes = ctx.params["schemes"].get(card["kind"]) or []
            if not schemes:
                ctx.not_evaluated(f"the pack sets no weight scheme for {card['kind']} scorecards")
                continue
            actual: dict[str, tuple[Decimal, dict[str, Any]]] = {}
            for l1 in card["indicators"]:
                w = dec(l1.get("weight"))
                its = level1_items(l1)
                if w is None and (not its or any(i.get("分值") is None for i in its)):
                    continue
                actual[l1["name"]] = (w if w is not None else weight_sum(its),
                                      (l1.get("weight") or {}).get("loc") or l1.get("loc"))
            fw = dec(funds_total(card).get("分值"))
            if fw is not None:
                actual["预算执行率"] = (fw, funds_total(card)["分值"].get("loc"))
            if not actual:
                ctx.not_evaluated("no 一级 weights found")
                continue
            match = next((s for s in schemes if set(s) == set(actual)), None)
            ctx.counted()
            if match is None:
                best = max(schemes, key=lambda s: len(set(s) & set(actual)))
                ctx.report(location(ctx, card, card.get("indicator_header_loc") or card["loc"], field="一级指标"),
                           expected=" / ".join(f"{k} {v:g}" for k, v in best.items()),
                           actual=" / ".join(f"{k} {fmt(v)}" for k, (v, _) in actual.items()), kind="scheme")
                continue
            for name, want in match.items():
                got, loc = actual[name]
                if got != Decimal(str(want)):
                    ctx.report(location(ctx, card, loc, indicator=name, field="分值"), expected=Decimal(str(want)),
                               actual=got, indicator=name)


class TotalWeight(Check):
    """The weights of a scorecard add up to the prescribed total (100).

    What it checks
        The sum of all item 分值 plus the funds block's 分值 must equal
        ``total``; when it does, the printed 总分 分值 must equal it too.
        One finding per card, at the 总分 row (or the table when there is
        none).

    Why it matters
        Scores are read against a 100-point scale and graded by fixed bands; a
        card whose weights add up to 70 or 110 cannot be graded.

    Parameters
        total: the prescribed total (default 100).

    Example
        Items 30 + 20 + 10 plus funds 10 = 70 with 总分 printed 100 → finding,
        expected 100, actual 70.
    """

    id: ClassVar[str] = "scorecard.total_weight"
    title: ClassVar[str] = "总分值 (total weight)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"total": {"type": "number", "default": 100}},
    }

    def run(self, ctx: CheckContext) -> None:
        want = Decimal(str(ctx.params["total"]))
        for card in cards(ctx):
            its = [i for _, _, i in items(card)]
            if not its or any(i.get("分值") is None for i in its):
                ctx.not_evaluated("items without 分值")
                continue
            fw = dec(funds_total(card).get("分值")) or Decimal(0)
            total = weight_sum(its) + fw
            totals = card.get("totals") or {}
            printed = dec(totals.get("分值"))
            loc = (totals.get("分值") or {}).get("loc") or totals.get("loc") or card["loc"]
            ctx.counted()
            places = weight_places(ctx, card, its + [funds_total(card)])
            if total != want:
                ctx.report(location(ctx, card, loc, field="总分"), expected=want, actual=total,
                           printed=fmt(printed) if printed is not None else "", funds=fmt(fw),
                           items_total=fmt(weight_sum(its)), kind="sum", inputs=places,
                           derives=[derived(card, "总分值")])
            elif printed is not None and printed != want:
                ctx.report(location(ctx, card, loc, field="总分"), expected=want, actual=printed,
                           printed=fmt(printed), funds=fmt(fw), items_total=fmt(weight_sum(its)), kind="printed")


class DoubleScoring(Check):
    """预算执行率 is scored once: in the funds block or as an indicator, not both.

    What it checks
        When the funds block carries a 分值 for the execution rate, no 三级
        indicator may be named like one of ``patterns`` (预算执行率…).

    Why it matters
        Scoring the execution rate twice gives it double weight and pushes the
        card's total past 100.

    Parameters
        patterns: regular expressions matching an indicator that scores the
            execution rate.

    Example
        Funds block 分值 10 and a 成本指标 row “预算执行率 ≥80% … 10 10” →
        finding at that row.
    """

    id: ClassVar[str] = "scorecard.double_scoring"
    title: ClassVar[str] = "预算执行率重复计分 (execution rate scored twice)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["patterns"],
        "properties": {"patterns": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "regex"}}},
    }

    def run(self, ctx: CheckContext) -> None:
        rxs = [re.compile(p) for p in ctx.params["patterns"]]
        for card in cards(ctx):
            fw = dec(funds_total(card).get("分值"))
            if not fw:
                ctx.not_applicable("the funds block scores nothing")
                continue
            ctx.counted()
            for l1, l2, item in items(card):
                name = item_label(l1, l2, item)
                if any(rx.search("".join(name.split())) for rx in rxs):
                    ctx.report(location(ctx, card, item["loc"], indicator=name, field="分值"),
                               expected=0, actual=dec(item.get("分值")), indicator=name, funds_weight=fmt(fw),
                               funds_where=place((funds_total(card).get("分值") or {}).get("loc"), ctx.lang),
                               funds_line=(funds_total(card).get("分值") or {}).get("loc", {}).get("line"))


class RecognizerAnomaly(Check):
    """Structural defects the scorecard recognizer noticed while reading.

    What it checks
        Reports each anomaly of the listed kinds recorded in
        ``scorecard.anomalies``; ``level1_mislabel`` is a 一级 label printed on
        a row whose 二级 belongs to another 一级 (时效指标 under
        “效益指标 (30分)” in the middle of 产出).

    Why it matters
        A mislabelled row misleads the reader about what is scored where; it
        is reported once here instead of as two weight errors.

    Parameters
        kinds: anomaly kinds to report (default ``[level1_mislabel]``).

    Example
        Row “效益指标 (30分) | 时效指标 | 完成时限 …” inside 产出 → finding.
    """

    id: ClassVar[str] = "scorecard.recognizer_anomaly"
    title: ClassVar[str] = "自评表结构异常 (scorecard structure anomaly)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"kinds": {"type": "array", "items": {"type": "string"}, "default": ["level1_mislabel"]}},
    }

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            ctx.counted()
            for a in card.get("anomalies", []):
                if a["kind"] in ctx.params["kinds"]:
                    extra = {k: v for k, v in a.items() if k not in ("loc", "kind") and isinstance(v, str)}
                    ctx.report(location(ctx, card, a["loc"], indicator=a.get("level2")),
                               expected=a.get("assigned"), actual=a.get("printed"), kind=a["kind"],
                               indicator=a.get("level2", ""), **{k: v for k, v in extra.items() if k != "level2"})


def register(registry) -> None:
    for cls in (WeightSum, WeightScheme, TotalWeight, DoubleScoring, RecognizerAnomaly):
        registry.add_check(cls)
