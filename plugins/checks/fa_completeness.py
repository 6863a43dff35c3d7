"""Disclosure-completeness check types for a 部门决算: the required tables
are there, their codes are unique, in sequence and in the template's order,
the table of contents names them, and empty tables say why."""
from __future__ import annotations

from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, place
from budgetlint.plugins.checks.fa_common import final_accounts, table_location

PART_TYPES = ("部门决算",)


def _fa(ctx: CheckContext) -> dict[str, Any] | None:
    fa = final_accounts(ctx)
    if fa is None or not fa.get("tables"):
        ctx.not_evaluated("no 部门决算 tables recognized in this part")
        return None
    return fa


def _part_location(ctx: CheckContext, fa: dict[str, Any]) -> dict[str, Any]:
    first = fa["tables"][0]
    return table_location(ctx, first)


class FaTablesPresent(Check):
    """Every required table of the template is published.

    What it checks
        Each role in ``required`` (the recognizer's canonical table names)
        must be present in the part, as a table or as an empty table's
        caption.  One finding per missing table.
    Why it matters
        The 部门决算 disclosure consists of a fixed set of tables (nine in the
        公开/财决批复 templates); a missing one is an incomplete disclosure.
    Parameters
        required: table roles that must be present.
    Example
        A 2020 report without 一般公共预算财政拨款“三公”经费支出决算表 fires once.
    """

    id: ClassVar[str] = "fa.tables_present"
    title: ClassVar[str] = "决算公开表齐全 (required tables present)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["required"],
        "properties": {"required": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
    }

    def run(self, ctx: CheckContext) -> None:
        fa = _fa(ctx)
        if fa is None:
            return
        present = {t["role"] for t in fa["tables"]}
        for role in ctx.params["required"]:
            if role in present:
                ctx.counted()
            else:
                ctx.report(_part_location(ctx, fa), expected=role, actual="缺失", table_role=role)


