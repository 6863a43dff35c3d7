"""Arithmetic check types on the 部门决算 tables recognized by
``plugins/recognizers/final_accounts.py``: code-tree sums, row identities,
总表 line sums, identities between named values, and cross-table agreement.

All of them compare printed amounts with the rounding rule of
:mod:`budgetlint.plugins.checks.fa_common`: within rounding → ``info``
(尾数差异), beyond → the rule's severity."""
from __future__ import annotations

from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, place
from budgetlint.core.document import compact
from budgetlint.plugins.checks.fa_common import (
    EXACT_ZERO_SCHEMA, STRICT_SCHEMA, TOLERANCE_SCHEMA, cell_location, compare_relation, compare_sum, final_accounts,
    operand, row_name, tables_by_role, value_operand)

PART_TYPES = ("部门决算",)
_SIGN = {"eq": "=", "le": "≤", "ge": "≥"}


def _tables(ctx: CheckContext, roles: list[str]) -> list[dict[str, Any]] | None:
    """Non-empty tables of the wanted roles; None (and not_evaluated) when
    none of them was found at all."""
    fa = final_accounts(ctx)
    if fa is None:
        ctx.not_evaluated("no 部门决算 tables recognized in this part")
        return None
    by_role = tables_by_role(fa)
    found = [t for r in roles for t in by_role.get(r, [])]
    if not found:
        ctx.not_evaluated("table(s) not found: " + "、".join(roles))
        return None
    return [t for t in found if not t["empty"]]


