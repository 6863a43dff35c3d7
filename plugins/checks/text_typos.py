"""Proofreading check types for published prose: a phrase written twice in a
row, words from a misprint or outdated-name list, and variants of the
department's own name."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext
from budgetlint.core.document import iter_blocks

_WS = re.compile(r"\s+")
_PARTS = ("部门决算", "部门整体支出绩效自评报告", "项目支出绩效自评报告", "部门预算", "unknown")


def _prose(ctx: CheckContext, include_tables: bool = False):
    """(text, location-maker) for each paragraph/heading (and table cell)."""
    for block in iter_blocks(ctx.doc, ctx.part):
        if block["type"] == "table":
            if not include_tables:
                continue
            for row in block["rows"]:
                for cell in row:
                    if cell.get("text"):
                        yield cell["text"], (lambda s, e, t, b=block, c=cell: ctx.cell_location(b, c))
            continue
        text = block.get("text") or ""
        if text:
            yield text, (lambda s, e, t, b=block: ctx.block_location(b, snippet=t[max(0, s - 10): e + 10]))


def _fiscal_year(ctx: CheckContext) -> int | None:
    for y in (ctx.part.get("year"), (ctx.doc.get("meta") or {}).get("fiscal_year")):
        try:
            if y:
                return int(str(y)[:4])
        except ValueError:
            continue
    return None


class DoubledPhrase(Check):
    """A phrase written twice in a row in prose (“筹备工作工作”).

    What it checks
        Every paragraph and heading of the part (never tables) is searched
        for a run of ``min_length``–``max_length`` Chinese characters
        immediately followed by the same run (“资金主要用于资金主要用于”).
        Whitespace (line wraps) is ignored.  Digits, letters and punctuation
        break a run, so numbers and list items never match.  Legitimate
        reduplications (“研究研究”, “一步一步”) are listed in ``allow`` or
        matched by ``allow_patterns``.

    Why it matters
        A doubled phrase is the trace of a careless edit or paste; it shows a
        published report was not proofread.

    Parameters
        min_length: shortest repeated phrase (characters, default 2).
        max_length: longest repeated phrase (default 12).
        allow: repeated phrases that are legitimate reduplications.
        allow_patterns: regexes; a repeated phrase fully matching one is allowed.
        max_findings: stop after this many findings per part.

    Example
        “做好会议筹备工作工作” → one finding quoting “工作工作”.
    """

    id: ClassVar[str] = "text.doubled_phrase"
    title: ClassVar[str] = "正文词语重复 (phrase written twice in a row)"
    part_types: ClassVar[tuple[str, ...]] = _PARTS
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "min_length": {"type": "integer", "minimum": 1, "default": 2},
            "max_length": {"type": "integer", "minimum": 1, "default": 12},
            "allow": {"type": "array", "items": {"type": "string"}, "default": []},
            "allow_patterns": {"type": "array", "items": {"type": "string", "format": "regex"}, "default": []},
            "max_findings": {"type": "integer", "minimum": 1, "default": 10},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        p = ctx.params
        rx = re.compile(r"([\u4e00-\u9fff]{%d,%d}?)\1" % (p["min_length"], p["max_length"]))
        allow = set(p["allow"])
        allow_rx = [re.compile(a) for a in p["allow_patterns"]]
        n = 0
        for raw, where in _prose(ctx):
            text = _WS.sub("", raw)
            ctx.counted()
            pos = 0
            while True:
                m = rx.search(text, pos)
                if not m:
                    break
                unit = m.group(1)
                pos = m.start() + 1
                if unit in allow or any(a.fullmatch(unit) for a in allow_rx):
                    continue
                ctx.report(where(m.start(), m.end(), text), actual=m.group(0), match=m.group(0), phrase=unit,
                           excerpt=text[max(0, m.start() - 12): m.end() + 12])
                n += 1
                pos = m.end()
                if n >= p["max_findings"]:
                    return


class WrongTerms(Check):
    """Words from a list that should not appear (misprints, outdated names).

    What it checks
        Every paragraph and heading of the part (and table cells if
        ``include_tables``) is searched for each ``wrong`` word of ``terms``;
        a match is one finding naming the ``right`` word, unless the text
        around it is one of the entry's ``except`` words (a longer, correct
        word containing it).  An entry with ``since`` applies only to reports
        of that fiscal year or later (a 科目 renamed from that year).

    Why it matters
        Misprints (“社会各届”, “士地”) and names a classification no longer
        uses (“医疗卫生与计划生育支出” after 2019) are what a proofreader or a
        finance reviewer marks first.

    Parameters
        terms: list of ``{wrong, right, since?, except?}``; ``wrong``/``right``
            literal words, ``since`` first fiscal year the entry applies to,
            ``except`` correct words containing ``wrong``.
        include_tables: also search table cells (default false).
        table_part_types: part types whose table cells are searched anyway
            (self-evaluation forms, whose cells are written sentences).
        max_findings: stop after this many findings per part.

    Example
        ``terms: [{wrong: 社会各届, right: 社会各界}]`` fires on “社会各届人士”.
    """

    id: ClassVar[str] = "text.wrong_terms"
    title: ClassVar[str] = "错别字与已停用名称 (misprints and outdated names)"
    part_types: ClassVar[tuple[str, ...]] = _PARTS
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["terms"],
        "properties": {
            "terms": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["wrong", "right"],
                "properties": {"wrong": {"type": "string", "minLength": 1}, "right": {"type": "string"},
                               "since": {"type": "integer"},
                               "except": {"type": "array", "items": {"type": "string"}}}}},
            "include_tables": {"type": "boolean", "default": False},
            "table_part_types": {"type": "array", "items": {"type": "string"}, "default": []},
            "max_findings": {"type": "integer", "minimum": 1, "default": 20},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        year = _fiscal_year(ctx)
        terms = [t for t in ctx.params["terms"] if "since" not in t or (year is not None and year >= t["since"])]
        if not terms:
            if year is None:
                ctx.not_evaluated("fiscal year unknown: the listed names apply from a given year",
                                  zh="未能确定报告年度，所列名称按年度适用")
            else:
                ctx.not_applicable(f"the listed names apply only from a later fiscal year than {year}",
                                   zh=f"所列名称仅适用于{year}年度以后的报告")
            return
        n = 0
        tables = ctx.params["include_tables"] or ctx.part.get("type") in ctx.params["table_part_types"]
        # the part's texts without whitespace, and all of them joined, shared by
        # every rule of this check type on the part (the document's index)
        prose, everything = ctx.index.memo(("text.wrong_terms", ctx.part.get("id"), bool(tables)),
                                           lambda: _compact_prose(ctx, tables))
        # the words printed anywhere in the part, found in one pass over all of
        # it: each text is then searched only for those (most lists match none)
        terms = [t for t in terms if t["wrong"] in everything]
        if not terms:
            ctx.counted(len(prose))
            return
        for text, block, cell in prose:
            ctx.counted()
            for t in terms:
                start = 0
                while (i := text.find(t["wrong"], start)) >= 0:
                    start = i + 1
                    if any(_covers(text, i, len(t["wrong"]), e) for e in t.get("except", [])):
                        continue
                    e = i + len(t["wrong"])
                    where = ctx.cell_location(block, cell) if cell is not None else \
                        ctx.block_location(block, snippet=text[max(0, i - 10): e + 10])
                    ctx.report(where, actual=t["wrong"], expected=t["right"], wrong=t["wrong"],
                               right=t["right"], excerpt=text[max(0, i - 12): e + 12])
                    n += 1
                    if n >= ctx.params["max_findings"]:
                        return


def _compact_prose(ctx: CheckContext, include_tables: bool) -> tuple[list[tuple[str, Any, Any]], str]:
    """(text without whitespace, block, cell or None) of each paragraph/heading
    (and table cell) of the part — what :func:`_prose` yields — and all the
    texts joined by NUL."""
    out = []
    for block in iter_blocks(ctx.doc, ctx.part):
        if block["type"] == "table":
            if include_tables:
                out.extend((_WS.sub("", cell["text"]), block, cell) for row in block["rows"] for cell in row
                           if cell.get("text"))
            continue
        text = block.get("text") or ""
        if text:
            out.append((_WS.sub("", text), block, None))
    return out, "\0".join(text for text, _, _ in out)


def _covers(text: str, i: int, n: int, word: str) -> bool:
    """Does an occurrence of ``word`` in ``text`` cover text[i:i+n]?"""
    lo = max(0, i - len(word))
    j = text.find(word, lo)
    while 0 <= j <= i:
        if j + len(word) >= i + n:
            return True
        j = text.find(word, j + 1)
    return False


class NameVariants(Check):
    """The department's name written differently inside one document.

    What it checks
        The department named by the report (its cover/title, ``meta.department``)
        is looked for in every paragraph, heading (and table cell if
        ``include_tables``): a string of the same length that differs from it
        only by one of the ``swaps`` pairs (与/和, 及/和 …) or, when the name
        has at least ``min_length`` characters, by one character after its
        first ``keep_prefix`` characters followed by at least ``min_tail``
        characters of the name none of which is a ``place_chars`` character
        (so 教育局/体育局 or 石泉路/甘泉路街道, other bodies, never match), is
        reported as a variant.

    Why it matters
        A document must name its department consistently; “规划与自然资源局”
        for “规划和自然资源局” is a misprint of the department's legal name.

    Parameters
        swaps: pairs of interchangeable characters that make a variant.
        one_char: also report a one-character difference (default true).
        min_length: shortest name for the one-character comparison.
        keep_prefix: leading characters (the region) never compared for one_char.
        min_tail: characters of the name that must follow a one-character difference.
        place_chars: characters of place names (路, 街, 区 …); a one-character
            difference before one of them is a different place, not a variant.
        include_tables: also search table cells (default false).
        max_findings: stop after this many findings per part.

    Example
        Cover “上海市普陀区规划和自然资源局”, page 26 “规划与自然资源局” → one warning.
    """

    id: ClassVar[str] = "text.name_variants"
    title: ClassVar[str] = "部门名称前后不一致 (department name variants)"
    part_types: ClassVar[tuple[str, ...]] = _PARTS
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "swaps": {"type": "array", "items": {"type": "array", "items": {"type": "string"},
                                                   "minItems": 2, "maxItems": 2},
                      "default": [["与", "和"], ["及", "和"], ["与", "及"]]},
            "one_char": {"type": "boolean", "default": True},
            "min_length": {"type": "integer", "minimum": 2, "default": 8},
            "keep_prefix": {"type": "integer", "minimum": 0, "default": 3},
            "min_tail": {"type": "integer", "minimum": 1, "default": 4},
            "place_chars": {"type": "string", "default": "省市区县镇乡街路村"},
            "include_tables": {"type": "boolean", "default": False},
            "max_findings": {"type": "integer", "minimum": 1, "default": 5},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        p = ctx.params
        name = _WS.sub("", str((ctx.doc.get("meta") or {}).get("department") or ""))
        if len(name) < 3:
            ctx.not_evaluated("department name not found on the cover or title", zh="未能从封面或标题识别部门名称")
            return
        swaps = {frozenset(s) for s in p["swaps"]}
        names = {name}
        # the name without its region prefix is how the text usually writes it
        for suffix_start in range(1, len(name) - 3):
            if name[suffix_start - 1] in "省市区县镇乡":
                names.add(name[suffix_start:])
        n = 0
        seen: set[str] = set()
        for raw, where in _prose(ctx, p["include_tables"]):
            text = _WS.sub("", raw)
            ctx.counted()
            covered: list[tuple[int, int]] = []  # a longer form already reported covers its shorter forms
            for nm in sorted(names, key=len, reverse=True):
                L = len(nm)
                for i in _near_starts(text, nm):
                    w = text[i:i + L]
                    if w == nm or any(a < i + L and i < b for a, b in covered):
                        continue
                    if w in seen:
                        covered.append((i, i + L))
                        continue
                    diff = [k for k in range(L) if w[k] != nm[k]]
                    if len(diff) != 1:
                        continue
                    k = diff[0]
                    a, b = nm[k], w[k]
                    if not ("\u4e00" <= b <= "\u9fff"):
                        continue
                    ok = frozenset((a, b)) in swaps or (
                        p["one_char"] and L >= p["min_length"] and p["keep_prefix"] <= k
                        and L - k - 1 >= p["min_tail"] and not any(c in p["place_chars"] for c in nm[k + 1:]))
                    if not ok:
                        continue
                    seen.add(w)
                    covered.append((i, i + L))
                    ctx.report(where(i, i + L, text), actual=w, expected=nm, variant=w, name=nm,
                               excerpt=text[max(0, i - 10): i + L + 10])
                    n += 1
                    if n >= p["max_findings"]:
                        return


def _near_starts(text: str, name: str) -> list[int]:
    """Starts, in order, of the windows of ``text`` that may differ from
    ``name`` in at most one character: such a window prints either the first
    or the second half of the name exactly, so two ``str.find`` scans replace
    a comparison of every window (the check read every paragraph of a report
    window by window)."""
    n, h = len(name), len(name) // 2
    if n < 2 or len(text) < n:
        return [i for i in range(len(text) - n + 1)]
    starts: set[int] = set()
    head, tail = name[:h], name[h:]
    last = len(text) - n
    i = text.find(head)
    while 0 <= i <= last:
        starts.add(i)
        i = text.find(head, i + 1)
    j = text.find(tail, h)
    while 0 <= j - h <= last:
        starts.add(j - h)
        j = text.find(tail, j + 1)
    return sorted(starts)


def register(registry) -> None:
    registry.add_check(DoubledPhrase)
    registry.add_check(WrongTerms)
    registry.add_check(NameVariants)
