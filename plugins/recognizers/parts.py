"""Structure recognizers that every format shares.

* :func:`recognize_captions` attaches a table's title, code (公开05表 /
  财决批复05表), money unit, department and notes (注：/说明：/备注：) from the
  short paragraphs around it.
* :func:`recognize_parts` splits a file into typed parts — one file often
  holds a 部门决算 with its attached 自评报告, 基础数据表 and 自评表 — and fills
  ``meta`` (doc types with evidence, fiscal year, department, money unit).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from budgetlint.core.document import compact, parse_numbering

# (?<!\s): a code starts where its blanks start — the same leftmost match, one attempt per run of blanks
TABLE_CODE = re.compile(r"((?:公开|财决批复|财决|部门|收支)?(?<!\s)\s*\d{1,2}(?:\s*-\s*\d)?\s*表)")
CODE_STRICT = re.compile(r"^(公开|财决批复|财决)\s*(\d{1,2}(?:-\d)?)\s*表$")
UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|元|千元|亿元)")
UNIT_PAREN = re.compile(r"[（(](万元|元|千元|亿元)[)）]")
DEPT_TITLE = re.compile(r"^(.{2,40}?(?:委员会|办公室|研究室|办事处|政府|局|委|中心|院|厅|所|站|馆|队))"
                        r"20\d{2}年度?(?:部门|单位)?(?:决算|预算)")
DEPT = re.compile(r"^(?:部门|编制单位|单位名称|部门名称|预算部门名称|预算主管部门|主管部门|预算单位|填报单位)[:：]\s*(.+)$")
ATTACHMENT_LABEL = re.compile(r"附件\s*[\d一二三四五六七八九十]*(?:[-－—]\d+)?[:：]?")
NOTE = re.compile(r"^(注|说明|备注|附注)\s*[:：]?")
# column headers of a unit list, never a department's name
_HEADER_WORDS = {"备注", "序号", "单位名称", "单位代码", "单位性质", "级次", "说明", "项目"}

# Part types, in the canonical names used by rule ``applies_to.part_types``.
FINAL_ACCOUNTS = "部门决算"
DEPT_REPORT = "部门整体支出绩效自评报告"
PROJECT_REPORT = "项目支出绩效自评报告"
DEPT_SCORECARD = "绩效自评表/部门整体"
PROJECT_SCORECARD = "绩效自评表/项目"
BASIC_DATA = "基础数据表"
BUDGET = "部门预算"
UNKNOWN = "unknown"
PART_TYPES = (FINAL_ACCOUNTS, DEPT_REPORT, PROJECT_REPORT, DEPT_SCORECARD, PROJECT_SCORECARD, BASIC_DATA,
              BUDGET, UNKNOWN)

_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    (PROJECT_SCORECARD, re.compile(r"项目(支出)?绩效(自评|评价)表$")),
    (DEPT_SCORECARD, re.compile(r"(部门|单位)整体支出绩效(自评|评价)表$|^(绩效)?自评表$")),
    (BASIC_DATA, re.compile(r"基础数据表$")),
    (PROJECT_REPORT, re.compile(r"项目(支出)?绩效(自评|评价)报告$")),
    (DEPT_REPORT, re.compile(r"整体支出绩效(自评|评价)报告$")),
    (FINAL_ACCOUNTS, re.compile(r"(部门|单位)决算$")),
    (BUDGET, re.compile(r"(部门|单位)预算$")),
]
YEAR = re.compile(r"(20\d{2})\s*年度?")


def _short_texts(block: dict[str, Any]) -> list[tuple[str, str]]:
    """Candidate title texts of a block: its text, or a table's first cell."""
    if block["type"] in ("heading", "paragraph"):
        return [(block["text"], "text")]
    if block["type"] == "table" and block["rows"] and block["rows"][0]:
        first = [c["text"] for c in block["rows"][0] if c["text"]]
        if len(first) == 1:
            return [(first[0], "table_first_row")]
    return []


def _is_toc_like(text: str) -> bool:
    return bool(re.search(r"\.{3,}|…{2,}|\s\d{1,3}$", text)) or text.startswith(("附件：", "附件:", "附表"))


