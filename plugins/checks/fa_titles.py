"""Table titles of a 部门决算 against the template's canonical titles and the
table of contents (issue 12, family 10)."""
from __future__ import annotations

import difflib
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import compact
from budgetlint.plugins.checks.fa_common import final_accounts, table_location
from budgetlint.plugins.recognizers.final_accounts import match_title

PART_TYPES = ("部门决算",)


def _difference(printed: str, canonical: str, lang: str) -> str:
    """What the printed title lacks or adds, in a clerk's words: 缺“算”, 多“批”."""
    a, b = compact(printed), compact(canonical)
    missing, extra = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("replace", "insert"):
            missing.append(b[j1:j2])
        if op in ("replace", "delete"):
            extra.append(a[i1:i2])
    parts = []
    if missing:
        parts.append(("缺“{}”" if lang == "zh" else "missing “{}”").format("、".join(missing)))
    if extra:
        parts.append(("多“{}”" if lang == "zh" else "extra “{}”").format("、".join(extra)))
    return "，".join(parts) if lang == "zh" else ", ".join(parts)


class FaTableTitles(Check):
    """Table titles and 目录 entries that misprint the template's table name.

    What it checks
        The recognizer reads a table whose title is not exactly one of the
        known names by its nearest name (a character missing, added or
        wrong: “…支出决批复表”) and marks it ``title_misprint``; the same for
        目录 entries.  Each such title is a finding that quotes the printed
        title and the canonical one (``canonical_titles``, else the
        recognizer's role name), and says which characters differ.  Parts
        printed by the template around the name (year, unit name, 批复,
        明细) are not differences.
    Why it matters
        A misprinted table title is visible to every reader and to the
        reviewing office; a vocabulary that accepted the misprint as an alias
        would hide it for ever.
    Parameters
        canonical_titles: map from a table role to the title the pack's
            template prints (e.g. the 财决批复 names “…决算批复表”); roles not
            listed use the role name.
    Example
        Seed 002: “财政拨款“三公”经费支出决批复表” → 应为“财政拨款“三公”经费支出决算表”
        (缺“算”).
    """

    id: ClassVar[str] = "fa.table_titles"
    title: ClassVar[str] = "表名与模板不符 (table title misprints the template's name)"
    part_types: ClassVar[tuple[str, ...]] = PART_TYPES
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "canonical_titles": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        fa = final_accounts(ctx)
        if fa is None or not fa.get("tables"):
            ctx.not_evaluated("no 部门决算 tables recognized in this part")
            return
        canon = ctx.params["canonical_titles"]
        toc_by_role = {e["role"]: e for e in fa.get("toc") or []}
        for t in fa["tables"]:
            if not t.get("role") or not t.get("title"):
                continue
            if not t.get("title_misprint"):
                ctx.counted()
                continue
            canonical = canon.get(t["role"], t["role"])
            toc = toc_by_role.get(t["role"])
            where = {"where": "表题" if ctx.lang == "zh" else "table title"}
            if toc and not toc.get("misprint"):
                where["toc"] = toc["title"]
            loc = table_location(ctx, t, snippet=t["title"])
            if t.get("title_loc"):
                loc.update({k: v for k, v in t["title_loc"].items() if k in ("line", "end_line", "page")})
            ctx.report(loc, expected=canonical, actual=t["title"], title=t["title"],
                       difference=_difference(_core(t["title"], canonical), canonical, ctx.lang), **where)
        for e in fa.get("toc") or []:
            if not e.get("misprint"):
                continue
            canonical = canon.get(e["role"], e["role"])
            loc = ctx.block_location({"id": None, "type": "paragraph", "loc": e["loc"]}, snippet=e["title"])
            ctx.report(loc, expected=canonical, actual=e["title"], title=e["title"],
                       difference=_difference(_core(e["title"], canonical), canonical, ctx.lang),
                       where="目录" if ctx.lang == "zh" else "table of contents")


def _core(printed: str, canonical: str) -> str:
    """The printed title without what the template adds around the name
    (批复, 明细, a leading year or unit name): the part to compare."""
    from budgetlint.plugins.recognizers.final_accounts import _norm_title

    core = _norm_title(printed)
    want = compact(canonical)
    # drop a leading unit name / year: keep the ending about as long as the canonical title
    if len(core) > len(want) + 2:
        core = core[-(len(want) + 2):]
        m = difflib.SequenceMatcher(a=core, b=want, autojunk=False).find_longest_match(0, len(core), 0, len(want))
        if m.size and m.a > m.b:
            core = core[m.a - m.b:]
    return core


def register(registry) -> None:
    registry.add_check(FaTableTitles)


__all__ = ["FaTableTitles", "match_title"]