class FaCodeTree(Check):
    """Each 类 equals the sum of its 款, each 款 the sum of its 项; the 合计 row the sum of the 类.

    What it checks
        In every listed table, for every amount column: a row whose code has
        children (codes two digits longer with the same prefix: 201 → 20131 →
        2013101, or 经济分类 301 → 30101) must equal their sum, and the row
        labelled ``total_label`` must equal the sum of the top-level rows.
    Why it matters
        The 功能分类/经济分类 tree is additive by definition; a 款 that does
        not add up to its 项 means a figure was typed or edited by hand.
    Parameters
        tables: table roles to check (recognizer role names).
        total_label: label of the grand-total row (``合计``); empty to skip it.
        total_levels: code levels that add up to the total row (``[类]``).
        tolerance: ``printed`` (rounding interval from printed decimals) or a number.
        exact_zero: a cell printed 0.00 is an exact zero (no rounding); default false.
        strict: tolerate only differences strictly below the summed half-units
            (a difference the rounding could actually produce); default false.
    Example
        公开05表 20131 = 486.40 but 2013101+2013102+2013199 = 486.39 → info 尾数差异.
    """

    id: ClassVar[str] = "fa.code_tree"
    title: ClassVar[str] = "科目层级合计 (class/item hierarchy sums)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    pure_arithmetic: ClassVar[bool] = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["tables"],
        "properties": {
            "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "total_label": {"type": "string", "default": "合计"},
            "total_levels": {"type": "array", "items": {"type": "string"}, "default": ["类"]},
            "tolerance": TOLERANCE_SCHEMA, "exact_zero": EXACT_ZERO_SCHEMA, "strict": STRICT_SCHEMA,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        tables = _tables(ctx, ctx.params["tables"])
        if tables is None:
            return
        for t in tables:
            coded = [r for r in t["rows"] if r.get("code")]
            columns = [c["role"] for c in t["columns"]]
            # a row's children: the codes two digits longer that start with its code, in table order
            children: dict[str, list[dict[str, Any]]] = {}
            for r in coded:
                children.setdefault(r["code"][:-2], []).append(r)
            for parent in coded:
                kids = children.get(parent["code"])
                if kids:
                    self._check(ctx, t, parent, kids, columns, "children")
            total = next((r for r in t["rows"] if not r.get("code") and compact(r.get("label") or "")
                          == ctx.params["total_label"]), None)
            tops = [r for r in coded if r.get("level") in ctx.params["total_levels"]]
            if total is not None and tops:
                self._check(ctx, t, total, tops, columns, "total")

    def _check(self, ctx: CheckContext, t: dict[str, Any], parent: dict[str, Any], kids: list[dict[str, Any]],
               columns: list[str], what: str) -> None:
        for col in columns:
            actual = operand(ctx, t, parent, col)
            if actual is None:
                continue
            ops = [operand(ctx, t, k, col, blank_is_zero=True) for k in kids]
            if any(o is None for o in ops):  # a child row read without its column positions: unknown, not zero
                ctx.relation_not_evaluated(f"{t.get('title') or t['role']} · {row_name(parent)} · {col}",
                                           "下级科目有金额无法对应到栏目（复制文本丢失了空栏）"
                                           " (a child row's amounts could not be placed in columns)")
                continue
            compare_sum(ctx, lambda: cell_location(ctx, t, parent, col), actual, ops, table=t.get("title") or t["role"],
                        row=row_name(parent), column=col, children="、".join(k.get("code") or "" for k in kids))


class FaRowSum(Check):
    """Within each row, a total column equals the sum of its component columns.

    What it checks
        For each identity ``{table, total, addends}``: in every row of that
        table that prints the total column, total = Σ addends (addend columns
        the table does not have are skipped; a blank addend counts as zero).
    Why it matters
        本年支出合计 = 基本支出 + 项目支出 + 上缴上级支出 + 经营支出 +
        对附属单位补助支出 (and the like) is how the tables are defined; a row
        that breaks it has a mistyped figure.
    Parameters
        identities: list of ``{table, total, addends}`` (table role, column roles).
        tolerance: ``printed`` or a number.
        exact_zero: a cell printed 0.00 is an exact zero (no rounding); default false.
        strict: tolerate only differences strictly below the summed half-units
            (a difference the rounding could actually produce); default false.
    Example
        公开05表 20199: 小计 7.92 but 基本支出 0.00 + 项目支出 7.93 = 7.93 → error.
    """

    id: ClassVar[str] = "fa.row_sum"
    title: ClassVar[str] = "行内合计 (row total = sum of columns)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    pure_arithmetic: ClassVar[bool] = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["identities"],
        "properties": {
            "identities": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["table", "total", "addends"],
                "properties": {"table": {"type": "string"}, "total": {"type": "string"},
                               "addends": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}},
            "tolerance": TOLERANCE_SCHEMA, "exact_zero": EXACT_ZERO_SCHEMA, "strict": STRICT_SCHEMA,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        missing: list[str] = []
        relations: dict[str, str] = {}
        for ident in ctx.params["identities"]:
            relation = f"{ident['table']}: {ident['total']} = {'+'.join(ident['addends'])}"
            tables = _tables_quiet(ctx, ident["table"])
            if tables is None:
                missing.append(ident["table"])
                relations[relation] = "table not found (表未识别)"
                continue
            before = ctx.outcome.checked
            if not tables:
                continue  # only empty tables (无数据，已说明): nothing to add up
            for t in tables:
                cols = {c["role"] for c in t["columns"]}
                addends = [a for a in ident["addends"] if a in cols]
                if ident["total"] not in cols or not addends:
                    missing.append(f"{ident['table']}.{ident['total']}")
                    relations[relation] = ("the table prints no column " + (ident["total"] if ident["total"] not in cols
                                                                             else "、".join(ident["addends"])))
                    continue
                for row in t["rows"]:
                    actual = operand(ctx, t, row, ident["total"])
                    if actual is None or not row.get("partial") and not any(a in row["cells"] for a in addends):
                        continue
                    ops = [operand(ctx, t, row, a, blank_is_zero=True) for a in addends]
                    if row.get("partial"):  # amounts read without their column positions: unknown, not zero
                        ops = _placement_free(ctx, t, row, ident["total"], addends)
                        if ops is None:
                            ctx.relation_not_evaluated(f"{t.get('title') or t['role']} · {row_name(row)} · "
                                                       f"{ident['total']}",
                                                       "本行金额无法对应到栏目（复制文本丢失了空栏）"
                                                       " (the row's amounts could not be placed in columns)")
                            continue
                    ops = [o for o in ops if o is not None]
                    compare_sum(ctx, lambda: cell_location(ctx, t, row, ident["total"]), actual, ops,
                                table=t.get("title") or t["role"], row=row_name(row), column=ident["total"],
                                addends="+".join(addends))
            if ctx.outcome.checked == before and relation not in relations:
                relations[relation] = f"no row prints {ident['total']} (无可比对的行)"
        _missing(ctx, relations, "not found: " + "、".join(dict.fromkeys(missing)))


def _placement_free(ctx: CheckContext, t: dict[str, Any], row: dict[str, Any], total: str,
                    addends: list[str]) -> list[Operand] | None:
    """The addends of a row whose blank cells were lost in copying, when
    their columns do not matter: the row prints its total first, and every
    other column of its side is an addend, so whichever columns the other
    amounts belong to, they must add up to the total (支出决算表 “212 城乡社区支出
    13,583.48 1,066.51 2,921.97” cannot be right in any reading).  None when
    some column is not an addend (the amounts could be in it)."""
    side = [c["role"] for c in t["columns"] if c.get("side") == row.get("side")]
    amounts = row.get("amounts") or []
    placed = row["cells"].get(total) or {}
    if not side or side[0] != total or set(side[1:]) != set(addends) or len(amounts) < 2 \
            or placed.get("value") != amounts[0].get("value"):
        return None
    label = f"{row_name(row)} ?"
    return [value_operand(ctx, a, a.get("loc") or cell_location(ctx, t, row, total), label) for a in amounts[1:]]


def _missing(ctx: CheckContext, missing: dict[str, str], summary: str) -> None:
    """Record every relation that could not be evaluated (``relation → why``).

    Why each one: a rule that checked 1 of its 7 relations and skipped the
    rest is not a pass; the engine lists these on the evaluation
    (``not_evaluated_relations``).  When nothing at all was evaluated the rule
    is not evaluated, with ``summary`` naming what was not found."""
    for relation, why in missing.items():
        ctx.relation_not_evaluated(relation, why)
    if missing and not ctx.outcome.checked:
        ctx.not_evaluated(summary)


def _tables_quiet(ctx: CheckContext, role: str) -> list[dict[str, Any]] | None:
    fa = final_accounts(ctx)
    if fa is None:
        return None
    found = tables_by_role(fa).get(role)
    if not found:
        return None
    return [t for t in found if not t["empty"]]


class FaSideSum(Check):
    """In a two-sided 总表, a total line equals the sum of the numbered lines above it.

    What it checks
        For each ``{table, side, total, column}``: the row named ``total`` on
        that side (``本年收入合计`` / ``本年支出合计``) equals the sum of the
        numbered lines (一、二、…) of the same side above it.  Blank lines count
        as zero.
    Why it matters
        The 收入 and 支出 sides of 收入支出决算总表 and 财政拨款收入支出决算总表
        are lists whose 本年合计 must be their sum.
    Parameters
        lines: list of ``{table, side, total, column}`` (column role, usually ``金额``).
        tolerance: ``printed`` or a number.
        exact_zero: a cell printed 0.00 is an exact zero (no rounding); default false.
        strict: tolerate only differences strictly below the summed half-units
            (a difference the rounding could actually produce); default false.
    Example
        财决批复01表 本年支出合计 660.56, lines 514.12+73.97+42.68+29.78 = 660.55 → info.
    """

    id: ClassVar[str] = "fa.side_sum"
    title: ClassVar[str] = "总表本年合计 (total line = sum of numbered lines)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    pure_arithmetic: ClassVar[bool] = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["lines"],
        "properties": {
            "lines": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["table", "side", "total"],
                "properties": {"table": {"type": "string"}, "side": {"type": "string"},
                               "total": {"type": "string"}, "column": {"type": "string", "default": "金额"}}}},
            "tolerance": TOLERANCE_SCHEMA, "exact_zero": EXACT_ZERO_SCHEMA, "strict": STRICT_SCHEMA,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        missing: list[str] = []
        relations: dict[str, str] = {}
        for spec in ctx.params["lines"]:
            col = spec.get("column", "金额")
            relation = f"{spec['table']}: {spec['side']} {spec['total']} = Σ"
            tables = _tables_quiet(ctx, spec["table"])
            if tables == []:
                continue  # an empty table (无数据，已说明) has no lines to add up
            if not tables:
                missing.append(spec["table"])
                relations[relation] = "table not found or empty (表未识别或为空表)"
                continue
            for t in tables:
                rows = [r for r in t["rows"] if r.get("side") == spec["side"]]
                idx = next((i for i, r in enumerate(rows) if r.get("name") == spec["total"]), None)
                if idx is None or operand(ctx, t, rows[idx], col) is None:
                    missing.append(f"{spec['table']}.{spec['side']}.{spec['total']}")
                    relations[relation] = f"line {spec['total']} ({col}) not printed"
                    continue
                lines = [r for r in rows[:idx] if r.get("numbered")]
                ops = [operand(ctx, t, r, col, blank_is_zero=True) for r in lines]
                if any(o is None and r.get("partial") for o, r in zip(ops, lines)):  # unknown, not zero
                    ctx.relation_not_evaluated(f"{t.get('title') or t['role']} · {spec['total']} · {col}",
                                               "某行金额无法对应到栏目（复制文本丢失了空栏）"
                                               " (a line's amounts could not be placed in columns)")
                    continue
                ops = [o for o in ops if o is not None]
                actual = operand(ctx, t, rows[idx], col)
                compare_sum(ctx, lambda: cell_location(ctx, t, rows[idx], col), actual, ops,
                            table=t.get("title") or t["role"], row=spec["total"], column=col, side=spec["side"])
        _missing(ctx, relations, "not found: " + "、".join(dict.fromkeys(missing)))


