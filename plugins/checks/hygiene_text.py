"""Hygiene check types for published prose: section numbering, paragraphs
pasted twice, glossary terms that no longer name a table row."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, place
from budgetlint.core.document import compact, iter_blocks

_CN = "零一二三四五六七八九十"


def cn_token(n: int) -> str:
    """3 → 三, 12 → 十二 (for the expected numbering in messages)."""
    if n <= 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")


class Numbering(Check):
    """Section numbering that skips a number or starts again.

    What it checks
        The numbered headings and paragraphs of a part (``一、`` ``（一）`` …,
        styles chosen by ``styles``) are read in order as a tree: an item of
        a higher level (or a heading with a lower ``level``, or a block whose
        text matches ``reset_pattern`` such as “第三部分”) opens a new list
        below it.  Within one list each number must be the previous plus one;
        a jump (六 → 九) is a skip, a smaller or equal number (六 → 一) is a
        restart.  A missing item printed inline after the previous one’s full
        stop (“…规则。（八）负责…”) is not a skip.  The 目录 (from its
        “目录” line to the first prose after it) is not a list: its entries
        run through several parts.

    Why it matters
        Broken numbering is the visible trace of sections deleted, pasted from
        another report or pasted twice; readers cannot cite “第八部分”.

    Parameters
        styles: numbering styles to follow (``cn`` 一、, ``cn_paren`` （一）,
            ``arabic`` 1.、, ``arabic_paren`` (1)).
        peer_styles: pairs ``[higher, lower]`` of styles that must not stand
            in for each other at one level (``[cn, arabic]``: “1、” then
            “二、”; ``[cn_paren, arabic_paren]``: “（一）” then “（2）”).  An
            item that continues the count of the other style of its pair is
            reported (kind ``mixed``) at the item in the lower style, the one
            to renumber.  A lower-style list under a higher item (“一、 1、 2、
            二、”) is nesting, not mixing.
        reset_pattern: regex; a block matching it starts all lists afresh
            (part titles, 第X部分, 附件).
        max_findings: stop after this many findings per part.

    Example
        “六、部门整体支出绩效情况” followed by “一、工作成效” and later
        “九、存在的问题” → one restart and one skip.
    """

    id: ClassVar[str] = "hygiene.numbering"
    title: ClassVar[str] = "章节序号跳号或重复 (section numbering skips or restarts)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算", "部门整体支出绩效自评报告", "项目支出绩效自评报告")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "styles": {"type": "array", "items": {"enum": ["cn", "cn_paren", "arabic", "arabic_paren"]},
                       "default": ["cn", "cn_paren"]},
            "reset_pattern": {"type": "string", "format": "regex", "default": "^第.{1,3}部分|^附件|^附表"},
            "max_findings": {"type": "integer", "minimum": 1, "default": 10},
            "peer_styles": {"type": "array", "default": [],
                            "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                      "items": {"enum": ["cn", "cn_paren", "arabic", "arabic_paren"]}}},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        styles = ctx.params["styles"]
        levels = {"cn": 2, "cn_paren": 3, "arabic": 4, "arabic_paren": 5}
        reset = re.compile(ctx.params["reset_pattern"])
        last: dict[int, tuple[int, dict[str, Any]]] = {}
        peers = [tuple(p) for p in ctx.params.get("peer_styles") or []]
        seen: dict[str, tuple[int, dict[str, Any], int]] = {}  # latest item of each style: value, block, order
        n = 0
        in_toc = False
        for seq, block in enumerate(iter_blocks(ctx.doc, ctx.part)):
            if block["type"] == "table":
                continue
            text = compact(block.get("text", ""))
            if _is_toc(text):
                in_toc = True  # a 目录 lists headings of several parts: not a numbered list
            elif in_toc and (len(text) > 40 or text.endswith(("。", "：", ":"))):
                in_toc = False  # the first prose after the 目录 ends it
            if in_toc or reset.search(text):
                last.clear()
                seen.clear()
                continue
            num = block.get("numbering")
            if not num:
                continue
            mixed = self._mixed(num, block, seq, seen, peers)
            seen[num["style"]] = (num["value"], block, seq)
            if mixed is not None:
                odd_block, odd_token, expected, other = mixed
                ctx.report(ctx.block_location(odd_block, snippet=odd_block["text"][:40]), expected=expected,
                           actual=odd_token, kind="mixed", previous=other["text"][:30],
                           previous_line=other.get("loc", {}).get("line"),
                           previous_where=place(other.get("loc"), ctx.lang),
                           problem="体例不一" if ctx.lang == "zh" else "mixed styles")
                n += 1
                if n >= ctx.params["max_findings"]:
                    return
                if num["style"] not in styles:
                    # “（2）” stands for “（二）”: the higher style's list goes on from it
                    higher = next(h for h, lo in peers if lo == num["style"])
                    if higher in styles:
                        last[levels[higher]] = (num["value"], block)
                    continue
            if num["style"] not in styles:
                continue
            level = levels[num["style"]]
            for deeper in [k for k in last if k > level]:
                del last[deeper]
            prev = last.get(level)
            value = num["value"]
            last[level] = (value, block)
            if prev is None:
                ctx.counted()
                continue
            pv, pblock = prev
            if value == pv + 1:
                ctx.counted()
                continue
            kind = "skip" if value > pv + 1 else "restart"
            expected = num["token"].replace(str(value), str(pv + 1)) if num["style"].startswith("arabic") \
                else re.sub(f"[{_CN}]+", cn_token(pv + 1), num["token"], count=1)
            if kind == "skip" and value == pv + 2 and _inline_item(pblock.get("text", ""), expected):
                # the missing item is there, run on after a full stop of the
                # previous one (“…财务规则。（八）负责…”): a layout slip, not a gap
                ctx.counted()
                continue
            ctx.report(ctx.block_location(block, snippet=block["text"][:40]), expected=expected, actual=num["token"],
                       kind=kind, previous=pblock["text"][:30], previous_line=pblock.get("loc", {}).get("line"),
                       previous_where=place(pblock.get("loc"), ctx.lang),
                       problem={"skip": "跳号", "restart": "重新编号"}[kind] if ctx.lang == "zh" else kind)
            n += 1
            if n >= ctx.params["max_findings"]:
                return


    @staticmethod
    def _mixed(num: dict[str, Any], block: dict[str, Any], seq: int,
               seen: dict[str, tuple[int, dict[str, Any], int]],
               peers: list[tuple[str, ...]]) -> tuple[dict[str, Any], str, str, dict[str, Any]] | None:
        """(odd block, its token, the token it should have, the other item) when
        ``num`` continues the count of its peer style, else None."""
        value, style = num["value"], num["style"]
        if value < 2:
            return None
        for higher, lower in peers:
            if style == higher and lower in seen and higher not in seen:
                # “1、…（一）（二）…二、”: the first item was numbered in the lower style
                pv, pblock, _ = seen[lower]
                if pv == value - 1:
                    token = (pblock.get("numbering") or {}).get("token", "")
                    return pblock, token, re.sub(r"\d{1,2}", cn_token(pv), token, count=1), block
            elif style == lower and higher in seen:
                # “（一）…（2）”: a sibling numbered in the lower style
                hv, hblock, hseq = seen[higher]
                if hv == value - 1 and (lower not in seen or seen[lower][2] < hseq):
                    return block, num["token"], re.sub(r"\d{1,2}", cn_token(value), num["token"], count=1), hblock
        return None


# a sentence that opens with a unit's name (possibly spelt differently from
# meta.department): “说明：上海市…局本年度没有…”
_UNIT_LEAD = re.compile(r"^(?:(?:注|说明)[:：])?.{2,30}?(?:委员会|办公室|研究室|政府|局|委|中心|院|厅|所|站|馆|队)"
                        r"(?:20\d{2}年度?|本年度)?")


def _inline_item(text: str, token: str) -> bool:
    """Does ``token`` (（八）/ 八、/ 8.) start a new item inside ``text``,
    right after the end of a sentence?"""
    return bool(re.search(r"[。；;！？!?]\s*" + re.escape(token), text))


def _is_toc(text: str) -> bool:
    return text in ("目录", "目 录")


class RepeatedParagraph(Check):
    """Paragraphs pasted twice, or pasted fragments that break off mid-word.

    What it checks
        Within a part: a paragraph of at least ``min_chars`` characters whose
        text (ignoring spaces) appears again later is a duplicate; two
        paragraphs that share an opening of at least ``min_prefix``
        characters and then diverge in the middle of a clause (no
        punctuation at the point where they part) are a garbled paste.  The
        unit's own name (``meta.department``, or any unit name opening the
        sentence, with its year) does not count towards the shared opening:
        template sentences all start with it.

    Why it matters
        Copy-paste accidents leave the same point twice or a sentence cut off
        and continued with text from elsewhere; the report reads as unedited.

    Parameters
        min_chars: shortest paragraph considered for duplication.
        min_prefix: shortest shared opening for a garbled paste.
        ignore_pattern: regex; paragraphs it matches are boilerplate that
            legitimately repeats (table notes “注：本表…”, “主要原因是…”).
        template_openings: regex; a shared opening it matches is the
            template's own item opening (“…支出（类）…（款）” followed by
            each item's name), not a garbled paste.
        max_findings: stop after this many findings per part.

    Example
        “二是全面绩效责任约束作用不强……需进一步强化；” printed twice in one
        自评报告 → a duplicate.
    """

    id: ClassVar[str] = "hygiene.repeated_paragraph"
    title: ClassVar[str] = "段落重复或拼接错乱 (paragraphs pasted twice or garbled)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算", "部门整体支出绩效自评报告", "项目支出绩效自评报告")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "min_chars": {"type": "integer", "minimum": 5, "default": 20},
            "min_prefix": {"type": "integer", "minimum": 5, "default": 20},
            "ignore_pattern": {"type": "string", "format": "regex", "default": ""},
            "template_openings": {"type": "string", "format": "regex", "default": ""},
            "max_findings": {"type": "integer", "minimum": 1, "default": 10},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        ignore = re.compile(ctx.params["ignore_pattern"]) if ctx.params["ignore_pattern"] else None
        openings = re.compile(ctx.params["template_openings"]) if ctx.params["template_openings"] else None
        dept = compact(ctx.doc.get("meta", {}).get("department") or "")
        paras: list[tuple[str, dict[str, Any]]] = []
        for block in iter_blocks(ctx.doc, ctx.part):
            if block["type"] != "paragraph":
                continue
            text = compact(block["text"])
            if len(text) < min(ctx.params["min_chars"], ctx.params["min_prefix"]) or (ignore and ignore.search(text)):
                continue
            ctx.counted()
            paras.append((text, block))
        # copies of one paragraph, and paragraphs spliced with another (joined: one paste, several pieces)
        first_of: dict[str, int] = {}
        copies: dict[int, list[int]] = {}
        spliced: dict[int, int] = {}  # paragraph -> the earlier paragraph it parts from mid-clause
        min_prefix = ctx.params["min_prefix"]
        # only paragraphs opening with the same min_prefix characters can share
        # that long an opening: earlier paragraphs by their opening, in order
        by_opening: dict[str, list[int]] = {}
        for i, (text, _) in enumerate(paras):
            earlier = by_opening.setdefault(text[:min_prefix], []) if len(text) >= min_prefix else None
            j = first_of.get(text)
            if j is not None and len(text) >= ctx.params["min_chars"]:
                copies[j].append(i)
                if earlier is not None:
                    earlier.append(i)
                continue
            first_of.setdefault(text, i)
            copies.setdefault(i, [i])
            if earlier is not None:
                for j in earlier:
                    if self._parts_mid_clause(text, paras[j][0], dept, openings, min_prefix):
                        spliced[i] = j
                        break
                earlier.append(i)
        original = self._originals(paras, copies, spliced)
        n = 0
        for i, (text, block) in enumerate(paras):
            root = original.get(i, i)
            if root == i:
                continue
            other_text, other = paras[root]
            where = {"first_line": other.get("loc", {}).get("line") or "—",
                     "first_where": place(other.get("loc"), ctx.lang)}
            if text == other_text:
                ctx.report(ctx.block_location(block, snippet=block["text"][:40]), kind="duplicate",
                           actual=block["text"][:40], excerpt=block["text"][:30],
                           problem="重复粘贴" if ctx.lang == "zh" else "pasted twice", **where)
            else:
                k = _common_prefix(text, other_text)
                if k < 2:  # spliced with a piece the original does not share: name its own partner
                    k = _common_prefix(text, paras[spliced[i]][0])
                ctx.report(ctx.block_location(block, snippet=block["text"][:40]), kind="garbled",
                           actual=text[max(0, k - 8): k + 8], excerpt=text[max(0, k - 12): k] + "|" + text[k: k + 8],
                           problem="拼接错乱" if ctx.lang == "zh" else "garbled paste", **where)
            n += 1
            if n >= ctx.params["max_findings"]:
                return

    @staticmethod
    def _parts_mid_clause(text: str, other: str, dept: str, openings: re.Pattern[str] | None, min_prefix: int) -> bool:
        """Do two paragraphs share an opening and then part in the middle of a
        clause (a paste cut into other text)?"""
        k = _common_prefix(text, other)
        if k < min_prefix or k in (len(text), len(other)):
            return False
        # the unit's own name opens many sentences of a template
        # (“上海市…局2024年度收入支出总计…”): it is not shared content
        lead = _UNIT_LEAD.match(text[:k])
        own = max(text[:k].count(dept) * len(dept) if dept else 0, lead.end() if lead else 0)
        if k - own < min_prefix or (openings and openings.search(text[:k])):
            return False
        return not (re.match(r"[,。;:!?、)）”]", text[k - 1]) or re.match(r"[,。;:!?、)）”]", other[k - 1]))

    @staticmethod
    def _originals(paras: list[tuple[str, dict[str, Any]]], copies: dict[int, list[int]],
                   spliced: dict[int, int]) -> dict[int, int]:
        """Paragraph -> the occurrence taken as the original of its paste.

        The report flags the copies, so the clerk deletes the right one.  Of
        paragraphs spliced together, the original is the one that ends its
        sentence right after the shared text (“…有待进一步提高。”, where the
        pastes run on into other text: “…进一步提补齐短板”).  Of identical
        copies, the original is the one beside another paste's original (the
        intact list the pieces were copied from); failing both, the first."""
        groups: dict[int, list[int]] = {}
        for i in range(len(paras)):
            root = i
            while root in spliced:
                root = spliced[root]
            groups.setdefault(root, []).append(i)
        original: dict[int, int] = {}
        for members in groups.values():
            if len(members) < 2:
                continue
            head = paras[members[0]][0]
            intact = [m for m in members
                      if len(paras[m][0]) - _common_prefix(paras[m][0], head if m != members[0] else
                                                           paras[members[1]][0]) <= 3
                      and paras[m][0][-1] in "。；;！!？?"]
            chosen = intact[0] if len(intact) == 1 else members[0]
            original.update({m: chosen for m in members})
        kept = set(original.values())
        for first, members in copies.items():
            if len(members) < 2:
                continue
            beside = [m for m in members if m - 1 in kept or m + 1 in kept]
            chosen = beside[0] if len(beside) == 1 else first
            original.update({m: chosen for m in members})
        return original


def _common_prefix(a: str, b: str) -> int:
    k = 0
    for x, y in zip(a, b):
        if x != y:
            break
        k += 1
    return k


class GlossaryTerms(Check):
    """Glossary (名词解释) terms that no longer name anything in the tables.

    What it checks
        Each term the 名词解释 defines (recognizer ``statements``,
        ``doc["glossary"]``) must occur, ignoring quotes and spaces and after
        ``aliases``, in some table cell or title of the same part.  Terms in
        ``ignore`` (general notions such as 机关运行经费 that no table row
        carries) are skipped.

    Why it matters
        The glossary is copied from last year's template; when the tables
        follow a newer template (使用非财政拨款结余 replaced
        用事业基金弥补收支差额) the glossary explains a row the reader cannot find.

    Parameters
        aliases: map from a term to other spellings that count as present.
        ignore: terms not expected in any table.
        strip: regex removed from a term before matching (e.g. a trailing 支出).

    Example
        名词解释 “五、用事业基金弥补收支差额” while 公开01表 has the row
        “使用非财政拨款结余” → finding.
    """

    id: ClassVar[str] = "hygiene.glossary_terms"
    title: ClassVar[str] = "名词解释与表格项目不符 (glossary terms missing from the tables)"
    part_types: ClassVar[tuple[str, ...]] = ("部门决算",)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "aliases": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        "default": {}},
            "ignore": {"type": "array", "items": {"type": "string"}, "default": []},
            "strip": {"type": "string", "format": "regex", "default": ""},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        if "glossary" not in ctx.doc:
            ctx.not_evaluated("no glossary: the statements recognizer did not run")
            return
        terms = list(ctx.index.of_part("glossary", ctx.part.get("id")))
        if not terms:
            return
        corpus = []
        for block in iter_blocks(ctx.doc, ctx.part):
            if block["type"] == "table":
                corpus.append(compact(block.get("title", "")))
                corpus.extend(compact(c.get("text", "")) for row in block["rows"] for c in row)
        if not corpus:
            ctx.not_evaluated("no tables in this part to compare the glossary with")
            return
        text = "\n".join(corpus)
        strip = re.compile(ctx.params["strip"]) if ctx.params["strip"] else None
        ignore = {compact(t) for t in ctx.params["ignore"]}
        for g in terms:
            term = compact(g["term"])
            if term in ignore:
                continue
            key = strip.sub("", term) if strip else term
            names = [key, *(compact(a) for a in ctx.params["aliases"].get(term, []))]
            ctx.counted()
            if any(n and n in text for n in names):
                continue
            block = ctx.index.block(g["block"])
            loc = ctx.block_location(block, snippet=g["term"]) if block else dict(g.get("loc", {}))
            ctx.report(loc, actual=g["term"], term=g["term"])


def register(registry) -> None:
    registry.add_check(Numbering)
    registry.add_check(RepeatedParagraph)
    registry.add_check(GlossaryTerms)