def recognize_captions(doc: dict[str, Any]) -> None:
    blocks = doc["blocks"]
    for idx, block in enumerate(blocks):
        if block["type"] != "table":
            continue
        caption_ids = []
        k = idx - 1
        seen = 0
        while k >= 0 and seen < 6:
            prev = blocks[k]
            if prev["type"] == "table":
                break
            text = compact(prev.get("text", ""))
            if len(text) > 60 or NOTE.match(text) or ATTACHMENT_LABEL.fullmatch(text):
                break  # an 附件N label opens a new attachment: lines above it caption something else
            seen += 1
            m = TABLE_CODE.search(text)
            if m and CODE_STRICT.match(compact(m.group(1))) and "code" not in block:
                block["code"] = compact(m.group(1))
                caption_ids.append(prev["id"])
            um = UNIT.search(text)
            if um and "unit" not in block:
                block["unit"] = um.group(1)
                caption_ids.append(prev["id"])
            dm = DEPT.match(text)
            if dm and "department" not in block:
                block["department"] = dm.group(1)
                caption_ids.append(prev["id"])
            if text.endswith("表") and not CODE_STRICT.match(text) and "title" not in block and not _is_toc_like(text):
                block["title"] = prev["text"].strip()
                block["title_loc"] = prev.get("loc", {})
                caption_ids.append(prev["id"])
                break
            if prev["type"] == "heading" and "title" in block:
                break
            k -= 1
        if "title" not in block and block["rows"] and block["rows"][0]:
            first = [c["text"] for c in block["rows"][0] if c["text"]]
            if len(first) == 1 and first[0].endswith("表"):
                block["title"] = first[0]
        if "unit" not in block:
            for row in block["rows"][:3]:
                for c in row:
                    um = UNIT.search(compact(c["text"])) or UNIT_PAREN.search(c["text"])
                    if um:
                        block["unit"] = um.group(1)
                        break
                if "unit" in block:
                    break
        if caption_ids:
            block["caption_blocks"] = sorted(set(caption_ids), key=lambda s: int(s[1:]))
        # notes right after the table
        notes = []
        k = idx + 1
        while k < len(blocks) and blocks[k]["type"] == "paragraph":
            text = compact(blocks[k]["text"])
            if NOTE.match(text) or (notes and re.match(r"^\d+[.．、]", text)):
                notes.append({"text": blocks[k]["text"], "block": blocks[k]["id"], "loc": blocks[k].get("loc", {})})
                k += 1
                continue
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            if notes and len(text) <= 80 and nxt is not None and nxt["type"] == "paragraph" \
                    and NOTE.match(compact(nxt["text"])):
                k += 1  # a template instruction line between the 注 and the 说明 that follows it
                continue
            break
        if notes:
            block["notes"] = notes


def _scorecard_kind(block: dict[str, Any]) -> str:
    head = " ".join(c["text"] for row in block["rows"][:6] for c in row)
    return PROJECT_SCORECARD if re.search(r"项目(支出)?名称|项目名称", head) else DEPT_SCORECARD


def _looks_like_scorecard(block: dict[str, Any]) -> bool:
    text = " ".join(c["text"] for row in block["rows"][:40] for c in row)
    return ("一级指标" in text or "绩效指标" in text) and ("分值" in text or "权重" in text)