class FaNamedRelation(Check):
    """Identities and bounds between named values of the tables.

    What it checks
        Each relation ``{left, right, relation}`` compares the named value
        ``left`` with the sum of the named values in ``right``: ``eq`` (equal
        within rounding), ``le`` (left ≤ sum) or ``ge`` (left ≥ sum).  A name
        ending in ``?`` is optional (zero when the template has no such line).
        Names follow the recognizer's scheme (``<table role>.<row>.<column>``,
        ``三公.决算.公务接待费``).
    Why it matters
        总计 = 本年合计 + 结转结余 lines, 收入总计 = 支出总计, 人员经费 = 301 +
        303, 三公 合计 = 出国 + 车 + 接待, and the same figure in two tables
        must agree; a 基本支出 line on 公务接待费 cannot exceed the 三公
        公务接待费 it is part of.
    Parameters
        relations: list of ``{left, right, relation (eq|le|ge), label}``;
            ``label`` names the identity in the message.
        tolerance: ``printed`` or a number.
        exact_zero: a cell printed 0.00 is an exact zero (no rounding); default false.
        strict: tolerate only differences strictly below the summed half-units
            (a difference the rounding could actually produce); default false.
    Example
        ``{left: 三公.决算.合计, right: [三公.决算.因公出国（境）费,
        三公.决算.公务用车购置及运行费.合计, 三公.决算.公务接待费]}``.
    """

    id: ClassVar[str] = "fa.named_relation"
    title: ClassVar[str] = "表内表间勾稽 (identities between named values)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    pure_arithmetic: ClassVar[bool] = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["relations"],
        "properties": {
            "relations": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["left", "right"],
                "properties": {"left": {"type": "string"},
                               "right": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                               "relation": {"enum": ["eq", "le", "ge"], "default": "eq"},
                               "label": {"type": "string", "default": ""}}}},
            "tolerance": TOLERANCE_SCHEMA, "exact_zero": EXACT_ZERO_SCHEMA, "strict": STRICT_SCHEMA,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        fa = final_accounts(ctx)
        if fa is None:
            ctx.not_evaluated("no 部门决算 tables recognized in this part")
            return
        named = fa.get("named_values", {})
        empty_roles = {t["role"] for t in fa["tables"] if t["empty"]}
        missing: list[str] = []
        relations: dict[str, str] = {}
        for rel in ctx.params["relations"]:
            relation = rel.get("label") or f"{rel['left']} {_SIGN[rel.get('relation', 'eq')]} " + "+".join(
                n.rstrip("?") for n in rel["right"])
            left = named.get(rel["left"])
            if left is None:
                missing.append(rel["left"])
                relations[relation] = f"value {rel['left']} not found (未找到)"
                continue
            right: list[Operand] = []
            ok = True
            for name in rel["right"]:
                optional = name.endswith("?")
                key = name.rstrip("?")
                v = named.get(key)
                if v is None:
                    if optional or key.split(".")[0] in empty_roles:
                        continue
                    missing.append(key)
                    relations[relation] = f"value {key} not found (未找到)"
                    ok = False
                    break
                right.append(value_operand(ctx, v, self._loc(ctx, v, key), key))
            if not ok:
                continue
            lop = value_operand(ctx, left, self._loc(ctx, left, rel["left"]), rel["left"])
            compare_relation(ctx, lop.location, rel.get("relation", "eq"), lop, right,
                             label=rel.get("label") or rel["left"], left_name=rel["left"],
                             right_names="+".join(n.rstrip("?") for n in rel["right"]))
        _missing(ctx, relations, "named value(s) not found: " + "、".join(dict.fromkeys(missing)))

    @staticmethod
    def _loc(ctx: CheckContext, v: dict[str, Any], name: str) -> dict[str, Any]:
        block = ctx.index.block(v.get("block"))
        loc = ctx.block_location(block) if block else {}
        loc.update(v.get("loc", {}))
        loc.update({"cell": v.get("text"), "row": v.get("row") or name, "column": v.get("column"), "name": name})
        return {k: val for k, val in loc.items() if val is not None}


