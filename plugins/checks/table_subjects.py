"""Check type ``tables.text_subjects``: “X（类）Y（款）Z（项）”科目N万元 in the
narrative against that 科目's row in the tables.

Works on the one table shape every genre publishes (``doc["part_tables"]``).
"""
from __future__ import annotations

import re
from decimal import Decimal
from difflib import SequenceMatcher
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
        be abbreviated.  Names are compared without spaces; a printed name
        also names a row whose name it is once an ``optional_suffixes`` word
        is dropped (“一般公共服务（类）” for 一般公共服务支出) or that ``aliases``
        gives for it.

        With ``aspect: names`` a path naming no row is reported together with
        the closest row of the tables at the level that failed: a row of that
        level with the printed name elsewhere in the table (the 款 misnamed),
        else the row under the last level that matched whose amount is
        nearest the text's (the 项 misnamed: “统计信息事务（项）”20.04万元 →
        2010505 专项统计业务 20.03), else the most similar name of that level.
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
        optional_suffixes: words a printed name may leave off a table name
            (default none; the 决算 rule gives 支出 for 类 names).
        aliases: ``{printed name: table name}`` for known other spellings.
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
            "optional_suffixes": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": []},
            "aliases": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}},
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
        same = _Names(ctx.params["optional_suffixes"], ctx.params["aliases"])
        for st in ctx.index.statements(ctx.part.get("id")):
            if "amount" not in st:
                continue
            m = _PATH.search(compact(st.get("subject") or ""))
            if not m:
                continue
            found = next(((t, row) for t in tables if (row := _find(t, m, same)) is not None), None)
            if ctx.params["aspect"] == "names":
                if found is None:
                    named = re.sub(r"[“”\"]", "", st.get("subject", ""))
                    near = _closest(ctx, tables, m, same, st)
                    ctx.report(statement_location(ctx, st), expected="表中科目", actual=named,
                               kind="mismatch", subject=named,
                               tables="、".join(t.get("title") or t["role"] for t in tables), **near)
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


class _Names:
    """Whether a printed 科目 name names a table row's name: equal without
    spaces, equal once an optional suffix is dropped from the table's name,
    or a known alias."""

    def __init__(self, suffixes: list[str], aliases: dict[str, str]) -> None:
        self.suffixes = [compact(x) for x in suffixes]
        self.aliases = {compact(k): compact(v) for k, v in aliases.items()}

    def __call__(self, printed: str, label: str) -> bool:
        printed, label = compact(printed), compact(label)
        if printed == label or self.aliases.get(printed) == label:
            return True
        return any(label.endswith(x) and label[:-len(x)] == printed for x in self.suffixes)


_LEVELS = (("lei", "c1", 3), ("kuan", "c2", 5), ("xiang", "c3", 7))


def _printed_levels(m: re.Match[str]) -> list[tuple[str, str, int]]:
    return [lv for lv in _LEVELS if m[lv[0]]]


def _walk(table: dict[str, Any], m: re.Match[str], same: _Names) -> tuple[list[dict[str, Any]], int]:
    """The rows the path names level by level, and the index of the first
    printed level that names no row (the number of printed levels when all do)."""
    rows = [r for r in table["rows"] if r.get("code")]
    matched: list[dict[str, Any]] = []
    levels = _printed_levels(m)
    for k, (name_g, code_g, length) in enumerate(levels):
        prefix = matched[-1]["code"] if matched else ""
        code = m[code_g]
        if code:  # a printed code decides; the name may be abbreviated
            row = next((r for r in rows if r["code"] == prefix + code), None)
        else:
            row = next((r for r in rows if len(r["code"]) == length and r["code"].startswith(prefix)
                        and same(m[name_g], r.get("label") or "")), None)
        if row is None:
            return matched, k
        matched.append(row)
    return matched, len(levels)


def _find(table: dict[str, Any], m: re.Match[str], same: _Names) -> dict[str, Any] | None:
    matched, failed = _walk(table, m, same)
    return matched[-1] if matched and failed == len(_printed_levels(m)) else None


def _closest(ctx: CheckContext, tables: list[dict[str, Any]], m: re.Match[str], same: _Names,
             st: dict[str, Any]) -> dict[str, str]:
    """The table row nearest a path that names none (see the class doc):
    message params ``closest`` (code and name), ``closest_amount`` (in the
    text's unit) and ``closest_where``; empty strings when the tables have
    no row at that level."""
    column = ctx.params["column"]
    amount = Decimal(st["amount"]["value"])
    best: tuple[tuple[int, Decimal, float], dict[str, Any], dict[str, Any]] | None = None
    for t in tables:
        matched, failed = _walk(t, m, same)
        name_g, _, length = _printed_levels(m)[failed]
        printed = compact(m[name_g])
        prefix = matched[-1]["code"] if matched else ""
        for row in t["rows"]:
            code = row.get("code") or ""
            if len(code) != length:
                continue
            value = _text_value(ctx, row["cells"].get(column))
            if same(printed, row.get("label") or ""):
                key = (0, Decimal(0), 0.0)
            elif matched and code.startswith(prefix) and value is not None:
                key = (1, abs(value - amount), 0.0)
            else:
                key = (2, Decimal(0), -SequenceMatcher(None, printed, compact(row.get("label") or "")).ratio())
            if best is None or key < best[0]:
                best = (key, t, row)
    if best is None:
        return {"closest": "", "closest_amount": "", "closest_where": ""}
    _, t, row = best
    value = _text_value(ctx, row["cells"].get(column))
    return {"closest": row_name(row), "closest_amount": "" if value is None else format(value.normalize(), "f"),
            "closest_where": place(cell_location(ctx, t, row, column), ctx.lang)}


def _text_value(ctx: CheckContext, cell: dict[str, Any] | None) -> Decimal | None:
    """A table cell's amount in the narrative's unit (None when blank)."""
    if cell is None or cell.get("value") is None:
        return None
    op = Operand(Decimal(cell["value"]), cell["value"], {}, "", cell.get("decimals"))
    return _in_text_unit(ctx, op, cell.get("unit")).value


def register(registry) -> None:
    registry.add_check(TextSubjects)
