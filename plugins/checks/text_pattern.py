"""Check type ``text.forbidden_pattern``: template wording and placeholders
left in published prose."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import iter_blocks


class ForbiddenPattern(Check):
    """Flag text that must not appear in a published document.

    What it checks
        Every paragraph and heading of the part (and, if ``include_tables`` is
        true, every table cell) is searched for each regular expression in
        ``patterns``; each match is one finding at its line, quoting the
        matched text.

    Why it matters
        Disclosures are written from templates.  Wording such as ``例：``,
        ``XX``/``××`` placeholders or instructions like “（如持平作持平表述）”
        left in a published report shows it was never finished and misleads
        readers.

    Parameters
        patterns: list of ``{pattern, label}``; ``pattern`` is a Python regular
            expression, ``label`` names the problem in the message.
        include_tables: also search table cells (default false).
        max_findings: at most this many findings per part (default 20); when
            there are more matches, the first match of every page is kept
            before the others, so a long template's last pages are reported.
        when_title: a regular expression the document's title must match for
            the rule to apply (e.g. ``区级部门(预算|决算)``: wording that is wrong
            only at one level of government); otherwise not applicable.

    Example
        ``patterns: [{pattern: "^例[:：]", label: 模板示例文字}]`` fires on the
        line “例：渌口区委办公室是正科级行政机关…”.
    """

    id: ClassVar[str] = "text.forbidden_pattern"
    title: ClassVar[str] = "模板残留与占位符 (template leftovers and placeholders)"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["patterns"],
        "properties": {
            "patterns": {
                "type": "array", "minItems": 1,
                "items": {"type": "object", "required": ["pattern", "label"], "additionalProperties": False,
                          "properties": {"pattern": {"type": "string", "format": "regex"},
                                         "label": {"type": "string"}}},
            },
            "include_tables": {"type": "boolean", "default": False},
            "max_findings": {"type": "integer", "minimum": 1, "default": 20},
            "when_title": {"type": "string", "format": "regex"},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        when = ctx.params.get("when_title")
        if when:
            title = str((ctx.doc.get("meta") or {}).get("title") or "") + str(ctx.part.get("title") or "")
            if not re.search(when, title):
                ctx.not_applicable(f"the title does not match {when!r}", zh=f"标题不符合“{when}”，本规则不适用")
                return
        compiled = []
        for p in ctx.params["patterns"]:
            try:
                compiled.append((re.compile(p["pattern"]), p["label"]))
            except re.error as exc:
                ctx.not_evaluated(f"invalid pattern {p['pattern']!r}: {exc}")
                return
        # Collect every match first: a long template has placeholders on every
        # page, and stopping at the cap would leave its last pages unreported.
        # The first match of each page is always kept (a clerk needs every page
        # to fix); the cap is then filled with the rest in document order.
        matches: list[tuple[Any, dict[str, Any], dict | None, str, Any, str]] = []
        for block in iter_blocks(ctx.doc, ctx.part):
            if block["type"] == "table":
                if not ctx.params.get("include_tables"):
                    continue
                texts = [(c["text"], c) for row in block["rows"] for c in row if c.get("text")]
            else:
                texts = [(block["text"], None)]
            for text, cell in texts:
                ctx.counted()
                for rx, label in compiled:
                    m = rx.search(text)
                    if m:
                        page = ((cell or {}).get("loc") or {}).get("page") or (block.get("loc") or {}).get("page")
                        matches.append((page, block, cell, text, m, label))
        cap = ctx.params["max_findings"]
        keep: set[int] = set()
        seen_pages: set[Any] = set()
        for i, (page, *_rest) in enumerate(matches):
            if page is not None and page not in seen_pages and len(keep) < cap:
                seen_pages.add(page)
                keep.add(i)
        for i in range(len(matches)):
            if len(keep) >= cap:
                break
            keep.add(i)
        for i in sorted(keep):
            _page, block, cell, text, m, label = matches[i]
            if cell is not None:
                loc = ctx.cell_location(block, cell)
            else:
                loc = ctx.block_location(block, snippet=text[max(0, m.start() - 10): m.end() + 10])
            ctx.report(loc, actual=m.group(0), label=label, match=m.group(0),
                       excerpt=text[max(0, m.start() - 15): m.end() + 15])

def register(registry) -> None:
    registry.add_check(ForbiddenPattern)