class FaCrossTable(Check):
    """The same 科目 in two tables carries the same amount (or no more).

    What it checks
        For each pair ``{a, b, match, levels, relation}``: every row of table
        ``b`` at one of ``levels`` (类/款/项) is looked up in table ``a`` by code
        or by label (总表 lines are labels like 一、一般公共服务支出); when
        found, ``a.column`` must equal (``eq``) or not exceed (``le``)
        ``b.column``.  A line of ``a`` printed blank counts as zero.
    Why it matters
        The nine tables are views of one ledger: 财政拨款总表 by 类 equals the
        一般公共预算表 by 类, 收入支出决算总表 by 类 equals 支出决算表, and the
        一般公共预算 part of a 科目 cannot exceed its total 支出.
    Parameters
        pairs: list of ``{a: {table, column, side}, b: {table, column},
            match (code|label), levels, relation (eq|le)}``.
        tolerance: ``printed`` or a number.
        exact_zero: a cell printed 0.00 is an exact zero (no rounding); default false.
        strict: tolerate only differences strictly below the summed half-units
            (a difference the rounding could actually produce); default false.
    Example
        财政拨款收入支出决算总表 一般公共服务支出 (一般公共预算财政拨款) =
        一般公共预算财政拨款支出决算表 201 本年支出.合计.
    """

    id: ClassVar[str] = "fa.cross_table"
    title: ClassVar[str] = "表间科目一致 (same 科目 across tables)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    pure_arithmetic: ClassVar[bool] = True
    _side_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["table", "column"],
        "properties": {"table": {"type": "string"}, "column": {"type": "string"}, "side": {"type": "string"}}}
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["pairs"],
        "properties": {
            "pairs": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["a", "b"],
                "properties": {"a": _side_schema, "b": _side_schema,
                               "match": {"enum": ["code", "label"], "default": "code"},
                               "levels": {"type": "array", "items": {"type": "string"}, "default": ["类", "款", "项"]},
                               "relation": {"enum": ["eq", "le"], "default": "eq"}}}},
            "tolerance": TOLERANCE_SCHEMA, "exact_zero": EXACT_ZERO_SCHEMA, "strict": STRICT_SCHEMA,
        },
    }

    def run(self, ctx: CheckContext) -> None:
        missing: list[str] = []
        relations: dict[str, str] = {}
        for pair in ctx.params["pairs"]:
            relation = (f"{pair['a']['table']}.{pair['a']['column']} {_SIGN[pair.get('relation', 'eq')]} "
                        f"{pair['b']['table']}.{pair['b']['column']}")
            a_tabs = _tables_quiet(ctx, pair["a"]["table"])
            b_tabs = _tables_quiet(ctx, pair["b"]["table"])
            if a_tabs == [] or b_tabs == []:
                continue  # an empty table (无数据，已说明) has no 科目 to compare
            if not a_tabs or not b_tabs:
                missing.append(pair["a"]["table"] if not a_tabs else pair["b"]["table"])
                relations[relation] = f"table {missing[-1]} not found or empty (表未识别或为空表)"
                continue
            a, b = a_tabs[0], b_tabs[0]
            # a column this template does not print is not a column of zeros
            absent = [f"{t['role']}.{pair[s]['column']}" for s, t in (("a", a), ("b", b))
                      if t.get("columns") and pair[s]["column"] not in {c["role"] for c in t["columns"]}]
            if absent:
                missing.extend(absent)
                relations[relation] = "the template prints no column " + "、".join(absent)
                continue
            before = ctx.outcome.checked
            match = pair.get("match", "code")
            levels = pair.get("levels", ["类", "款", "项"])
            a_rows = [r for r in a["rows"] if not pair["a"].get("side") or r.get("side") == pair["a"]["side"]]
            index = {}
            for r in a_rows:
                key = r.get("code") if match == "code" else compact(r.get("name") or r.get("label") or "")
                if key:
                    index.setdefault(key, r)
            for rb in b["rows"]:
                if rb.get("level") not in levels:
                    continue
                key = rb.get("code") if match == "code" else compact(rb.get("label") or "")
                ra = index.get(key)
                if ra is None:
                    continue
                bop = operand(ctx, b, rb, pair["b"]["column"], blank_is_zero=True)
                aop = operand(ctx, a, ra, pair["a"]["column"], blank_is_zero=True)
                if bop is None or aop is None:
                    continue
                compare_relation(ctx, lambda: aop.location, pair.get("relation", "eq"), aop, [bop],
                                 table=a.get("title") or a["role"], other=b.get("title") or b["role"],
                                 other_code=b.get("code") or "", row=row_name(ra), column=pair["a"]["column"],
                                 other_label=_with_code(b.get("title") or b["role"], b.get("code"), ctx.lang),
                                 other_column=pair["b"]["column"], other_line=bop.location.get("line"),
                                 other_where=place(bop.location, ctx.lang))
            if ctx.outcome.checked == before:
                relations[relation] = (f"no {'/'.join(levels)} row of {pair['b']['table']} with an amount matched "
                                       f"a row of {pair['a']['table']} (无可比对的行)")
        _missing(ctx, relations, "table(s) not found or empty: " + "、".join(dict.fromkeys(missing)))


def _with_code(title: str, code: str | None, lang: str) -> str:
    """“支出决算表（公开03表）”; just the title when the table prints no code."""
    if not code:
        return title
    return f"{title}（{code}）" if lang == "zh" else f"{title} ({code})"


def register(registry) -> None:
    for cls in (FaCodeTree, FaRowSum, FaSideSum, FaNamedRelation, FaCrossTable):
        registry.add_check(cls)

