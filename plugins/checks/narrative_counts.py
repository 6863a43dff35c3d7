"""Check type ``narrative.counts_agree``: a count a report states about a
named output (“编发《新兴产业动态》2期”, “印发督察通报2期”) is the same
wherever the file states it — the 自评报告 and the 自评表 it summarises."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, place
from budgetlint.core.document import iter_blocks
from budgetlint.core.values import normalize_text


class CountsAgree(Check):
    """Counts of named outputs stated in two parts of one file.

    What it checks
        Every match of the ``patterns`` (named groups ``name``, ``count`` and
        optionally ``unit``) in the paragraphs and table cells of this part
        is compared with the matches for the same name and unit in the other
        parts of the file of the same year and department (the 自评表, the 决算
        情况说明; in a bundle of several departments, only the parts of this
        one — see the parts recognizer's ``group``).
        When the other part never states a count this part states, or states
        the same one, nothing is reported.

    Why it matters
        The 自评报告 and the 自评表 are read side by side; “编发《新兴产业动态》
        2期” in one and “12期” in the other means one of them misreports the
        output the score was given for.

    Parameters
        patterns: list of ``{pattern, label}``; regular expressions applied to
            the text with whitespace removed.
        other_part_types: the part types to compare with (default: all).

    Example
        自评报告 “定期编发《新兴产业动态》2期”, 自评表 “定期编发《新兴产业动态》
        12 期” → 2 vs 12.
    """

    id: ClassVar[str] = "narrative.counts_agree"
    title: ClassVar[str] = "同一产出数量前后一致 (counts stated twice agree)"
    part_types: ClassVar[tuple[str, ...]] = ("部门整体支出绩效自评报告", "项目支出绩效自评报告")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["patterns"],
        "properties": {
            "patterns": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["pattern", "label"],
                "properties": {"pattern": {"type": "string", "format": "regex"}, "label": {"type": "string"}}}},
            "other_part_types": {"type": "array", "items": {"type": "string"}, "default": []},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        rxs = [(re.compile(p["pattern"]), p["label"]) for p in ctx.params["patterns"]]
        mine = self._part_mentions(ctx, ctx.part, rxs)
        year = ctx.part.get("year")
        # every part's mentions are gathered once per document (a file of many parts would
        # otherwise scan all of them for each part); this part's own are taken off here by
        # their counts, so a part costs its own mentions, not every part's
        group = ctx.part.get("group")
        stated = ctx.index.memo((self.id, id(ctx.rule), "stated", year, group),
                                lambda: self._stated(ctx, rxs, year, group))
        pid = ctx.part.get("id")
        others: dict[tuple[str, str], tuple[set[str], tuple[str, dict[str, Any], dict[str, Any]]]] = {}
        for key in mine:
            if key not in stated:
                continue
            entries, total, by_part = stated[key]
            theirs = total - by_part[pid] if pid in by_part else total
            if theirs:  # the counts stated elsewhere, and the first mention elsewhere in document order
                others[key] = (set(theirs), next(m for m in entries if m[2].get("id") != pid))
        if not mine:
            ctx.not_applicable("the part lists no output counts to compare", zh="本部分未列出可核对的产出数量")
            return
        if not any(key in others for key in mine):
            ctx.not_applicable("no count of this part is stated in another part",
                               zh="本部分所列产出数量在其他部分均未出现，无可核对")
            return
        for key, found in mine.items():
            if key not in others:
                continue
            theirs, first = others[key]
            for count, loc, label in found:
                if count in theirs:
                    ctx.counted()
                    continue
                other_count, other_loc, other_part = first
                ctx.report(dict(loc), expected=other_count, actual=count, kind="mismatch", label=label, name=key[0],
                           unit=key[1], count=count, other=other_count, other_part=other_part.get("type", ""),
                           other_where=place(other_loc, ctx.lang))
                break

    def _stated(self, ctx: CheckContext, rxs: list[tuple[re.Pattern[str], str]], year: Any, group: Any = None
                ) -> dict[tuple[str, str], tuple[list[tuple[str, dict[str, Any], dict[str, Any]]], Counter[str],
                                                  dict[Any, Counter[str]]]]:
        """Every mention in the parts this rule compares with (``other_part_types``, the same
        ``year``, the same department of a bundle: ``group``) by name and unit: ``(mentions in document order with their part, how often
        each count is stated, the same per part id)``."""
        others_types = ctx.params["other_part_types"]
        out: dict[tuple[str, str], tuple[list[tuple[str, dict[str, Any], dict[str, Any]]], Counter[str],
                                         dict[Any, Counter[str]]]] = {}
        for part in ctx.index.group(group):
            if others_types and part.get("type") not in others_types:
                continue
            if year and part.get("year") and part.get("year") != year:
                continue
            for key, found in self._part_mentions(ctx, part, rxs).items():
                entries, total, by_part = out.setdefault(key, ([], Counter(), {}))
                for c, loc, _ in found:
                    entries.append((c, loc, part))
                    total[c] += 1
                    by_part.setdefault(part.get("id"), Counter())[c] += 1
        return out

    def _part_mentions(self, ctx: CheckContext, part: dict[str, Any], rxs: list[tuple[re.Pattern[str], str]]
                       ) -> dict[tuple[str, str], list[tuple[str, dict[str, Any], str]]]:
        """:meth:`_mentions` of one part, once per document and rule."""
        return ctx.index.memo((self.id, id(ctx.rule), "part", id(part)), lambda: self._mentions(ctx, part, rxs))

    def _mentions(self, ctx: CheckContext, part: dict[str, Any], rxs: list[tuple[re.Pattern[str], str]]
                  ) -> dict[tuple[str, str], list[tuple[str, dict[str, Any], str]]]:
        out: dict[tuple[str, str], list[tuple[str, dict[str, Any], str]]] = {}
        for block in iter_blocks(ctx.doc, part):
            if block["type"] == "table":
                texts = [(c["text"], c) for row in block["rows"] for c in row if c.get("text")]
            else:
                texts = [(block.get("text", ""), None)]
            for text, cell in texts:
                flat = normalize_text(text)
                for rx, label in rxs:
                    for m in rx.finditer(flat):
                        name = m.group("name").strip("《》")
                        unit = m.groupdict().get("unit") or ""
                        snippet = flat[max(0, m.start() - 10): m.end() + 5]
                        loc = (ctx.cell_location(block, cell, snippet=snippet) if cell is not None
                               else ctx.block_location(block, snippet=snippet))
                        out.setdefault((name, unit), []).append((str(int(m.group("count"))), loc, label))
        return out


def register(registry) -> None:
    registry.add_check(CountsAgree)