def recognize_parts(doc: dict[str, Any]) -> None:
    blocks = doc["blocks"]
    markers: list[tuple[int, str, str, str]] = []  # (block index, type, title, evidence)
    for idx, block in enumerate(blocks):
        for text, how in _short_texts(block):
            t = compact(text)
            if len(t) > 45 or _is_toc_like(t) or t.startswith(("附件", "详见")):
                continue
            num = parse_numbering(t)
            if num and num["style"] in ("arabic", "cn", "cn_paren", "arabic_paren"):
                continue  # a numbered list entry ("2、2020年度项目支出绩效自评表") is not a title
            t_clean = re.sub(r"^[（(]?\d{4}年度?[)）]?", "", t)
            for ptype, rx in _MARKERS:
                if rx.search(t_clean) or rx.search(t):
                    if ptype in (DEPT_SCORECARD, PROJECT_SCORECARD):
                        # the kind is decided by the table's content
                        table = block if block["type"] == "table" else _next_table(blocks, idx, 4)
                        if table is None or not _looks_like_scorecard(table):
                            break
                        ptype = _scorecard_kind(table)
                    markers.append((idx, ptype, text.strip(), f"{how} at {_loc_text(block)}: {text.strip()[:40]}"))
                    break
        # scorecard tables without any title before them
        if block["type"] == "table" and _looks_like_scorecard(block):
            if not _marker_near(markers, idx):
                kind = _scorecard_kind(block)
                markers.append((idx, kind, block.get("title") or kind, f"scorecard table at {_loc_text(block)}"))
    # merge consecutive markers of the same type (title split over lines)
    merged: list[tuple[int, str, str, str]] = []
    for m in markers:
        if merged and merged[-1][1] == m[1] and (
                m[0] - merged[-1][0] <= 3 or m[1] in (FINAL_ACCOUNTS, BUDGET, DEPT_REPORT, BASIC_DATA)) \
                and m[1] not in (PROJECT_SCORECARD,) and not _other_unit(blocks, merged[-1], m):
            continue  # one title split over lines, or a second title page of the same document
        merged.append(m)
    parts: list[dict[str, Any]] = []
    if not blocks:
        doc["parts"] = [{"id": "p0", "type": UNKNOWN, "title": "", "first_block": 0, "last_block": -1,
                         "evidence": "empty document", "year": None, "loc": {}}]
        _fill_meta(doc)
        return
    if not merged:
        merged = [(0, UNKNOWN, "", "no part title recognized")]
    for n, (idx, ptype, title, evidence) in enumerate(merged):
        start = 0 if n == 0 else idx
        # pull title lines just before the marker (year line, unit name) into the part
        if n > 0:
            start = _lead_in_start(blocks, idx, merged[n - 1][0])
        end = (merged[n + 1][0] - 1) if n + 1 < len(merged) else len(blocks) - 1
        if n + 1 < len(merged):
            # the next part's pulled-in title lines are not ours
            end = _lead_in_start(blocks, merged[n + 1][0], idx) - 1
        if end < start:
            end = start
        part = {"id": f"p{n}", "type": ptype, "title": title, "first_block": start, "last_block": end,
                "evidence": evidence}
        part["year"] = _part_year(blocks[start:end + 1], title)
        first_loc = blocks[start].get("loc", {}) if blocks else {}
        last_loc = blocks[end].get("loc", {}) if blocks else {}
        loc = {}
        if "line" in first_loc:
            loc = {"line": first_loc["line"], "end_line": last_loc.get("end_line", last_loc.get("line"))}
        elif "page" in first_loc:
            loc = {"page": first_loc["page"], "end_page": last_loc.get("page")}
        part["loc"] = loc
        parts.append(part)
    _group_parts(parts)
    doc["parts"] = parts
    _fill_meta(doc)


def _group_parts(parts: list[dict[str, Any]]) -> None:
    """Number the departments of a bundle: a file that publishes several
    departments' (or units') reports starts each with its 部门决算 or 部门预算,
    followed by its 自评报告, 基础数据表 and 自评表.  A part of those lead types
    after any other part starts a new ``group``; checks that compare parts
    (a count in the 自评报告 and the 自评表, a fact in the 决算 and the
    自评报告) compare only parts of one group — one department's figures are
    never another's evidence."""
    group = 0
    for n, part in enumerate(parts):
        if n and part["type"] in (FINAL_ACCOUNTS, BUDGET):
            group += 1
        part["group"] = group


