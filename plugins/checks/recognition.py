"""Check types that make a reading failure visible: a document whose type
was not recognised, and a 部门决算 whose tables were not read.

Why they are checks and not engine errors: the gate is a rule decision (a
bureau may waive it for a README that sits in the folder, or tighten the
list of tables), and a finding carries the place, the basis and the fix in
every report format."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import compact, iter_blocks
from budgetlint.plugins.checks.fa_common import final_accounts

UNKNOWN = "unknown"
_QUOTES = re.compile(r"[“”\"'‘’「」]")


def _plain(text: str) -> str:
    return _QUOTES.sub("", compact(text))


class DocumentRecognized(Check):
    """A file whose parts are all of unknown type was not checked at all.

    What it checks
        Runs on parts of type ``unknown``.  When every part of the document
        is ``unknown`` (no 部门决算 / 部门预算 / 绩效自评 title, cover or
        scorecard was recognised), it reports once, at the document's first
        block, with what the reader did find (tables, paragraphs, format).
    Why it matters
        Every other rule applies to a recognised part type, so an
        unrecognised document would be "checked" with 0 findings and pass the
        gate although nothing was read — an XLSX of the nine tables without
        a cover sheet, a README in the report folder.
    Parameters
        part_types: the part types that count as unrecognised (default
            ``[unknown]``).
    Example
        ``budgetlint check tables.xlsx`` (nine tables, no cover) → one error
        “未能识别文件类型 …”; exit 1 unless waived.
    """

    id: ClassVar[str] = "document.recognized"
    title: ClassVar[str] = "文件类型已识别 (document type recognised)"
    part_types: ClassVar[tuple[str, ...]] = ()  # every part: a recognised document is a pass, not "not applicable"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"part_types": {"type": "array", "items": {"type": "string"}, "default": [UNKNOWN]}},
    }

    def run(self, ctx: CheckContext) -> None:
        unknown = set(ctx.params["part_types"])
        parts = ctx.doc.get("parts") or []
        if any(p.get("type") not in unknown for p in parts):
            ctx.counted()  # the document was understood (at least one part recognised)
            return
        if parts and parts[0].get("id") != ctx.part.get("id"):
            ctx.counted()  # reported once, on the first part
            return
        blocks = ctx.doc.get("blocks") or []
        tables = sum(1 for b in blocks if b.get("type") == "table")
        paragraphs = sum(1 for b in blocks if b.get("type") in ("paragraph", "heading"))
        loc = ctx.block_location(blocks[0]) if blocks else {"line": 1}
        fmt = (ctx.doc.get("source") or {}).get("format", "")
        ctx.report(loc, expected="部门决算/部门预算/绩效自评", actual="unknown", tables=tables,
                   paragraphs=paragraphs, format=fmt, evidence=ctx.part.get("evidence") or "")


class TablesRecognized(Check):
    """Fewer 部门决算 tables were read than the rule pack requires.

    What it checks
        In a 部门决算 part, each role in ``required`` must have been
        recognised as a table (or an empty table's caption).  It reports once
        per part, listing the tables not recognised, when no table at all was
        recognised, or when a missing table's title is printed in the part
        (a heading, a caption line, a 目录 entry): the table is there, the
        reader did not understand its layout.  A table whose title appears
        nowhere is left to ``fa.tables_present`` (a disclosure gap, not a
        reading failure).
    Why it matters
        Every arithmetic and cross-table rule silently has less to check when
        a table was not read; a 部门决算 copied out of a PDF viewer or in a
        new template can lose all nine.  The gate must say so and tell the
        clerk what to give instead (the PDF or DOCX original, or the pack of
        the template).
    Parameters
        required: table roles the pack requires (the recognizer's canonical
            table names).
    Example
        A 2025 Shanghai 决算 pasted as text whose table rows are single-space
        separated: 0 of 9 tables recognised → one error listing all nine.
    """

    id: ClassVar[str] = "fa.tables_recognized"
    title: ClassVar[str] = "决算表已识别 (final-accounts tables recognised)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["required"],
        "properties": {"required": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
    }

    def run(self, ctx: CheckContext) -> None:
        required: list[str] = ctx.params["required"]
        fa = final_accounts(ctx)
        recognised = {t["role"] for t in (fa or {}).get("tables", []) if t.get("role")}
        missing = [r for r in required if r not in recognised]
        ctx.counted(len(required) - len(missing))
        if not missing:
            return
        mentions = self._mentions(ctx, missing)
        if recognised and not mentions:
            ctx.not_applicable("the missing tables' titles are printed nowhere (rule fa-tables-present reports them)",
                               zh="缺少的表在文件中没有出现标题（由“应公开的表格齐全”规则报告）")
            return
        unread = [r for r in missing if r in mentions] if recognised else missing
        first = min((mentions[r] for r in unread if r in mentions), key=lambda b: int(b["id"][1:]), default=None)
        blocks = list(iter_blocks(ctx.doc, ctx.part))
        anchor = first or (blocks[0] if blocks else None)
        loc = ctx.block_location(anchor) if anchor else dict(ctx.part.get("loc") or {})
        ctx.report(loc, expected=len(required), actual=len(required) - len(missing), tables="、".join(unread),
                   missing=len(unread), found=len(required) - len(missing), required=len(required))

    @staticmethod
    def _mentions(ctx: CheckContext, roles: list[str]) -> dict[str, dict[str, Any]]:
        """role → the first non-table block of the part that prints its title."""
        wanted = {r: _plain(r) for r in roles}
        # longest titles first, each consumed once found: 支出决算表 is not
        # mentioned by 一般公共预算财政拨款支出决算表
        titles = sorted({_plain(r) for r in ctx.params["required"]} | set(wanted.values()), key=len, reverse=True)
        out: dict[str, dict[str, Any]] = {}
        for b in iter_blocks(ctx.doc, ctx.part):
            if b.get("type") == "table":
                continue
            text = _plain(b.get("text") or "")
            if not text:
                continue
            seen: set[str] = set()
            for key in titles:
                if key in text:
                    seen.add(key)
                    text = text.replace(key, "|")
            for role, key in wanted.items():
                if role not in out and key in seen:
                    out[role] = b
            if len(out) == len(wanted):
                break
        return out


def register(registry) -> None:
    registry.add_check(DocumentRecognized)
    registry.add_check(TablesRecognized)
