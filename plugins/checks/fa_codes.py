"""Classification codes printed wrong in a table's code columns."""
from __future__ import annotations

from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.plugins.checks.fa_common import block_of, final_accounts


class CodeMisprints(Check):
    """款/项 codes printed without their leading zero (“301 | 2” for 30102).

    What it checks
        In the 类 | 款 | 项 code columns every 款 and 项 code has two digits.
        A one-digit code (a spreadsheet that stored 02 as a number ate the
        zero) is still read as the two-digit code so the sums can be
        checked, and each is reported here with the printed form and the
        code it stands for.
    Why it matters
        The published table must print the 《政府收支分类科目》 codes as they
        are; a reader or a machine that joins the columns gets 3012 instead of
        30102, a code that does not exist.
    Parameters
        tables: the table roles to look at (default: every recognised table).
    Example
        万里街道 2024 部门预算, 一般公共预算基本支出表: “301 2 津贴补贴” →
        应为 30102.
    """

    id: ClassVar[str] = "fa.code_misprints"
    title: ClassVar[str] = "科目编码缺少前导零 (a classification code printed without its leading zero)"
    part_types: ClassVar[tuple[str, ...]] = ("部门预算", "部门决算")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"tables": {"type": "array", "items": {"type": "string"}, "default": []}},
    }

    def run(self, ctx: CheckContext) -> None:
        fa = final_accounts(ctx)
        if fa is None or not fa.get("tables"):
            ctx.not_evaluated("no tables recognized in this part", zh="本部分未识别出表格")
            return
        wanted = set(ctx.params["tables"])
        for t in fa["tables"]:
            if not wanted or t.get("role") in wanted or t.get("generic") in wanted:
                ctx.counted()
        for m in fa.get("code_misprints") or []:
            if wanted and m["table"] not in wanted:
                continue
            table = next((t for t in fa["tables"] if t.get("block") == m["block"]), None)
            block = block_of(ctx, table) if table else {"id": m["block"], "type": "table", "loc": m["loc"]}
            cell = {"text": m["printed"], "loc": m["loc"], "row": m["row"], "col": m["col"]}
            loc = ctx.cell_location(block, cell, row_label=m["label"] or m["code"])
            loc.setdefault("table", (table or {}).get("title") or m["table"])
            ctx.report(loc, expected=m["code"], actual=m["printed"], label=m["label"], table=m["table"])


def register(registry) -> None:
    registry.add_check(CodeMisprints)
