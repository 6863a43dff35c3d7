"""Check type ``narrative.years``: the years a report prints — in its
titles, table of contents, headings, table titles, “截至…” dates and
comparisons — agree with its fiscal year, and are well formed."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import iter_blocks
from budgetlint.core.values import normalize_text

_PLACES = {"type": "object", "additionalProperties": False, "required": ["pattern", "offsets", "label"],
           "properties": {"pattern": {"type": "string", "format": "regex"},
                          "offsets": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                          "where": {"enum": ["titles", "prose", "tables", "all"]},
                          "label": {"type": "string"}}}


def _fiscal_year(ctx: CheckContext) -> int | None:
    y = ctx.part.get("year") or ctx.doc.get("meta", {}).get("fiscal_year")
    try:
        return int(y)
    except (TypeError, ValueError):
        return None


def _is_title(block: dict[str, Any], max_len: int) -> bool:
    """A heading, a TOC entry or a title line: no sentence punctuation."""
    if block["type"] == "heading":
        return True
    text = normalize_text(block.get("text", ""))
    return 0 < len(text) <= max_len and not re.search(r"[。,;]", text)


class Years(Check):
    """Years printed in the report against its fiscal year.

    What it checks
        ``malformed``: text that looks like a year but is not one (“202 年度”,
        “20 年度”: a digit lost in the template) anywhere in titles and prose.
        ``places``: for each ``{pattern, offsets, where, label}``, every match
        of ``pattern`` (its group ``year``) in the blocks of ``where``
        (``titles`` — headings, TOC entries and title lines; ``prose``;
        ``tables`` — table titles; ``all``) must be the fiscal year plus one
        of ``offsets`` (0: this year, -1: last year).  The fiscal year is the
        part's (from its title), else the document's.

    Why it matters
        A 2024 report whose heading reads “2023年度…情况说明”, or whose
        vehicles are counted “截至2023年12月31日”, was copied from last year's
        and not updated — the reader cannot tell which year the figures are.

    Parameters
        malformed: regular expression of malformed years (empty: off).
        places: list of ``{pattern, offsets, where, label}`` (see above).
        title_max_len: longest line without sentence punctuation taken as a
            title or TOC entry (default 60).
        max_findings: stop after this many findings per part (default 20).

    Example
        fiscal year 2024, heading “第三部分 2023年度部门决算情况说明” →
        “2023年度” should be 2024.
    """

    id: ClassVar[str] = "narrative.years"
    title: ClassVar[str] = "年份与报告年度一致 (years consistent with the fiscal year)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算", "部门预算", "部门整体支出绩效自评报告", "项目支出绩效自评报告")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "malformed": {"type": "string", "format": "regex", "default": ""},
            "places": {"type": "array", "items": _PLACES, "default": []},
            "title_max_len": {"type": "integer", "minimum": 10, "default": 60},
            "max_findings": {"type": "integer", "minimum": 1, "default": 20},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        fy = _fiscal_year(ctx)
        malformed = re.compile(ctx.params["malformed"]) if ctx.params["malformed"] else None
        places = [(re.compile(p["pattern"]), p) for p in ctx.params["places"]]
        if fy is None and places and malformed is None:
            ctx.not_evaluated("the report's fiscal year is unknown: years cannot be checked", zh="报告年度未识别，无法核对年份")
            return
        n = 0
        for block in iter_blocks(ctx.doc, ctx.part):
            texts = self._texts(block)
            title = _is_title(block, ctx.params["title_max_len"]) if block["type"] != "table" else False
            for text in texts:
                flat = normalize_text(text)
                if malformed is not None and block["type"] != "table":
                    for m in malformed.finditer(flat):
                        ctx.report(ctx.block_location(block, snippet=flat[max(0, m.start() - 15): m.end() + 15]),
                                   actual=m.group(0), kind="malformed", label="年份残缺", match=m.group(0), fiscal_year=fy,
                                   expected=str(fy) if fy else None,
                                   excerpt=flat[max(0, m.start() - 15): m.end() + 15])
                        n += 1
                if fy is None:
                    continue
                for rx, place in places:
                    where = place.get("where", "all")
                    if not (where == "all" or (where == "titles" and title) or (where == "tables" and block["type"] == "table")
                            or (where == "prose" and block["type"] != "table" and not title)):
                        continue
                    for m in rx.finditer(flat):
                        year = int(m.group("year"))
                        allowed = [fy + o for o in place["offsets"]]
                        if year in allowed:
                            ctx.counted()
                            continue
                        ctx.report(ctx.block_location(block, snippet=flat[max(0, m.start() - 15): m.end() + 15]),
                                   expected=" / ".join(str(a) for a in allowed), actual=str(year), kind="year",
                                   label=place["label"], match=m.group(0), fiscal_year=fy,
                                   excerpt=flat[max(0, m.start() - 15): m.end() + 15])
                        n += 1
                if n >= ctx.params["max_findings"]:
                    return
        if n == 0 and fy is not None:
            ctx.counted()

    @staticmethod
    def _texts(block: dict[str, Any]) -> list[str]:
        if block["type"] == "table":
            return [block["title"]] if block.get("title") else []
        return [block.get("text", "")]


def register(registry) -> None:
    registry.add_check(Years)
