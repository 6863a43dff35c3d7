"""Check type ``tables.text_subjects``: “X（类）Y（款）Z（项）”科目N万元 in the
narrative against that 科目's row in the tables.

Works on the one table shape every genre publishes (``doc["part_tables"]``).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, place
from budgetlint.core.document import compact
from budgetlint.plugins.checks.fa_common import cell_location, final_accounts, row_name, tables_by_role
from budgetlint.plugins.checks.fa_text_rates import statement_location
from budgetlint.plugins.checks.fa_text_tables import _in_text_unit

# “一般公共服务支出（类）…（款）…（项）” or “公共安全支出（204类）司法（06款）行政运行（01项）”
# starts only at the text's start or after a bracket or quote, where a match can start
# anyway: one attempt per run of words, not one per character of a long subject
_PATH = re.compile(r"(?<![^“”\"（()）])(?P<lei>[^“”\"（()）]+?)[（(](?P<c1>\d{3})?类[）)](?P<kuan>[^（()）]+?)[（(](?P<c2>\d{2})?款[）)]"
                   r"(?:(?P<xiang>[^（()）]+?)[（(](?P<c3>\d{2})?项[）)])?")


class TextSubjects(Check):
    """Each 科目 the narrative lists with an amount equals its row in the tables.

    What it checks
        A statement whose subject names a 科目 path “一般公共服务支出（类）统计信息
        事务（款）专项普查活动（项）” is looked up in the listed tables by names —
        the 类 row, the 款 row under it, the 项 row under that — and its amount
        compared with the row's ``column`` (converted to the text's unit;
        rounding differences are 尾数差异, info).  A path that names no row of
        any listed table is counted in the reason, not reported: the name may
        be abbreviated.
    Why it matters
        The “财政拨款支出主要内容” list restates the function table line by line;
        a figure that differs from its row was copied from an older draft.
    Parameters
        aspect: ``amount`` (default: compare amounts; paths naming no row are
            only counted) or ``names`` (report each path that names no row of
            any listed table: a 科目 misnamed in the text).
        tables: table roles searched in order (e.g. 一般公共预算支出表, 政府性基金预算支出表).
        column: the amount column (``合计``).
        text_unit: the unit of the narrative's amounts (``万元``).
        units: ``{unit: size in text_unit}``, e.g. ``{元: 0.0001, 万元: 1}``.
        tolerance: ``printed`` or an absolute amount.
    Example
        “城乡社区支出（类）城乡社区管理事务（款）行政运行（项）”科目1788.77万元 (or
        “公共安全支出（204类）司法（06款）行政运行（01项）1672.67万元”: codes decide) vs
        2120101 行政运行 17,887,739 元 (= 1788.7739 万元) → passes.
    """

    id: ClassVar[str] = "tables.text_subjects"
    title: ClassVar[str] = "说明所列科目金额与预算表一致 (listed 科目 amounts match the tables)"
    part_types: ClassVar[tuple[str, ...]] = ("部门预算", "部门决算")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["tables"],
        "properties": {
            "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "aspect": {"enum": ["amount", "names"], "default": "amount"},
            "column": {"type": "string", "default": "合计"},
            "text_unit": {"type": "string"},
            "units": {"type": "object", "additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
            "tolerance": {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        pt = final_accounts(ctx)
        if pt is None:
            ctx.not_evaluated("no tables recognized in this part")
            return
        by_role = tables_by_role(pt)
        tables = [t for r in ctx.params["tables"] for t in by_role.get(r, []) if not t["empty"]]
        if not tables:
            ctx.not_evaluated("table(s) not found or empty: " + "、".join(ctx.params["tables"]))
            return
        unmatched = 0
        for st in ctx.index.statements(ctx.part.get("id")):
            if "amount" not in st:
                continue
            m = _PATH.search(compact(st.get("subject") or ""))
            if not m:
                continue
            found = next(((t, row) for t in tables if (row := _find(t, m)) is not None), None)
            if ctx.params["aspect"] == "names":
                if found is None:
                    named = re.sub(r"[“”\"]", "", st.get("subject", ""))
                    ctx.report(statement_location(ctx, st), expected="表中科目", actual=named,
                               kind="mismatch", subject=named,
                               tables="、".join(t.get("title") or t["role"] for t in tables))
                else:
                    ctx.counted()
                continue
            if found is None:
                unmatched += 1
                continue
            t, row = found
            cell = row["cells"].get(ctx.params["column"])
            if cell is None:
                unmatched += 1
                continue
            f = st["amount"]
            text_op = Operand(Decimal(f["value"]), f["value"], statement_location(ctx, st), "情况说明", f.get("decimals"))
            loc = cell_location(ctx, t, row, ctx.params["column"])
            table_op = _in_text_unit(ctx, Operand(Decimal(cell["value"]), cell.get("text") or cell["value"], loc,
                                                  row_name(row), cell.get("decimals")), cell.get("unit"))
            if table_op.value == text_op.value:
                ctx.counted()
                continue
            ctx.compare(text_op.location, table_op.value, text_op, operands=[table_op], subject=st.get("subject", ""),
                        text_value=f.get("text", f["value"]), table=t.get("title") or t["role"], row=row_name(row),
                        table_where=place(loc, ctx.lang))
        if unmatched and not ctx.outcome.checked:
            ctx.not_evaluated(f"{unmatched} 科目 path(s) in the text name no row of the tables")


def _find(table: dict[str, Any], m: re.Match[str]) -> dict[str, Any] | None:
    rows = [r for r in table["rows"] if r.get("code")]

    def under(prefix: str, length: int, name: str, code: str | None) -> dict[str, Any] | None:
        if code:  # a printed code decides; the name may be abbreviated
            return next((r for r in rows if r["code"] == prefix + code), None)
        return next((r for r in rows if len(r["code"]) == length and r["code"].startswith(prefix)
                     and compact(r.get("label") or "") == name), None)

    lei = under("", 3, m["lei"], m["c1"])
    kuan = under(lei["code"], 5, m["kuan"], m["c2"]) if lei else None
    if kuan is None or not m["xiang"]:
        return kuan
    return under(kuan["code"], 7, m["xiang"], m["c3"])


def register(registry) -> None:
    registry.add_check(TextSubjects)