_LEAD_IN = re.compile(
    r"附件\s*[\d一二三四五六七八九十]*(?:[-－—]\d+)?[:：]?"           # 附件 / 附件1 / 附件1-1
    r"|第[一二三四五六七八九十\d]+部分.{0,8}"                     # 第五部分 (附件)
    r"|[（(]?20\d{2}\s*年度?[)）]?"                               # 2024年度 / （2021年度）
    r"|(?:单位名称|部门名称|部门|编制单位|填报单位)[:：].{2,30}"     # 单位名称：…
    r"|.{2,28}(?:委员会|办公室|研究室|政府|局|委|中心|院|厅|所|站|馆|队)")  # a unit name on its own line


_UNIT_NAME = re.compile(r".{2,40}?(?:委员会|办公室|研究室|办事处|政府|局|委|中心|院|厅|所|站|馆|队)")


def _unit_of(blocks: list[dict[str, Any]], marker: tuple[int, str, str, str]) -> str | None:
    """The unit a 部门决算/部门预算 title names: in the title itself
    (“上海市普陀区财政局2024年度部门决算”) or on a line of its title page just
    before it (“某某街道办事处” / “2025年度” / “部门决算”); None when it names none."""
    idx, _, title, _ = marker
    m = DEPT_TITLE.match(compact(title))
    if m:
        return m.group(1)
    for block in reversed(blocks[max(0, idx - 3):idx]):
        for text, _ in _short_texts(block):
            if _UNIT_NAME.fullmatch(compact(text)):
                return compact(text)
    return None


def _abbreviates(short: str, full: str) -> bool:
    """``short`` keeps some of ``full``'s characters in their order
    (普陀区财政局 / 上海市普陀区财政局, 市委政研室 / 中共株洲市委政策研究室)."""
    chars = iter(full)
    return all(ch in chars for ch in short)


def _other_unit(blocks: list[dict[str, Any]], first: tuple[int, str, str, str],
                second: tuple[int, str, str, str]) -> bool:
    """Two consecutive 部门决算 (部门预算) titles that name different units: a
    bundle of two units' reports, not a cover and an inner title page of one.
    Names that one abbreviates the other (a cover's short name) are one unit;
    a title that names no unit never splits."""
    if first[1] not in (FINAL_ACCOUNTS, BUDGET):
        return False
    a, b = _unit_of(blocks, first), _unit_of(blocks, second)
    if not a or not b:
        return False
    return not (_abbreviates(a, b) or _abbreviates(b, a))


def _lead_in_start(blocks: list[dict[str, Any]], marker: int, floor: int) -> int:
    """First block of a part whose title is at ``marker``: up to three lines
    just before it that belong to its title page (附件1, 第五部分, a year line,
    the unit name).  Only such lines are pulled in — a short closing sentence
    or "无" at the end of the previous report stays with that report — and the
    walk never goes back to ``floor`` (the previous part's title)."""
    k = marker - 1
    while k > floor and k >= marker - 3 and blocks[k]["type"] != "table" \
            and _LEAD_IN.fullmatch(compact(blocks[k].get("text", ""))):
        k -= 1
    return k + 1


def _marker_near(markers: list[tuple[int, str, str, str]], idx: int) -> bool:
    """Is there a marker at one of the blocks ``idx - 4 … idx``?  Markers are
    appended in block order, none after ``idx``: only the last few can be that
    near, so a document of many scorecards is not rescanned for each."""
    for m in reversed(markers):
        if m[0] < max(0, idx - 4):
            return False
        if m[0] <= idx:
            return True
    return False


def _next_table(blocks: list[dict[str, Any]], idx: int, within: int) -> dict[str, Any] | None:
    for b in blocks[idx: idx + within + 1]:
        if b["type"] == "table":
            return b
    return None


def _loc_text(block: dict[str, Any]) -> str:
    loc = block.get("loc", {})
    for key in ("line", "page", "paragraph", "path", "sheet"):
        if key in loc:
            return f"{key} {loc[key]}"
    return block["id"]


def _part_year(blocks: list[dict[str, Any]], title: str) -> int | None:
    m = YEAR.search(compact(title))
    if m:
        return int(m.group(1))
    for b in blocks[:12]:
        texts = [b.get("text", "")] if b["type"] != "table" else [c["text"] for r in b["rows"][:3] for c in r]
        for t in texts:
            m = YEAR.search(compact(t))
            if m and len(compact(t)) <= 60:
                return int(m.group(1))
    return None