class FaTableCodes(Check):
    """Table codes are unique, without gaps, and match the template's order.

    What it checks
        ``aspect: duplicate`` — a code (公开06表) printed on two tables;
        ``aspect: sequence`` — a number missing between the first and the last
        code (or after the last, up to the template's count);
        ``aspect: template`` — a table whose code is not the one the template
        gives its role (``templates``: prefix → number → role).
    Why it matters
        Readers and the 财政 portal find tables by their code; a duplicated or
        skipped code is a visible editing error and makes the set look incomplete.
    Parameters
        aspect: ``duplicate``, ``sequence`` or ``template``.
        templates: map of code prefix (公开 / 财决批复) to ``{number: role}``;
            used by ``sequence`` (expected count) and ``template``.
    Example
        2020 report: 三公 table printed as 公开06表 after the 基本支出表 公开06表,
        and no 公开07表 → duplicate at the second, sequence gap 07, template mismatch.
    """

    id: ClassVar[str] = "fa.table_codes"
    title: ClassVar[str] = "决算表编号 (table codes)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["aspect"],
        "properties": {
            "aspect": {"enum": ["duplicate", "sequence", "template"]},
            "templates": {"type": "object", "default": {},
                          "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        fa = _fa(ctx)
        if fa is None:
            return
        coded = [t for t in fa["tables"] if t.get("slot") is not None]
        if not coded:
            ctx.not_evaluated("no table carries a code (公开NN表 / 财决批复NN表)")
            return
        aspect = ctx.params["aspect"]
        template = (ctx.params.get("templates") or {}).get(fa.get("template") or "")
        if aspect == "duplicate":
            seen: dict[str, dict[str, Any]] = {}
            for t in coded:
                if t["code"] in seen:
                    first = seen[t["code"]]
                    ctx.report(table_location(ctx, t), expected="唯一编号", actual=t["code"], code=t["code"],
                               title=t.get("title") or t["role"], other=first.get("title") or first["role"],
                               other_line=first["loc"].get("line"), other_where=place(first["loc"], ctx.lang))
                else:
                    seen[t["code"]] = t
                    ctx.counted()
        elif aspect == "sequence":
            numbers = sorted({t["slot"] for t in coded})
            last = max(numbers[-1], max((int(k) for k in template), default=0) if template else 0)
            prefix = fa.get("template") or ""
            for n in range(1, last + 1):
                if n in numbers:
                    ctx.counted()
                    continue
                after = [t for t in coded if t["slot"] < n]
                anchor = after[-1] if after else coded[0]
                code = f"{prefix}{n:02d}表"
                ctx.report(table_location(ctx, anchor), expected=code, actual="缺失", code=code)
        else:
            if not template:
                ctx.not_evaluated(f"no template given for code prefix {fa.get('template')!r}")
                return
            slots = {int(k): v for k, v in template.items()}
            for t in coded:
                want = slots.get(t["slot"])
                if want is None or t["role"] is None:
                    continue
                if want == t["role"]:
                    ctx.counted()
                    continue
                right = next((n for n, r in slots.items() if r == t["role"]), None)
                ctx.report(table_location(ctx, t), expected=f"{fa['template']}{right:02d}表" if right else want,
                           actual=t["code"], code=t["code"], title=t.get("title") or t["role"], role=t["role"],
                           slot_role=want)


class FaEmptyExplained(Check):
    """An empty table carries a note saying why it is empty.

    What it checks
        Every table the recognizer found empty (no non-zero amount, or only
        its captions) must have a 注/说明 that explains the absence (pattern
        in the recognizer's data, e.g. “没有政府性基金收入…故本表无数据”).
    Why it matters
        The publication rules require every table to be published; an empty
        table without an explanation leaves readers unable to tell “nothing
        to report” from “not filled in”.
    Parameters
        roles: table roles this applies to (empty list: all).
    Example
        公开08表 with only a 合计 row and no 说明 fires.
    """

    id: ClassVar[str] = "fa.empty_explained"
    title: ClassVar[str] = "空表说明 (empty tables explained)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"roles": {"type": "array", "items": {"type": "string"}, "default": []}},
    }

    def run(self, ctx: CheckContext) -> None:
        fa = _fa(ctx)
        if fa is None:
            return
        roles = ctx.params.get("roles") or []
        for t in fa["tables"]:
            if roles and t["role"] not in roles:
                continue
            if not t["empty"]:
                continue
            if t["explained"]:
                ctx.counted()
            else:
                ctx.report(table_location(ctx, t), expected="空表说明", actual="无说明",
                           title=t.get("title") or t["role"], code=t.get("code") or "")
        if not ctx.outcome.checked and not ctx.outcome.findings:
            ctx.counted()  # no empty table: nothing to explain


class FaTocTitles(Check):
    """The table of contents lists the tables that are published, in their order.

    What it checks
        The recognizer reads the 目录 entries that name a table.  Each entry
        must correspond to a published table and the published tables must
        appear in the order of the 目录; each published table should be listed.
    Why it matters
        The 目录 is how readers navigate a long disclosure; a mismatch means the
        document was assembled from different versions.
    Parameters
        require_toc: report when no 目录 entry names a table (default false).
    Example
        目录 lists 七、一般公共预算财政拨款“三公”经费支出决算表 but no such table follows → fires.
    """

    id: ClassVar[str] = "fa.toc_titles"
    title: ClassVar[str] = "目录与表一致 (table of contents matches)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"require_toc": {"type": "boolean", "default": False}},
    }

    def run(self, ctx: CheckContext) -> None:
        fa = _fa(ctx)
        if fa is None:
            return
        toc = fa.get("toc") or []
        if not toc:
            if ctx.params.get("require_toc"):
                ctx.report(_part_location(ctx, fa), expected="目录", actual="缺失", title="目录")
            else:
                ctx.not_evaluated("no 目录 entries naming the tables")
            return
        tables = [t for t in fa["tables"] if t.get("role")]
        roles = [t["role"] for t in tables]
        for e in toc:
            if e["role"] not in roles:
                loc = ctx.block_location({"id": None, "type": "paragraph", "loc": e["loc"]}, snippet=e["title"])
                ctx.report(loc, expected=e["title"], actual="未找到该表", title=e["title"])
            else:
                ctx.counted()
        listed = [e["role"] for e in toc]
        for t in tables:
            if t["role"] not in listed:
                ctx.report(table_location(ctx, t), expected="目录列出", actual="目录未列出",
                           title=t.get("title") or t["role"])
        # a table printed (or listed) twice counts once: order is judged on first occurrences
        order = list(dict.fromkeys(r for r in roles if r in listed))
        want = list(dict.fromkeys(r for r in listed if r in roles))
        if order != want:
            i = next(i for i, (a, b) in enumerate(zip(order, want)) if a != b)
            t = next(t for t in tables if t["role"] == order[i])
            ctx.report(table_location(ctx, t), expected=want[i], actual=order[i], title=t.get("title") or t["role"])


def register(registry) -> None:
    for cls in (FaTablesPresent, FaTableCodes, FaEmptyExplained, FaTocTitles):
        registry.add_check(cls)
