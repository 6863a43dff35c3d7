"""Check type ``tables.empty_claim``: what a document says about an empty
table against what the table and the narrative show.

Works on the one table shape every genre's recognizer publishes
(``doc["part_tables"]``, see ``plugins/recognizers/budget_tables.py``), so
the same rule serves a 部门预算 and a 部门决算.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, place
from budgetlint.core.document import compact
from budgetlint.plugins.checks.fa_common import final_accounts, table_location, tables_by_role
from budgetlint.plugins.checks.fa_text_rates import statement_location
from budgetlint.plugins.checks.fa_text_tables import _SELECT, statement_matches


class EmptyClaim(Check):
    """A table said to be empty has no amounts, and the text does not give it any.

    What it checks
        For each listed table (generic role, e.g. ``三公经费表``):
        ``aspect: note`` — a note under it declares it empty (``empty_note``,
        e.g. “故本表为空表”) while the table prints non-zero amounts;
        ``aspect: text`` — the table prints no amount while a narrative
        statement selected by ``statements`` gives a non-zero amount.
    Why it matters
        “本部门无‘三公’经费预算，故本表为空表” under a table that prints 47.91
        万元, followed by a section that explains the 47.91 万元, leaves the
        reader unable to tell which is true; a template note left in place is
        a publication defect the bureau must correct.
    Parameters
        tables: generic table roles to check.
        aspect: ``note`` (the note against the table) or ``text`` (an empty
            table against the narrative).
        empty_note: regex (on compact text) of a note declaring the table empty.
        statements: statement selectors (``{kind, topic, subject, section}``)
            whose non-zero amounts contradict an empty table; may be empty.
        figures: which figures of a selected statement count (default
            ``[amount]``; a 决算 三公 table prints 预算数 and 决算数, so a
            completion statement's ``budget`` and ``actual`` contradict it too).
    Example
        万里街道 2024 第31页: 三公 table 合计 47.91, note “本部门2024年无“三公”经费和
        机关运行经费预算，故本表为空表” → fires.
    """

    id: ClassVar[str] = "tables.empty_claim"
    title: ClassVar[str] = "空表声明与数据矛盾 (an 'empty table' claim contradicted)"
    part_types: ClassVar[tuple[str, ...]] = ("部门预算", "部门决算")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["tables", "empty_note"],
        "properties": {
            "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "empty_note": {"type": "string", "format": "regex"},
            "aspect": {"enum": ["note", "text"], "default": "note"},
            "statements": {"type": "array", "items": _SELECT, "default": []},
            "figures": {"type": "array", "items": {"enum": ["amount", "actual", "budget"]}, "minItems": 1,
                        "default": ["amount"]},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        pt = final_accounts(ctx)
        if pt is None:
            ctx.not_evaluated("no tables recognized in this part")
            return
        by_role = tables_by_role(pt)
        found = [t for r in ctx.params["tables"] for t in by_role.get(r, [])]
        if not found:
            ctx.not_evaluated("table(s) not found: " + "、".join(ctx.params["tables"]))
            return
        rx = re.compile(ctx.params["empty_note"])
        for t in found:
            note = next((n for n in t.get("notes", []) if rx.search(compact(n))), None)
            amounts = [c for r in t["rows"] for c in r["cells"].values() if Decimal(c["value"]) != 0]
            title = t.get("title") or t["role"]
            if ctx.params["aspect"] == "note":
                if note and amounts:
                    cell = amounts[0].get("text") or amounts[0]["value"]
                    ctx.report(table_location(ctx, t), expected="0", actual=cell, kind="contradiction",
                               title=title, note=note, cell=cell)
                else:
                    ctx.counted()
                continue
            if amounts:  # a table with data: the text may restate it (aspect note judges its note)
                ctx.counted()
                continue
            said = self._stated(ctx)
            if said is None:
                ctx.counted()
                continue
            st, f = said
            ctx.report(statement_location(ctx, st), expected="0", actual=f["value"], kind="contradiction",
                       title=title, note=note or "", cell=f.get("text", f["value"]),
                       subject=st.get("subject", ""), table_where=place(t.get("loc"), ctx.lang))

    @staticmethod
    def _stated(ctx: CheckContext) -> tuple[dict[str, Any], dict[str, Any]] | None:
        figures = ctx.params["figures"]
        for st in ctx.index.statements(ctx.part.get("id")):
            if not any(k in st for k in figures):
                continue
            if not any(statement_matches(st, sel) for sel in ctx.params["statements"]):
                continue
            for key in figures:
                if key in st and Decimal(st[key]["value"]) != 0:
                    return st, st[key]
        return None


def register(registry) -> None:
    registry.add_check(EmptyClaim)