def _fill_meta(doc: dict[str, Any]) -> None:
    meta = doc["meta"]
    blocks = doc["blocks"]
    types = []
    for p in doc["parts"]:
        if p["type"] not in [t["type"] for t in types]:
            types.append({"type": p["type"], "evidence": [p["evidence"]]})
        else:
            next(t for t in types if t["type"] == p["type"])["evidence"].append(p["evidence"])
    meta["doc_types"] = types
    years = Counter(p["year"] for p in doc["parts"] if p.get("year"))
    if years:
        first = doc["parts"][0].get("year")
        meta["fiscal_year"] = first if first else years.most_common(1)[0][0]
    dept = None
    for b in blocks[:400]:
        if b["type"] in ("paragraph", "heading"):
            m = DEPT.match(compact(b["text"]))
            if m:
                dept = m.group(1)
                break
    if not dept:
        # a title that names the unit before the year: 上海市普陀区财政局2024年度部门决算
        for p in doc["parts"]:
            m = DEPT_TITLE.match(compact(p.get("title") or ""))
            if m:
                dept = m.group(1)
                break
    if not dept:
        # a cover that breaks the title over lines: 上海市普陀区人民政府 / 石泉路街道办事处 2025 / 年度部门决算
        cover = ""
        for b in blocks[:6]:
            t = compact(b.get("text", "")) if b["type"] != "table" else ""
            if not t or t in ("目录", "目 录") or len(t) > 40:
                break
            cover += t
            m = DEPT_TITLE.match(cover)
            if m:
                dept = m.group(1)
                break
    if not dept:
        # a cover that names the department on a labelled line: 预算主管部门：上海市普陀区人民政府万里街道办事处
        for b in blocks[:10]:
            m = DEPT.match(compact(b.get("text", ""))) if b["type"] != "table" else None
            if m and m.group(1) not in _HEADER_WORDS:
                dept = m.group(1)
                break
    for b in blocks[:400] if not dept else []:
        if b["type"] in ("paragraph", "heading"):
            continue
        elif b["type"] == "table" and b.get("department"):
            dept = b["department"]
            break
        elif b["type"] == "table":
            for row in b["rows"][:4]:
                for i, c in enumerate(row[:-1]):
                    # the value beside the label, never the next header (序号 | 单位名称 | 备注)
                    if compact(c["text"]) in ("部门名称", "预算部门名称", "单位名称") and compact(row[i + 1]["text"]) \
                            and compact(row[i + 1]["text"]) not in _HEADER_WORDS:
                        dept = compact(row[i + 1]["text"])
                        break
                if dept:
                    break
            if dept:
                break
    if not dept:
        for b in blocks[:8]:
            t = compact(b.get("text", ""))
            if re.search(r"(委员会|办公室|研究室|政府|局|委|中心|院|厅|所|站|馆|队)$", t) and 4 <= len(t) <= 30:
                dept = t
                break
    if dept:
        meta["department"] = dept
    for p in doc["parts"]:
        if p.get("year") is None and meta.get("fiscal_year"):
            p["year"] = meta["fiscal_year"]
            p["year_inferred"] = True
    units = Counter(b["unit"] for b in blocks if b["type"] == "table" and b.get("unit"))
    if units:
        meta["money_unit"] = units.most_common(1)[0][0]
    elif any("万元" in b.get("text", "") for b in blocks[:200]):
        meta["money_unit"] = "万元"
    titles = [p["title"] for p in doc["parts"] if p.get("title")]
    if titles:
        meta["title"] = titles[0]
    region = re.search(r"(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆)(省|市|自治区)?",
                       " ".join(b.get("text", "") for b in blocks[:60]))
    if region:
        meta["region"] = region.group(1)


def register(registry) -> None:
    registry.add_recognizer("captions", recognize_captions, order=10,
                            description="table titles, codes, units and notes")
    registry.add_recognizer("parts", recognize_parts, order=20,
                            description="split a file into typed parts; fiscal year, department, unit")
