"""Check type ``text.comparison_year``: “比2026年预算增加…” in a 2026 budget
compares the year with itself — the base year of a comparison must be the
one the template names (last year)."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import iter_blocks


class ComparisonYear(Check):
    """The year a sentence compares against is the part's year plus ``offset``.

    What it checks
        Every paragraph of the part is searched with ``pattern`` (a regular
        expression with a named group ``year``); each match whose year is not
        the part's fiscal year + ``offset`` is one finding, quoting the match.
    Why it matters
        A budget explains its changes against last year's budget; “比2026年预算
        增加793.14万元” in the 2026 budget compares the year with itself: the
        sentence was carried over from a template or an earlier draft and the
        reader cannot tell what the change is measured against.
    Parameters
        pattern: regular expression with a named group ``year`` (four digits).
        offset: expected year minus the part's year (``-1``: last year).
        max_findings: stop after this many findings per part (default 10).
    Example
        2026 budget, “比2026年预算增加793.14万元” → fires (expected 2025).
    """

    id: ClassVar[str] = "text.comparison_year"
    title: ClassVar[str] = "比较基期年份 (the year a change is measured against)"
    part_types: ClassVar[tuple[str, ...]] = ("部门预算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["pattern"],
        "properties": {
            "pattern": {"type": "string", "format": "regex"},
            "offset": {"type": "integer", "default": -1},
            "max_findings": {"type": "integer", "minimum": 1, "default": 10},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        year = ctx.part.get("year") or ctx.doc.get("meta", {}).get("fiscal_year")
        if not year:
            ctx.not_evaluated("the part's fiscal year is unknown")
            return
        want = int(year) + ctx.params["offset"]
        rx = re.compile(ctx.params["pattern"])
        found = 0
        for block in iter_blocks(ctx.doc, ctx.part):
            if block["type"] not in ("paragraph", "heading"):
                continue
            for m in rx.finditer(block.get("text", "")):
                if int(m.group("year")) == want:
                    ctx.counted()
                    continue
                found += 1
                ctx.report(ctx.block_location(block, snippet=block["text"][max(0, m.start() - 30): m.end() + 20]),
                           expected=str(want), actual=m.group("year"), match=m.group(0), kind="mismatch")
                if found >= ctx.params["max_findings"]:
                    return


def register(registry) -> None:
    registry.add_check(ComparisonYear)
