"""Check type ``fa_text.facts_agree``: a fact stated more than once in one
file (the 决算 情况说明, its attached 自评报告, the 基础数据表) has one value.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, half_ulp, place
from budgetlint.core.document import compact, grid
from budgetlint.core.values import to_decimal
from budgetlint.plugins.checks.fa_text_rates import statement_figure, statement_location
from budgetlint.plugins.checks.fa_text_tables import statement_matches

_SELECT = {"type": "object", "additionalProperties": False,
           "properties": {"kind": {"type": "string"}, "topic": {"type": "string"},
                          "subject": {"type": "string", "format": "regex"},
                          "section": {"type": "string", "format": "regex"},
                          "reference": {"type": "string", "format": "regex"},
                          "lead": {"type": "boolean"},
                          "own_subject": {"type": "boolean"}}}
_SOURCE = {
    "type": "object", "additionalProperties": False, "required": ["part_types"],
    "properties": {
        "part_types": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "statement": _SELECT,
        "field": {"enum": ["amount", "budget", "actual", "change", "base", "count"]},
        "row": {"type": "string", "format": "regex"},
        "column": {"type": "string"},
        "minus_column": {"type": "string"},
        "label": {"type": "string"},
        "every": {"type": "boolean", "default": False},
    },
}


def _year(doc: dict[str, Any], part: dict[str, Any]) -> int | None:
    y = part.get("year") or doc.get("meta", {}).get("fiscal_year")
    try:
        return int(y)
    except (TypeError, ValueError):
        return None


def _own_subject(st: dict[str, Any]) -> bool:
    """Does the statement name what it is about (“一般公共预算财政拨款支出年初预算为…”),
    rather than leave it to its heading (“年初预算为…，支出决算为…”)?"""
    return bool(st.get("subject")) and st.get("subject_from") != "heading"


def _signed_change(st: dict[str, Any]) -> Decimal | None:
    if "change" not in st:
        return Decimal(0) if st.get("direction") == "持平" else None
    v = Decimal(st["change"]["value"])
    return -v if st.get("direction") == "减少" else v


class FactsAgree(Check):
    """The same fact stated in two places of one file has the same value.

    What it checks
        Each entry of ``facts`` lists ``sources``; every source yields at most
        one value per part of the listed ``part_types``:

        * a narrative statement (``statement`` selector as in
          fa_text.table_match, plus ``reference`` regex on “与上年相比/比年初
          预算数”) and its ``field``: ``amount``, ``budget``, ``actual``,
          ``count``, ``change`` (signed) or ``base`` (amount − signed change:
          the last-year or budget figure the sentence implies);
        * a table cell: the row whose label matches ``row`` and the column
          whose header matches ``column`` (``{year}`` / ``{prev_year}`` are
          the part's fiscal year and the year before); with
          ``minus_column`` the difference of two columns.

        With ``every: true`` a statement source yields every matching
        statement of the part, not only the first: the same fact restated
        within one 情况说明 (“公务接待费支出决算为1.53万元” … “公务接待费支出决算
        0万元”); one such source is enough.

        With ``per: item`` the values are compared within each numbered item
        of the narrative (the statements recognizer's ``item``), not across
        the part: an item's heading amount (selector ``lead: true``) against
        the amount its own sentences restate (“1、因公出国（境）费支出3.00万元。
        …支出决算为2.50万元”; a completion “年初预算为A万元，支出决算为B万元”
        that names no subject of its own: ``own_subject: false``).  Only items
        with a lead are judged; table sources are not read in this mode.

        Values are compared with the printed-rounding tolerance.  With three
        or more values of which one disagrees, the finding is placed at the odd
        one; otherwise at the first source, naming the other.

    Why it matters
        A 决算 and its attached 自评报告 / 基础数据表 are read together; the
        same “三公”经费 change or 机关运行经费 budget printed twice with two
        values means at least one is wrong.

    Parameters
        facts: list of ``{name, sources: [source…]}``.
        tolerance: ``printed`` or an absolute amount.
        per: ``part`` (default: one comparison per fact over the part) or
            ``item`` (one per numbered item that has a heading amount).
        scope: where the sources are read: ``year`` (default: every part of
            the file of the same fiscal year and department — a 决算 with its
            自评报告 and 基础数据表; a bundle's other departments are never
            compared, see the parts recognizer's ``group``) or ``part`` (only the part being checked: a fact
            restated within one 情况说明; a bundle of several departments'
            reports is then never compared across departments).
        whole_amounts_exact: a value printed without decimals (“11万元”, a
            count, a 基础数据表 cell “82”) is taken as exact to the cent: prose
            and free-form tables drop “.00”, they do not round to whole 万元,
            so 11 and 12 disagree (default true).

    Example
        决算说明 “机关运行经费支出79.83万元，比年初预算数减少5.65万元” implies a
        budget of 85.48; 基础数据表 公用经费 2024年预算数 82.48 → warning.
    """

    id: ClassVar[str] = "fa_text.facts_agree"
    title: ClassVar[str] = "同一事实前后表述一致 (facts stated twice agree)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["facts"],
        "properties": {
            "facts": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["name", "sources"],
                "properties": {"name": {"type": "string"},
                               "sources": {"type": "array", "minItems": 1, "items": _SOURCE}}}},
            "tolerance": {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"},
            "whole_amounts_exact": {"type": "boolean", "default": True},
            "per": {"enum": ["part", "item"], "default": "part"},
            "scope": {"enum": ["year", "part"], "default": "year"},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        if "statements" not in ctx.doc:
            ctx.not_evaluated("no narrative statements: the statements recognizer did not run")
            return
        year = _year(ctx.doc, ctx.part)
        if ctx.params["per"] == "item":
            self._run_items(ctx)
            return
        own = ctx.part.get("id") if ctx.params["scope"] == "part" else None
        group = ctx.part.get("group")
        for i, fact in enumerate(ctx.params["facts"]):
            values: list[Operand] = []
            for j, src in enumerate(fact["sources"]):
                # the same for every part of the year: read once per document, copied per use
                found = ctx.index.memo((self.id, id(ctx.rule), i, j, year, own, group),
                                       lambda src=src: self._values(ctx, src, year, own))  # type: ignore[misc]
                values.extend(_copy(op) for op in found)
            if len(values) < 2:
                continue
            self._judge(ctx, fact["name"], values)

    def _run_items(self, ctx: CheckContext) -> None:
        """``per: item``: the items of this part only.  An item is a numbered
        paragraph of one part (its id names its block), so another part's
        items are judged when that part is checked — judged here too, they
        would be reported once per part of the year, and read in time parts²."""
        for fact in ctx.params["facts"]:
            values: list[Operand] = []
            for src in fact["sources"]:
                if "statement" in src and ctx.part.get("type") in src["part_types"]:
                    values.extend(self._statement_values(ctx, ctx.part, src))
            self._judge_items(ctx, fact["name"], values)

    def _judge_items(self, ctx: CheckContext, name: str, values: list[Operand]) -> None:
        """One comparison per item that has a heading amount and restates it."""
        items: dict[str, list[Operand]] = {}
        for v in values:
            if getattr(v, "item", None):
                items.setdefault(v.item, []).append(v)  # type: ignore[attr-defined]
        for group in items.values():
            lead = next((v for v in group if getattr(v, "lead", False)), None)
            if lead is None or len(group) < 2:
                continue
            item = getattr(lead, "subject", "").strip("“”\"") or "该项"
            self._judge(ctx, name, group, item=item, places=True)

    # ----------------------------------------------------------- sources
    def _parts(self, ctx: CheckContext, types: list[str]) -> list[dict[str, Any]]:
        """The parts of these types in the checked part's department (its ``group``)."""
        return [p for p in ctx.index.group(ctx.part.get("group")) if p.get("type") in types]

    def _values(self, ctx: CheckContext, src: dict[str, Any], year: int | None,
                own: str | None = None) -> list[Operand]:
        out: list[Operand] = []
        parts = self._parts(ctx, src["part_types"]) if own is None else \
            [ctx.part] if ctx.part.get("type") in src["part_types"] else []
        for part in parts:
            if _year(ctx.doc, part) not in (None, year):
                continue
            if "statement" in src:
                out.extend(self._statement_values(ctx, part, src))
            elif (op := self._table_value(ctx, part, src, year)) is not None:
                out.append(op)
        return out

    def _statement_values(self, ctx: CheckContext, part: dict[str, Any], src: dict[str, Any]) -> list[Operand]:
        """The first matching statement's value, or all of them (``every``)."""
        sel = src["statement"]
        field = src.get("field", "amount")
        found: list[Operand] = []
        for st in ctx.index.statements(part["id"]):
            if not statement_matches(st, sel):
                continue
            if sel.get("reference") and not re.search(sel["reference"], st.get("reference") or ""):
                continue
            if "lead" in sel and bool(st.get("item_lead")) != sel["lead"]:
                continue
            if "own_subject" in sel and _own_subject(st) != sel["own_subject"]:
                continue
            if field in ("change", "base"):
                ch = _signed_change(st)
                if ch is None:
                    continue
                if field == "change":
                    value, dec = ch, st.get("change", {}).get("decimals", 2)
                    text = st.get("direction_text", "") + st.get("change", {}).get("text", "")
                else:
                    if "amount" not in st:
                        continue
                    value = Decimal(st["amount"]["value"]) - ch
                    dec = max(st["amount"]["decimals"], st.get("change", {}).get("decimals", 0))
                    text = f"{st['amount']['text']}与增减额{st.get('change', {}).get('text', '')}推算的{value}"
            elif field in st:
                value, dec, text = Decimal(st[field]["value"]), st[field].get("decimals"), st[field]["text"]
            else:
                continue
            loc = statement_location(ctx, st, part=part.get("type"))
            label = f"{part.get('type')}{place(loc, ctx.lang)}"
            op = Operand(value, str(value), loc, label, dec)
            op.shown = text  # type: ignore[attr-defined]
            if field in st:
                op.figure = statement_figure(st, field)  # type: ignore[attr-defined]
            op.item, op.lead = st.get("item"), bool(st.get("item_lead"))  # type: ignore[attr-defined]
            op.subject = st.get("subject") or ""  # type: ignore[attr-defined]
            if field == "base":
                # both printed amounts carry rounding
                op.decimals = dec
            found.append(op)
            if not src.get("every"):
                break
        return found

    def _table_value(self, ctx: CheckContext, part: dict[str, Any], src: dict[str, Any], year: int | None) -> Operand | None:
        if not src.get("row") or not src.get("column"):
            return None
        fmt = {"year": year or "", "prev_year": (year - 1) if year else ""}
        col_rx = re.compile(src["column"].format(**fmt))
        minus_rx = re.compile(src["minus_column"].format(**fmt)) if src.get("minus_column") else None
        row_rx = re.compile(src["row"])
        for block in ctx.doc["blocks"][part["first_block"]: part["last_block"] + 1]:
            if block["type"] != "table":
                continue
            g = grid(block)
            cols: dict[str, int] = {}
            for row in g:
                texts = [compact(c["text"]) if c else "" for c in row]
                for j, t in enumerate(texts):
                    if t and col_rx.search(t):
                        cols["a"] = j
                    if t and minus_rx and minus_rx.search(t):
                        cols["b"] = j
                label = next((t for t in texts if t), "")
                if "a" not in cols or not row_rx.search(label):
                    continue
                cell = row[cols["a"]]
                a = to_decimal(cell.get("value")) if cell and cell.get("value") else None
                if a is None:
                    return None
                dec = cell["value"].get("decimals", 0)
                loc = ctx.cell_location(block, cell, row_label=label, column=src["column"].format(**fmt),
                                        part=part.get("type"))
                if minus_rx is not None:
                    other = row[cols["b"]] if "b" in cols else None
                    b = to_decimal(other.get("value")) if other and other.get("value") else None
                    if b is None:
                        return None
                    dec = max(dec, other["value"].get("decimals", 0))
                    op = Operand(a - b, str(a - b), loc, f"{part.get('type')}{place(loc, ctx.lang)}", dec)
                    op.shown = f"{cell['text']}−{other['text']}={a - b}"  # type: ignore[attr-defined]
                    return op
                op = Operand(a, cell["text"], loc, f"{part.get('type')}{place(loc, ctx.lang)}", dec)
                op.shown = cell["text"]  # type: ignore[attr-defined]
                return op
        return None

    # ----------------------------------------------------------- judging
    def _tol(self, ctx: CheckContext, a: Operand, b: Operand) -> Decimal:
        explicit = ctx.params.get("tolerance", "printed")
        if explicit not in (None, "printed"):
            return Decimal(str(explicit))
        return self._half(ctx, a) + self._half(ctx, b)

    def _half(self, ctx: CheckContext, op: Operand) -> Decimal:
        d = op.decimals if op.decimals is not None else 0
        if d == 0 and ctx.params.get("whole_amounts_exact", True):
            d = 2
        return half_ulp(op.text, d)

    def _judge(self, ctx: CheckContext, name: str, values: list[Operand], item: str = "",
               places: bool = False) -> None:
        def agree(a: Operand, b: Operand) -> bool:
            return abs(a.value - b.value) <= self._tol(ctx, a, b)

        off = [i for i in range(1, len(values)) if not agree(values[0], values[i])]
        if not off:
            ctx.counted(len(values) - 1)
            return
        odd, ref = None, values[0]
        if len(values) >= 3:
            # the one value all the others agree against: values[0] when the rest agree with
            # values[1] and it does not; else the only value that disagrees with values[0]
            # (agreement is symmetric) — in this order, in linear time
            if not agree(values[0], values[1]) and all(agree(values[1], r) for r in values[2:]):
                odd, ref = values[0], values[1]
            elif len(off) == 1:
                odd, ref = values[off[0]], values[0]
        if odd is None:
            odd = next(v for v in values[1:] if not agree(values[0], v))
            ref, odd = odd, values[0]
        others = "、".join(f"{v.label}为{getattr(v, 'shown', v.text)}" for v in values if v is not odd)
        # every statement of the fact is an input: a narrower finding on one of them (the text
        # against its table) is the root, this one its consequence.  Within an item the places are
        # inputs too: a check that judges one of the item's sentences alone (its completion rate)
        # reads fewer of them and is the root.
        inputs: list[Any] = [getattr(v, "figure", None) or v.location for v in values]
        if places:
            inputs += [v.location for v in values]
        ctx.compare(dict(odd.location), ref.value, odd, operands=[ref], tolerance=self._tol(ctx, odd, ref),
                    inputs=inputs, fact=name, here=odd.label, stated=getattr(odd, "shown", odd.text),
                    others=others, item=item)


def _copy(op: Operand) -> Operand:
    """An operand read once per document, for one part's findings (its
    location is put in the finding, so it is not shared)."""
    out = Operand(op.value, op.text, dict(op.location), op.label, op.decimals)
    out.__dict__.update({k: v for k, v in op.__dict__.items() if k not in _OPERAND_FIELDS})  # shown, figure
    return out


_OPERAND_FIELDS = frozenset(("value", "text", "location", "label", "decimals"))


def register(registry) -> None:
    registry.add_check(FactsAgree)
