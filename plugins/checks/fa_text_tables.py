"""Check type ``fa_text.table_match``: amounts the 情况说明 quotes against
the 部门决算 tables (``doc["final_accounts"]`` / ``named_values`` from the
``final_accounts`` recognizer, statements from the ``statements`` recognizer).
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, place
from budgetlint.plugins.checks.fa_text_rates import pick, statement_figure, statement_location

_TOLERANCE = {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"}
_SELECT = {
    "type": "object", "additionalProperties": False,
    "properties": {"kind": {"type": "string"}, "topic": {"type": "string"},
                   "subject": {"type": "string", "format": "regex"},
                   "section": {"type": "string", "format": "regex"}},
}


def statement_matches(st: dict[str, Any], sel: dict[str, Any]) -> bool:
    """Does a statement satisfy a selector ``{kind, topic, subject, section}``?

    ``kind`` may list alternatives (``amount|share``: the amount of an
    “X万元，占Y%” is stated just as firmly as a bare amount)."""
    if sel.get("kind") and st["kind"] not in _kinds(sel["kind"]):
        return False
    if sel.get("topic") and st.get("topic") != sel["topic"]:
        return False
    if sel.get("subject") and not _pattern(sel["subject"]).search(st.get("subject") or ""):
        return False
    if sel.get("section") and not _pattern(sel["section"]).search(st.get("section") or ""):
        return False
    return True


# a rule's selectors are matched against every statement of the part: their
# alternatives split and patterns compiled once, not per statement
@lru_cache(maxsize=256)
def _kinds(kind: str) -> tuple[str, ...]:
    return tuple(kind.split("|"))


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def named_values_for(ctx: CheckContext) -> dict[str, Any] | None:
    by_part = ctx.doc.get("final_accounts_by_part") or {}
    fa = by_part.get(ctx.part.get("id")) or (ctx.doc.get("part_tables") or {}).get(ctx.part.get("id")) \
        or ctx.doc.get("final_accounts")
    if not fa:
        return None
    return fa.get("named_values") or ctx.doc.get("named_values") or {}


class TableMatch(Check):
    """Amounts quoted in the narrative equal the table cells they restate.

    What it checks
        For each mapping, every statement selected by ``statement`` (kind,
        topic, subject/section regex) has its ``field`` (``amount``,
        ``budget``, ``actual``) compared with the table value named by the
        first present key of ``value`` (names from the ``final_accounts``
        recognizer, e.g. ``支出决算表.合计.基本支出``, ``三公.预算.合计``).
        Differences within the printed rounding of both are 尾数差异 (info);
        beyond it the rule's severity.  When the same amount is stated in
        another part of the file (an attached 自评报告), the message says so:
        that points at the table, not the text, as the odd one out.

    Why it matters
        The narrative is written from the tables; a figure that no longer
        matches its table means one of them was edited after the other.

    Parameters
        mappings: list of ``{statement: {kind, topic, subject, section}, field,
            value: [named value keys], label}``.
        tolerance: ``printed`` or an absolute amount.
        text_unit: the unit the narrative states amounts in (``万元``); with
            ``units``, a table printed in another unit is converted first.
        units: ``{unit: size in text_unit}`` (``{元: 0.0001, 万元: 1}``); a
            table whose unit is not listed is compared as printed.
        corroboration: ``{zh, en}`` text appended when another part states the
            text's figure too; may use ``{where}`` and ``{value}``.

    Example
        “三公”经费 支出预算为 11 万元 vs 财决批复09表 预算数 合计 6.52 → error.
    """

    id: ClassVar[str] = "fa_text.table_match"
    title: ClassVar[str] = "情况说明与决算表金额一致 (narrative amounts match the tables)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["mappings"],
        "properties": {
            "mappings": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["statement", "field", "value"],
                "properties": {"statement": _SELECT, "field": {"enum": ["amount", "budget", "actual"]},
                               "value": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                               "label": {"type": "string"}}}},
            "tolerance": _TOLERANCE,
            "text_unit": {"type": "string"},
            "units": {"type": "object", "additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
            "corroboration": {"type": "object", "additionalProperties": False,
                              "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        if "statements" not in ctx.doc:
            ctx.not_evaluated("no narrative statements: the statements recognizer did not run")
            return
        named = named_values_for(ctx)
        if named is None:
            ctx.not_evaluated("部门决算 tables not recognised (no final_accounts): cannot compare the text with them")
            return
        mine = ctx.index.statements(ctx.part.get("id"))
        for m in ctx.params["mappings"]:
            key = next((k for k in m["value"] if k in named), None)
            if key is None:
                continue
            cell = named[key]
            for st in mine:
                if not statement_matches(st, m["statement"]) or m["field"] not in st:
                    continue
                f = st[m["field"]]
                text_op = Operand(Decimal(f["value"]), f["value"], statement_location(ctx, st), "情况说明",
                                  f.get("decimals"))
                table_loc = {k: v for k, v in (("line", cell.get("loc", {}).get("line")), ("table", cell.get("table")),
                                               ("row", cell.get("row")), ("column", cell.get("column")),
                                               ("block", cell.get("block"))) if v is not None}
                table_op = Operand(Decimal(cell["value"]), cell.get("text", cell["value"]), table_loc,
                                   m.get("label") or key, 99 if cell.get("exact") else cell.get("decimals"))
                table_op = _in_text_unit(ctx, table_op, cell.get("unit"))
                if text_op.value == table_op.value:
                    ctx.counted()
                    continue
                ctx.compare(text_op.location, table_op.value, text_op, operands=[table_op],
                            derives=[statement_figure(st, m["field"])],
                            subject=st.get("subject", ""), field=m["field"], text_value=f["text"],
                            table=cell.get("table", ""), table_line=cell.get("loc", {}).get("line"),
                            table_where=place(cell.get("loc"), ctx.lang),
                            name=m.get("label") or key, note=self._corroborate(ctx, st, m, f))

    def _corroborate(self, ctx: CheckContext, st: dict[str, Any], m: dict[str, Any], f: dict[str, Any]) -> str:
        text = pick(ctx.params.get("corroboration"), ctx.lang)
        if not text:
            return ""
        # the statements of the whole document that could corroborate, by value: gathered once per
        # document and mapping, not scanned for every mismatch of every part
        by_value = ctx.index.memo((self.id, id(ctx.rule), "corroborate", id(m)), lambda: self._by_value(ctx, m))
        for other in by_value.get(Decimal(f["value"]), ()):
            if other.get("part") == ctx.part.get("id"):
                continue
            part = ctx.index.part(other.get("part")) or {}
            where = f"{part.get('type', '')}{place(other.get('loc'), ctx.lang)}"
            return text.format(where=where, value=f["text"])
        return ""

    @staticmethod
    def _by_value(ctx: CheckContext, m: dict[str, Any]) -> dict[Decimal, list[dict[str, Any]]]:
        """Statements printing ``m["field"]`` that match its selector (any section), by value, in
        document order."""
        sel = dict(m["statement"])
        sel.pop("section", None)
        out: dict[Decimal, list[dict[str, Any]]] = {}
        for other in ctx.doc["statements"]:
            if m["field"] in other and statement_matches(other, sel):
                out.setdefault(Decimal(other[m["field"]]["value"]), []).append(other)
        return out


def _in_text_unit(ctx: CheckContext, op: Operand, unit: str | None) -> Operand:
    """A table amount converted to the narrative's unit (元 → 万元: ×0.0001,
    four more printed decimals, so its rounding interval shrinks with it)."""
    units = ctx.params.get("units") or {}
    text_unit = ctx.params.get("text_unit")
    if not unit or not text_unit or unit == text_unit or unit not in units or text_unit not in units:
        return op
    factor = Decimal(str(units[unit])) / Decimal(str(units[text_unit]))
    shift = -factor.normalize().as_tuple().exponent if factor < 1 else 0
    decimals = None if op.decimals is None else op.decimals + max(shift, 0)
    return Operand(op.value * factor, f"{op.text}{unit}", op.location, op.label, decimals)


def register(registry) -> None:
    registry.add_check(TableMatch)
