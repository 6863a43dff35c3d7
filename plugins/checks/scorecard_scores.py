"""Scorecard score checks: scores within weights, the total score and the
grade against the score bands."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.plugins.checks.scorecard_common import (
    PART_TYPES, TOLERANCE_SCHEMA, cards, dec, derived, fmt, funds_total, item_label, items, location, operand)


class ScoreBounds(Check):
    """Every 得分 is present and does not exceed its 分值.

    What it checks
        Each 三级 item, the funds block and the 总分 row: 得分 ≤ 分值; an item
        printing a 分值 but no 得分 is a finding too.

    Why it matters
        A score above its weight inflates the total; a missing score leaves
        the self-evaluation unfinished.

    Parameters
        tolerance: ``printed`` or a number (allowed excess).

    Example
        “预算执行管理（4） … 5” → finding, expected ≤ 4, actual 5.
    """

    id: ClassVar[str] = "scorecard.score_bounds"
    title: ClassVar[str] = "得分不超过分值 (score within weight)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "properties": {"tolerance": TOLERANCE_SCHEMA}}

    def run(self, ctx: CheckContext) -> None:
        tol = Decimal(str(ctx.params["tolerance"])) if ctx.params.get("tolerance") not in (None, "printed") else Decimal(0)
        for card in cards(ctx):
            rows: list[tuple[str, dict[str, Any]]] = [(item_label(l1, l2, i), i) for l1, l2, i in items(card)]
            ft = funds_total(card)
            if ft.get("分值"):
                rows.append(("资金执行率得分", ft))
            for label, node in rows:
                w, s = dec(node.get("分值")), dec(node.get("得分"))
                if w is None:
                    continue
                ctx.counted()
                if s is None:
                    if node is not ft and "score_missing_loc" in node:
                        ctx.report(location(ctx, card, node["score_missing_loc"], indicator=label, field="得分"),
                                   expected=w, actual=None, indicator=label, kind="missing")
                    continue
                if s - w > tol:
                    ctx.report(location(ctx, card, node["得分"].get("loc"), indicator=label, field="得分"),
                               expected=w, actual=s, indicator=label, kind="exceeds")


class TotalScore(Check):
    """The total 得分 is printed and equals the item scores plus the funds score.

    What it checks
        The 总分 row's 得分 must equal the sum of every 三级 得分 plus the funds
        block's 得分 (rounding-aware).  A card without a 总分 row, or whose
        总分 row prints no 得分, is a finding.

    Why it matters
        The total drives the grade and is the figure quoted in the report; a
        wrong or missing total makes the self-evaluation unusable.

    Parameters
        tolerance: ``printed`` (interval from printed decimals) or a number.

    Example
        Items sum to 90, funds 10, 总分 得分 printed 10 → finding, expected 100,
        actual 10.
    """

    id: ClassVar[str] = "scorecard.total_score"
    title: ClassVar[str] = "总得分 (total score)"
    part_types = PART_TYPES
    pure_arithmetic = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "properties": {"tolerance": TOLERANCE_SCHEMA}}

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            its = [i for _, _, i in items(card)]
            scores = [i for i in its if i.get("得分")]
            ft = funds_total(card)
            ops = [operand(i["得分"], item_label(l1, l2, i), ctx, card) for l1, l2, i in items(card) if i.get("得分")]
            if ft.get("得分"):
                ops.append(operand(ft["得分"], "资金得分", ctx, card))
            expected = sum((o.value for o in ops), Decimal(0))
            totals = card.get("totals")
            if totals is None or totals.get("得分") is None:
                loc = (totals or {}).get("loc") or card["loc"]
                ctx.report(location(ctx, card, loc, field="总分得分"), expected=expected if scores else None,
                           actual=None, kind="missing", missing_row="" if totals else "总分行",
                           inputs=[o.location for o in ops] + [derived(card, "总分值")],
                           derives=[derived(card, "总得分")])
                continue
            if not scores:
                ctx.not_evaluated("no item scores")
                continue
            act = operand(totals["得分"], "总分得分", ctx, card)
            ctx.compare(location(ctx, card, totals["得分"]["loc"], field="总分得分"), expected, act, operands=ops,
                        tolerance=None if ctx.params.get("tolerance") in (None, "printed")
                        else Decimal(str(ctx.params["tolerance"])),
                        inputs=[derived(card, "总分值")], derives=[derived(card, "总得分")])


class Grade(Check):
    """The grade (等级) is printed and agrees with the score bands.

    What it checks
        The 总分 row must print a grade; it must be the band of the total
        score.  Bands come from ``bands`` unless the form prints its own
        (“90分（含）—100分为优…”) and ``prefer_printed_bands`` is true.  The
        score is the printed total when it agrees with the item scores,
        otherwise the sum of the item scores (the total's own error is the
        total-score rule's finding).

    Why it matters
        The grade is what the report and the finance bureau act on; a missing
        or wrong grade misstates the evaluation.

    Parameters
        bands: list of ``{grade, min}``, inclusive lower bounds, best first.
        prefer_printed_bands: use the bands printed under the form (default true).
        require_grade: a missing grade is a finding (default true).
        source_labels: display names of the band sources ``form`` / ``pack``
            for the message's ``{band_source}``.
        missing_message: ``{zh, en}`` template used when the grade is missing
            (the rule's message is for a wrong grade).

    Example
        总分 100 with “等级:” left empty → finding “未评定等级”.
    """

    id: ClassVar[str] = "scorecard.grade"
    title: ClassVar[str] = "评价等级 (grade)"
    part_types = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["bands"],
        "properties": {
            "bands": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["grade", "min"], "additionalProperties": False,
                "properties": {"grade": {"type": "string"}, "min": {"type": "number"}}}},
            "prefer_printed_bands": {"type": "boolean", "default": True},
            "require_grade": {"type": "boolean", "default": True},
            "source_labels": {"type": "object", "additionalProperties": {"type": "string"},
                              "default": {"form": "form", "pack": "pack"}},
            "missing_message": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        for card in cards(ctx):
            bands = [(b["grade"], Decimal(str(b["min"]))) for b in ctx.params["bands"]]
            source = "pack"
            if ctx.params["prefer_printed_bands"] and card.get("bands"):
                printed = [(b["grade"], Decimal(b["min"]) if b.get("min") is not None else Decimal(0))
                           for b in card["bands"]]
                if printed:
                    bands, source = printed, "form"
            bands.sort(key=lambda b: b[1], reverse=True)
            band_text = "、".join(f"{g}≥{fmt(m)}" for g, m in bands)
            totals = card.get("totals") or {}
            grade = totals.get("等级")
            score = self._score(card)
            ctx.counted()
            if not grade or not grade.get("text"):
                if ctx.params["require_grade"]:
                    loc = (grade or {}).get("loc") or totals.get("loc") or card["loc"]
                    reliable = score is not None and score == dec(totals.get("得分"))
                    exp = self._band(bands, score) if reliable else None
                    ctx.report(location(ctx, card, loc, field="等级"), expected=exp, actual="", kind="missing",
                               message=ctx.params.get("missing_message"),
                               inputs=[derived(card, "总得分"), derived(card, "总分值")],
                               score=fmt(score if score is not None else dec(totals.get("得分"))),
                               bands=band_text,
                               band_source=ctx.params["source_labels"].get(source, source),
                               suggestion=exp or "")
                continue
            if score is None:
                ctx.not_evaluated("no total score to grade")
                continue
            want = self._band(bands, score)
            if grade["text"].strip() != want:
                ctx.report(location(ctx, card, grade["loc"], field="等级"), expected=want, actual=grade["text"],
                           kind="mismatch", score=fmt(score), bands=band_text,
                           inputs=[derived(card, "总得分"), derived(card, "总分值")],
                           band_source=ctx.params["source_labels"].get(source, source))

    @staticmethod
    def _band(bands: list[tuple[str, Decimal]], score: Decimal) -> str:
        for g, m in bands:
            if score >= m:
                return g
        return bands[-1][0]

    @staticmethod
    def _score(card: dict[str, Any]) -> Decimal | None:
        its = [i for _, _, i in items(card) if i.get("得分")]
        printed = dec((card.get("totals") or {}).get("得分"))
        if not its:
            return printed
        total = sum((dec(i["得分"]) for i in its), Decimal(0)) + (dec(funds_total(card).get("得分")) or Decimal(0))
        return printed if printed == total else total


def register(registry) -> None:
    for cls in (ScoreBounds, TotalScore, Grade):
        registry.add_check(cls)
