"""Shared helpers of the scorecard check types (``scorecard_*.py``).

The checks read ``doc["scorecards"]`` built by
``budgetlint.plugins.recognizers.scorecards``; this module turns its
quantities into Decimals, walks the indicator tree and builds finding
locations that point at the printed cell.  It registers nothing.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from budgetlint.core.checks import CheckContext, Operand

PART_TYPES = ("绩效自评表/项目", "绩效自评表/部门整体")

TOLERANCE_SCHEMA: dict[str, Any] = {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}],
                                    "default": "printed"}


def cards(ctx: CheckContext) -> list[dict[str, Any]]:
    """Scorecards of the part under check; records not-evaluated when none."""
    found = list(ctx.index.of_part("scorecards", ctx.part.get("id")))
    if not found:
        ctx.not_evaluated("no 绩效自评表 table recognized in this part")
    return found


def dec(q: dict[str, Any] | None) -> Decimal | None:
    if not q or q.get("number") is None:
        return None
    try:
        return Decimal(str(q["number"]))
    except ArithmeticError:
        return None


def block_of(ctx: CheckContext, card: dict[str, Any]) -> dict[str, Any]:
    b = ctx.index.block(card["block"])
    if b is not None:
        return b
    return {"id": card["block"], "type": "table", "loc": card.get("loc", {})}


def location(ctx: CheckContext, card: dict[str, Any], loc: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """A finding location: the scorecard table, narrowed to ``loc`` (a cell
    or row), with human keys (``indicator``, ``field``, ``row``…)."""
    out = ctx.block_location(block_of(ctx, card))
    out.update(loc or {})
    out["scorecard"] = card["index"]
    if card.get("header", {}).get("name", {}).get("text"):
        out.setdefault("scorecard_name", card["header"]["name"]["text"])
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def operand(q: dict[str, Any], label: str, ctx: CheckContext, card: dict[str, Any]) -> Operand:
    return Operand(Decimal(str(q["number"])), q.get("text", str(q["number"])), location(ctx, card, q.get("loc")),
                   label, decimals=q.get("decimals"))


def items(card: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(一级, 二级, 三级 item) for every scored row."""
    for l1 in card.get("indicators", []):
        for l2 in l1.get("children", []):
            for item in l2.get("children", []):
                yield l1, l2, item


def item_label(l1: dict[str, Any], l2: dict[str, Any], item: dict[str, Any]) -> str:
    return item.get("name") or l2.get("name") or l1.get("name") or ""


def weight_sum(nodes: list[dict[str, Any]]) -> Decimal:
    return sum((dec(i.get("分值")) or Decimal(0) for i in nodes), Decimal(0))


def level1_items(l1: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for l2 in l1.get("children", []) for i in l2.get("children", [])]


def funds_total(card: dict[str, Any]) -> dict[str, Any]:
    return (card.get("funds") or {}).get("total") or {}


def round_to(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    """Display form of a computed Decimal (no exponent, no trailing zeros)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def explicit_tolerance(ctx: CheckContext) -> Decimal | None:
    t = ctx.params.get("tolerance", "printed")
    return None if t in (None, "printed") else Decimal(str(t))


# ----------------------------------------------------------- targets
_UNIT_EQUIV = {"万元": "万元", "万": "万元"}


def compare_target(item: dict[str, Any]) -> tuple[bool | None, Decimal | None, Decimal | None]:
    """Whether the actual value meets the target, by the target's printed
    comparator: (met, target number, actual number); met is None when it
    cannot be told (no comparator, prose, several numbers, other units)."""
    tv = (item.get("年度指标值") or {}).get("value") or {}
    av = (item.get("实际完成值") or {}).get("value") or {}
    comp = tv.get("comparator")
    if comp not in (">=", ">", "<=", "<", "=") or "number" not in tv or "number" not in av:
        return None, None, None
    if av.get("comparator") in ("<", "<=") or av.get("kind") == "multi":
        return None, None, None
    tu, au = tv.get("unit"), av.get("unit")
    tu, au = _UNIT_EQUIV.get(tu, tu), _UNIT_EQUIV.get(au, au)
    if tu and au and tu != au:
        return None, None, None
    if (tu == "%") != (au == "%") and au is not None:
        return None, None, None
    t, a = Decimal(tv["number"]), Decimal(av["number"])
    met = {">=": a >= t, ">": a > t, "<=": a <= t, "<": a < t, "=": a == t}[comp]
    return met, t, a


def is_blank_reason(text: str, blanks: list[str]) -> bool:
    t = "".join(text.split())
    return not t or t in blanks


def derived(card: dict[str, Any], name: str) -> str:
    """Name of a value computed from a card (``总分值``, ``总得分``), so a
    finding about it and the findings that use it can be linked as one root
    cause (``ctx.report(inputs=…, derives=…)``)."""
    return f"scorecard:{card.get('block')}:{card.get('index')}:{name}"


def weight_places(ctx: CheckContext, card: dict[str, Any], nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Locations of the 分值 figures of ``nodes`` (the inputs of a weight sum)."""
    return [location(ctx, card, n["分值"].get("loc")) for n in nodes if n.get("分值") and n["分值"].get("loc")]
