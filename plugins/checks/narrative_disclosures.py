"""Check type ``narrative.required_disclosures``: a section of the
narrative states every item the pack requires (the 三公 section: 因公出国
团组 and 人次, 公务接待 批次 and 人次, vehicles bought and held)."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import iter_blocks
from budgetlint.core.values import normalize_text


class RequiredDisclosures(Check):
    """Required statements present in a section of the narrative.

    What it checks
        The section whose heading matches ``section`` (when the heading
        occurs more than once — the table of contents — the occurrence with
        the most prose under it) runs to the next heading of the same or a
        higher level.  Unless its text matches ``exempt`` (“无‘三公’经费财政拨款
        支出”), each of ``items`` must match somewhere in its prose.  A report
        without the section is not evaluated.

    Why it matters
        The 三公 disclosure is read for its counts — how many delegations went
        abroad, how many receptions, how many cars — not only for its
        amounts; a section that gives only amounts omits what the template
        requires.

    Parameters
        section: regular expression for the section heading.
        section_name: how a clerk names that section in the not-evaluated
            reason (“三公”经费支出情况说明).
        exempt: regular expression; a section that matches needs no items.
        items: list of ``{label, pattern}``; ``pattern`` matched against the
            section's prose with whitespace removed.

    Example
        “3、公务接待费支出0万元。其中：国内公务接待支出0万（含外宾接待支出0万元）。”
        and no “批次/人次” anywhere in the section → 公务接待批次 and 人次 missing.
    """

    id: ClassVar[str] = "narrative.required_disclosures"
    title: ClassVar[str] = "必须说明的事项 (required disclosures in a section)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["section", "items"],
        "properties": {
            "section": {"type": "string", "format": "regex"},
            "section_name": {"type": "string", "default": "需核对的说明部分"},
            "exempt": {"type": "string", "format": "regex", "default": ""},
            "items": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["label", "pattern"],
                "properties": {"label": {"type": "string"}, "pattern": {"type": "string", "format": "regex"}}}},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        section = re.compile(ctx.params["section"])
        blocks = list(iter_blocks(ctx.doc, ctx.part))
        best: tuple[int, dict[str, Any], list[dict[str, Any]]] | None = None
        for i, b in enumerate(blocks):
            if b["type"] != "heading" or not section.search(normalize_text(b.get("text", ""))):
                continue
            body: list[dict[str, Any]] = []
            for nb in blocks[i + 1:]:
                if nb["type"] == "heading" and nb.get("level", 1) <= b.get("level", 1):
                    break
                if nb["type"] != "table":
                    body.append(nb)
            size = sum(len(x.get("text", "")) for x in body)
            if best is None or size > best[0]:
                best = (size, b, body)
        if best is None or best[0] == 0:
            name = ctx.params["section_name"]
            ctx.not_evaluated(f"section not found: “{name}”", zh=f"未找到“{name}”")
            return
        _, heading, body = best
        text = "".join(normalize_text(x.get("text", "")) for x in [heading, *body])
        if ctx.params["exempt"] and re.search(ctx.params["exempt"], text):
            ctx.not_applicable("the section declares no such spending", zh="本部分声明无此类支出")
            return
        for item in ctx.params["items"]:
            if re.search(item["pattern"], text):
                ctx.counted()
                continue
            ctx.report(ctx.block_location(heading), expected=item["label"], actual=None, kind="missing",
                       label=item["label"], heading=normalize_text(heading.get("text", ""))[:40])


def register(registry) -> None:
    registry.add_check(RequiredDisclosures)
