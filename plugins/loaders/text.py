"""Text and Markdown loader.

Reports reach us as text exported from PDF or Word, in three table shapes that
all occur in the seeds:

* **tab rows** — one table row per line, cells separated by tabs (PDF text
  exports, seeds 002/003/004); a blank line inside a table is a page break,
  a ``<p>…`` line continues the last cell;
* **cell per line** — a Word export writes each cell on its own line starting
  with a tab, continuation lines without a tab, and a blank line between rows
  (seed 001, where vertical headings come out as 绩/效/指/标);
* **Markdown pipe tables** with ``<br>``/``<p>`` inside cells, and a table
  continued after a page break as a second pipe table (seeds 000/003);
* **space rows** — text copied out of a PDF viewer: cells separated by
  single spaces, amounts with thousands separators, header cells broken
  over several lines and long labels wrapped around their amounts (the
  Shanghai 2025 决算 page texts).  A table is recognised from its caption's
  money-unit line (“单位：万元”) and read up to its 注/说明, the next table
  or the next part; each row is one cell per token, rows wrapped over
  several lines are joined by content (codes, numbering, amounts), not by
  counting cells.  The final-accounts recognizer maps the cells to columns.

Paragraphs wrapped by the PDF exporter (a line that stops mid-sentence, even
across a blank line) are joined, keeping ``line`` and ``end_line``.
"""
from __future__ import annotations

import re
from typing import Any

from budgetlint.core.document import (MAX_ROW_CELLS, DocumentBuilder, add_reading_note, make_cell, make_loc,
                                      new_document, parse_numbering)
from budgetlint.core.errors import InputError

# Every pattern here runs on whole lines of untrusted exports, so none may
# backtrack: a match attempt never scans past the next ``<``/``[`` (which
# starts the next attempt), and runs are possessive (``*+``, Python 3.11).
# tests/test_robustness.py feeds each one 1 MB of its worst case.
_TAG_BR = re.compile(r"<br\s*+/?>|</p>\s*+<p>", re.I)
_TAGS = re.compile(r"</?(?:p|span|div|b|strong|em|i|u|font)(?:\s[^<>]*+)?>", re.I)
_ONE_CELL = re.compile(r"\t[^\t]*+")  # a line holding one cell (DOCX exports: one cell per line)
_BOOKMARK = re.compile(r"\[bookmark:[^\]\[]*+\]")
_MD_HEADING_START = re.compile(r"(#{1,6})\s++")
_PIPE_SEP = re.compile(r"\|?+\s*+:?-{2,}+:?\s*+(?:\|\s*+:?-{2,}+:?\s*+)*+\|?+\s*+\Z")
_SENTENCE_END = tuple("。！？；;!?：:…”」）)")
_LIST_MARK = re.compile(r"^[-*+]\s+")
# space rows (text copied from a PDF viewer)
# a caption line that ends with the money unit: 单位：万元 / 金额单位：万元 / 公开01表 单位：万元
_UNIT_LINE = re.compile(r"^(?![^\n]*[，。；])(?:.{0,40}?(?<!编制))?(?:金额)?单位[:：]\s*(?:万元|元|千元|亿元)$")
_AMOUNT_TOKEN = re.compile(r"^[-－]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)%?$")
_CODE_TOKEN = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_NOTE_LINE = re.compile(r"^(?:注|说明|备注|附注)\s*\d*\s*[:：]")
_PART_LINE = re.compile(r"^第[一二三四五六七八九十\d]+部分")
_PAGE_NUMBER = re.compile(r"^[-—]?\s*\d{1,3}\s*[-—]?$")
_LEVEL_TOKENS = ("类", "款", "项")
_CAPTION_LINE = re.compile(r"^(?:部门|编制单位|单位名称|部门名称|填报单位)\s*[:：]|^(?:公开|财决批复|财决)\s*\d{1,2}\s*表$")


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode bytes: BOMs, UTF-8, then GB18030 (a superset of GBK/GB2312).

    Binary files are refused with a clear reason instead of being parsed
    into garbage."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"  # an odd last byte becomes U+FFFD
    sample = data[:8192]
    if b"\x00" in sample:
        wide = _utf16_without_bom(sample)
        if wide:
            return data.decode(wide, errors="replace"), wide
    if b"\x00" in sample or _control_ratio(sample) > 0.05:
        raise InputError("binary content, not a text export", culprit=path,
                         fix="give the original .docx/.xlsx/.pdf, or export the report as text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # mostly valid UTF-8 with a few damaged bytes (a flipped bit, a cut
    # character): keep UTF-8 and replace them; GBK text read as UTF-8 fails
    # at nearly every Chinese character, so the two cannot be confused
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    wide = sum(1 for ch in loose if ord(ch) > 127)
    if bad <= max(3, wide // 100):
        return loose, "utf-8"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputError(f"text is neither UTF-8 nor GB18030/GBK (byte {exc.start})", culprit=path,
                         fix="re-save the file as UTF-8") from exc


def _utf16_without_bom(sample: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when ``sample`` reads as text in that byte
    order (Windows' "Unicode" export without its BOM): nearly every
    character a CJK ideograph, CJK punctuation or printable ASCII."""
    sample = sample[:len(sample) // 2 * 2]
    for codec in ("utf-16-le", "utf-16-be"):
        text = sample.decode(codec, errors="replace")
        good = sum(1 for ch in text if ch in "\t\r\n" or " " <= ch <= "~" or "\u3000" <= ch <= "\u9fff"
                   or "\uff00" <= ch <= "\uffef")
        if text and good >= 0.95 * len(text):
            return codec
    return None


def _md_heading(line: str) -> tuple[int, str] | None:
    """``## Title ##`` → (2, "Title"); trailing hashes and blanks are cut with
    string methods, not a lazy regex that would backtrack on a long line."""
    m = _MD_HEADING_START.match(line)
    if not m:
        return None
    return len(m.group(1)), line[m.end():].rstrip().rstrip("#").rstrip()


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return bad / len(sample)


def _clean_line(line: str) -> str:
    line = _BOOKMARK.sub("", line)
    return line.rstrip("\r\n")


def _strip_md(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)", r"\1", text)
    return text.replace("**", "")


def _cell_text(text: str) -> str:
    text = _TAG_BR.sub("\n", text)
    text = _TAGS.sub("", text)
    return text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _is_tab_line(line: str) -> bool:
    return "\t" in line


def _is_p_continuation(line: str) -> bool:
    """A ``<p>…`` line that continues the previous row's last cell after a
    page break; the exporter may pad it with empty tab fields."""
    return line.lstrip().startswith("<p>") and not any(f.strip() for f in line.split("\t")[1:])


def _is_pipe_line(line: str) -> bool:
    s = line.lstrip()
    return s.startswith("|") and s.count("|") >= 2


def _cjk_len(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def looks_like_heading(text: str, numbering: dict[str, Any] | None) -> bool:
    """A numbered short line without sentence punctuation is a heading;
    a numbered list item with a full sentence is a paragraph."""
    t = text.strip()
    if re.fullmatch(r"第[一二三四五六七八九十\d]+部分.*", t) and len(t) <= 40:
        return True
    if not numbering:
        return False
    body = t[len(numbering["token"]):] if t.startswith(numbering["token"]) else t
    body = body.strip()
    if not body or len(body) > 34:
        return False
    if body.endswith("。") and len(body) > 13:
        return False
    if "，" in body or "," in body:
        return False
    if re.search(r"[。；;！？!?]", body.rstrip("。")):
        return False
    if re.search(r"[：:].{4,}", body):
        return False
    if re.search(r"\d+(\.\d+)?\s*万元", body):
        return False
    return True


class _TextParser:
    def __init__(self, lines: list[str], builder: DocumentBuilder, markdown: bool) -> None:
        self.lines = lines
        self.b = builder
        self.markdown = markdown
        self.n = len(lines)
        self.last_para: dict[str, Any] | None = None
        self.last_para_raw_len = 0

    # --------------------------------------------------------------- main
    def parse(self) -> None:
        i = 0
        while i < self.n:
            line = self.lines[i]
            if not line.strip():
                i += 1
                continue
            if _is_pipe_line(line):
                i = self._pipe_table(i)
                self.last_para = None
            elif _is_tab_line(line):  # even a lone tab line (a TOC entry) is a one-row table, not a heading
                i = self._tab_region(i)
                self.last_para = None
            else:
                self._text_line(i)
                i += 1
                if _UNIT_LINE.fullmatch(re.sub(r"\s", "", line)):
                    i = self._space_table(i)

    # ---------------------------------------------------------- paragraphs
    def _text_line(self, i: int) -> None:
        raw = self.lines[i]
        line = raw.replace("\t", " ").strip()
        lineno = i + 1
        m = _md_heading(line) if self.markdown or line.startswith("#") else None
        if m:
            text = _strip_md(m[1]).strip()
            if text:
                self.b.heading(text, make_loc(line=lineno, end_line=lineno), level=m[0], style="markdown")
            self.last_para = None
            return
        text = _strip_md(line)
        text = _LIST_MARK.sub("", text)
        text = _cell_text(text).replace("\n", " ").strip()
        if not text:
            return
        numbering = parse_numbering(text)
        # join a paragraph the exporter wrapped (possibly across a page break)
        prev = self.last_para["text"] if self.last_para is not None else ""
        # a line inside an open quotation (“…（款）) or a year cut before its 年 continues the paragraph
        open_quote = prev.count("“") > prev.count("”") and not prev.endswith("。")
        year_cut = bool(re.search(r"20\d{2}$", prev)) and text.startswith("年")
        if (self.last_para is not None and not numbering and not text.startswith(("注", "说明", "备注", "附件"))
                and self.last_para_raw_len >= 18 and not re.match(r"^[^，。,]{2,8}[:：]", text)
                and (open_quote or year_cut or _number_cut(prev, text) or (
                    not prev.endswith(_SENTENCE_END)
                    and not re.search(r"(表|万元|元|%|\d|报告|决算|说明|情况|目录)$", prev)))):
            from budgetlint.core.values import clean_display

            sep = "" if not (self.last_para["text"][-1:].isascii() and text[:1].isascii()) else " "
            self.last_para["text"] = clean_display(self.last_para["text"] + sep + text)
            self.last_para["loc"]["end_line"] = lineno
            self.last_para.pop("raw", None)
            self.last_para_raw_len = _cjk_len(text)
            return
        if looks_like_heading(text, numbering):
            self.b.heading(text, make_loc(line=lineno, end_line=lineno))
            self.last_para = None
            return
        self.last_para = self.b.paragraph(text, make_loc(line=lineno, end_line=lineno))
        self.last_para_raw_len = _cjk_len(text)

    # ---------------------------------------------------------- pipe tables
    def _pipe_rows(self, i: int) -> tuple[list[list[dict[str, Any]]], int]:
        rows = []
        while i < self.n and _is_pipe_line(self.lines[i]):
            line = self.lines[i].strip()
            if not _PIPE_SEP.match(line):
                inner = line[1:-1] if line.endswith("|") else line[1:]
                parts = _clip_cells(self.b.doc, _split_pipes(inner), i + 1)
                cells = [make_cell(_cell_text(c), make_loc(line=i + 1, end_line=i + 1)) for c in parts]
                rows.append(cells)
            i += 1
        # drop an all-empty first row (the Markdown header of an exported table)
        while rows and not any(c["text"] for c in rows[0]):
            rows.pop(0)
        return rows, i

    def _pipe_table(self, i: int) -> int:
        start = i
        rows, i = self._pipe_rows(i)
        continued_at = []
        # a table continued after a page break: another pipe table after blanks only
        while True:
            j = i
            while j < self.n and not self.lines[j].strip():
                j += 1
            if j < self.n and _is_pipe_line(self.lines[j]) and rows:
                more, j2 = self._pipe_rows(j)
                width = max(len(r) for r in rows)
                for r in more:
                    pad = width - len(r)
                    if pad > 0:  # merged leading column dropped in the continuation: align right
                        r[:0] = [make_cell("", make_loc(line=r[0]["loc"]["line"] if r else j + 1)) for _ in range(pad)]
                rows.extend(more)
                continued_at.append(j + 1)
                i = j2
            else:
                break
        if rows:
            end = rows[-1][0]["loc"]["line"] if rows[-1] else i
            self.b.table(rows, make_loc(line=start + 1, end_line=end), source_shape="markdown",
                         continued_at_lines=continued_at or None)
        return i

    # ------------------------------------------------------------ tab rows
    def _region_end(self, i: int) -> int:
        """Index after the last line of the tab region starting at ``i``: tab
        lines, blank lines between them (page breaks), ``<p>`` continuations
        and lines that directly follow a cell line (wrapped cell text)."""
        j = i
        # lines[i:counts[0]] counted so far: tab lines, and those of one cell ("\tcell"); the cell-mode
        # test below runs for every wrapped line, so it is kept incremental (a region of many
        # wrapped lines would otherwise be rescanned from its start each time)
        counts = [i, 0, 0]

        def in_cell_mode(stop: int) -> bool:
            for ln in self.lines[counts[0]:stop]:
                if _is_tab_line(ln):
                    counts[1] += 1
                    counts[2] += bool(_ONE_CELL.fullmatch(ln))
            counts[0] = max(counts[0], stop)
            return bool(counts[1]) and counts[2] >= 0.7 * counts[1]

        while j < self.n:
            line = self.lines[j]
            if _is_tab_line(line) or line.lstrip().startswith("<p>"):
                j += 1
                continue
            if not line.strip():
                k = j
                while k < self.n and not self.lines[k].strip():
                    k += 1
                if k < self.n and (_is_tab_line(self.lines[k]) or self.lines[k].lstrip().startswith("<p>")):
                    j = k
                    continue
                break
            if self.lines[j - 1].strip() and in_cell_mode(j):
                j += 1
                continue
            break
        return j

    def _tab_region(self, i: int) -> int:
        end = self._region_end(i)
        region = list(range(i, end))
        tab_lines = [k for k in region if _is_tab_line(self.lines[k])]
        cell_mode = sum(1 for k in tab_lines if re.fullmatch(r"\t[^\t]*", self.lines[k])) >= 0.7 * len(tab_lines) \
            and len(tab_lines) >= 2
        rows = self._cell_per_line_rows(region) if cell_mode else self._tab_rows(region)
        rows = [r for r in rows if r]
        if rows:
            self.b.table(rows, make_loc(line=i + 1, end_line=end), source_shape="cell_per_line" if cell_mode else "tab_rows",
                         page_breaks=self._page_breaks(region) or None)
        return end

    def _page_breaks(self, region: list[int]) -> list[int]:
        out = []
        for k in region[1:-1]:
            if not self.lines[k].strip() and self.lines[k - 1].strip():
                out.append(k + 1)
        return out

    def _tab_rows(self, region: list[int]) -> list[list[dict[str, Any]]]:
        rows: list[list[dict[str, Any]]] = []
        for k in region:
            line = self.lines[k]
            if not line.strip():
                continue
            if not _is_tab_line(line) or _is_p_continuation(line):  # "<p>…" continues the last filled cell
                if rows:
                    target = next((c for c in reversed(rows[-1]) if c["text"]), rows[-1][-1])
                    merged = (target.get("raw") or target["text"]) + _cell_text(line).strip()
                    new = make_cell(merged, target["loc"])
                    new["loc"] = {**target["loc"], "end_line": k + 1}
                    target.clear()
                    target.update(new)
                continue
            parts = _clip_cells(self.b.doc, line.split("\t"), k + 1)
            rows.append([make_cell(_cell_text(p), make_loc(line=k + 1, end_line=k + 1)) for p in parts])
        return rows

    def _cell_per_line_rows(self, region: list[int]) -> list[list[dict[str, Any]]]:
        rows: list[list[dict[str, Any]]] = []
        current: list[tuple[list[str], int, int]] = []  # (lines, start, end)

        def flush() -> None:
            if current:
                rows.append([make_cell(_cell_text("\n".join(txt)), make_loc(line=s + 1, end_line=e + 1))
                             for txt, s, e in current])
                current.clear()

        for k in region:
            line = self.lines[k]
            if not line.strip() and not line.startswith("\t"):
                flush()
                continue
            if line.startswith("\t"):
                current.append(([line[1:].strip(" \u3000")], k, k))
            elif current:
                txt, s, _ = current[-1]
                txt.append(line.strip(" \u3000"))
                current[-1] = (txt, s, k)
            else:  # continuation before any cell: treat as a one-cell row
                current.append(([line.strip()], k, k))
        flush()
        return rows


    # ---------------------------------------------------------- space rows
    def _is_title_ahead(self, j: int) -> bool:
        """Is line ``j`` the title of the next table (a short line ending in
        表 followed, within two lines, by a money-unit line)?"""
        t = re.sub(r"\s", "", self.lines[j])
        if not t.endswith("表") or len(t) > 50:
            return False
        nxt = [re.sub(r"\s", "", ln) for ln in self.lines[j + 1: j + 4] if ln.strip()][:2]
        return any(_UNIT_LINE.fullmatch(n) for n in nxt)

    def _space_region_end(self, i: int) -> int:
        j = i
        while j < self.n:
            line = self.lines[j]
            s = line.strip()
            if not s:
                j += 1
                continue
            t = re.sub(r"\s", "", s)
            if (_NOTE_LINE.match(t) or _PART_LINE.match(t) or _is_tab_line(line) or _is_pipe_line(line)
                    or t.endswith("。") or self._is_title_ahead(j)):
                break
            j += 1
        while j > i and not self.lines[j - 1].strip():
            j -= 1
        return j

    def _space_table(self, i: int) -> int:
        """Read the space-row table that follows a money-unit line at ``i - 1``."""
        # caption lines under the unit line (部门：…) stay paragraphs
        while i < self.n and (not self.lines[i].strip() or _CAPTION_LINE.match(self.lines[i].strip())):
            if self.lines[i].strip():
                self._text_line(i)
            i += 1
        end = self._space_region_end(i)
        if end < self.n and (_is_tab_line(self.lines[end]) or _is_pipe_line(self.lines[end])):
            return i  # the table itself follows as tab rows or a pipe table
        lines = [k for k in range(i, end) if self.lines[k].strip()]
        multi = [k for k in lines if len(_tokens(self.lines[k])) >= 2]
        if not multi or (len(multi) < 2 and not any(_is_data_line(_tokens(self.lines[k])) for k in multi)):
            return i
        # a lone page number at a page break is no row
        lines = [k for k in lines if not (_PAGE_NUMBER.fullmatch(self.lines[k].strip())
                                          and (k + 1 >= self.n or not self.lines[k + 1].strip()))]
        if not lines:
            return i
        rows = _space_rows(self.lines, lines)
        if not rows:
            return i
        first_data = next((n for n, r in enumerate(rows) if r["data"]), len(rows))
        cells = [[make_cell(tok, make_loc(line=ln, end_line=ln)) for tok, ln in r["tokens"]] for r in rows]
        self.b.table(cells, make_loc(line=lines[0] + 1, end_line=lines[-1] + 1), header_rows=first_data,
                     source_shape="space_rows", page_breaks=self._page_breaks(list(range(lines[0], lines[-1] + 1))) or None)
        self.last_para = None
        return end


def _number_cut(prev: str, text: str) -> bool:
    """A sentence wrapped right after an amount (“…减少为 0.00” / “万元，与 2024
    年持平。”): the paragraph so far is prose (it has sentence punctuation), ends
    with a number or unit but no full stop, and the next line is prose too — it
    goes on with the unit or a word and has sentence punctuation of its own, so
    it is no table row (rows copied from a PDF viewer carry none) and no heading."""
    if not re.search(r"(?:\d|万元|元|%)$", prev) or not re.search(r"[，；。]", prev):
        return False
    if not re.search(r"[，；。]", text) or not re.match(r"[\u4e00-\u9fff%，；、]", text):
        return False
    return not re.match(r"^[^，。；]{0,20}[:：]", text)


def _tokens(line: str) -> list[str]:
    return line.replace("\u3000", " ").split()


def _is_data_line(toks: list[str]) -> bool:
    return any(_AMOUNT_TOKEN.match(t) for t in toks) or bool(toks and _CODE_TOKEN.match(toks[0]))


def _starts_row(toks: list[str]) -> bool:
    """Does a line open a new row: a 功能/经济分类 code, a numbered label
    (一、…) or a level marker (类 款 项 合计)?"""
    if not toks:
        return False
    first = toks[0]
    return bool(_CODE_TOKEN.match(first) or first in _LEVEL_TOKENS or parse_numbering(first)
                or re.match(r"^(合计|总计|本年|年初|年末|使用|结余|人员经费|公用经费)", first))


def _space_rows(lines: list[str], idx: list[int]) -> list[dict[str, Any]]:
    """Rows of a space-row table: header lines one row each; data rows with
    their wrapped parts joined (a code or label line without amounts takes
    the following lines up to its amounts; a short fragment after a row
    ends that row's label: 支 / 98.23 / 出)."""
    rows: list[dict[str, Any]] = []
    pending: dict[str, Any] | None = None
    in_data = False

    def has_amount(r: dict[str, Any]) -> bool:
        return any(_AMOUNT_TOKEN.match(t) for t, _ in r["tokens"])

    for k in idx:
        toks = _tokens(lines[k])
        ln = k + 1
        if not in_data and not _is_data_line(toks):
            rows.append({"tokens": [(t, ln) for t in toks], "data": False})
            continue
        in_data = True
        amounts = any(_AMOUNT_TOKEN.match(t) for t in toks)
        if pending is not None:
            if not _starts_row(toks):
                pending["tokens"].extend(_merge_label(pending["tokens"], toks, ln))
                if has_amount(pending):
                    rows.append(pending)
                    pending = None
                continue
            rows.append(pending)
            pending = None
        label_line = not amounts and not _starts_row(toks) and all(_is_label(t) for t in toks)
        if label_line and rows and rows[-1]["data"] and (
                len("".join(toks)) <= 3 or (rows[-1].get("wrapped") and not rows[-1].get("tail"))):
            # the tail of the previous row's label: 支 / 98.23 / 出, or the third line of
            # a label wrapped around its row (文化旅游体育与 / 207 82.51 82.51 / 传媒支出)
            last = rows[-1]["tokens"]
            li = max((n for n, (t, _) in enumerate(last) if _is_label(t)), default=None)
            if li is not None:
                last[li] = (last[li][0] + "".join(toks), last[li][1])
                rows[-1]["tail"] = True
                continue
        row = {"tokens": [(t, ln) for t in toks], "data": True}
        own = len(toks) > 2 and _is_label(toks[1]) and _AMOUNT_TOKEN.match(toks[2]) and rows and rows[-1]["data"]
        if amounts and _CODE_TOKEN.match(toks[0]) and len(toks) > 1 and (_AMOUNT_TOKEN.match(toks[1]) or own) \
                and sum(1 for t in toks if _is_label(t)) <= 1 and rows and _label_only(rows[-1]) \
                and len(rows[-1]["tokens"]) == 1:
            # a label wrapped around its row: first part above the code line (一般公共服务支 / 201 306.90 / 出,
            # 机关事业单位基 / 2080505 本养老保险缴费 545.85 … / 支出)
            above = rows.pop()["tokens"][0]
            if own:
                row["tokens"][1] = (above[0] + toks[1], above[1])
            else:
                row["tokens"][1:1] = [above]
            row["wrapped"] = True
        if not amounts and _starts_row(toks):
            pending = row
        else:
            rows.append(row)
    if pending is not None:
        rows.append(pending)
    return rows


def _is_label(tok: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", tok)) and tok not in _LEVEL_TOKENS


def _label_only(row: dict[str, Any]) -> bool:
    """A line holding only label text (no code, no amount), not a header
    line that names the code or name columns."""
    toks = [t for t, _ in row["tokens"]]
    return bool(toks) and all(_is_label(t) and not _AMOUNT_TOKEN.match(t) for t in toks) \
        and not re.search(r"(编码|名称|项目|分类|决算数|预算数)$", "".join(toks))


def _merge_label(tokens: list[tuple[str, int]], toks: list[str], ln: int) -> list[tuple[str, int]]:
    """Tokens of a continuation line; CJK text continuing the pending row's
    trailing label is appended to it in place."""
    out = []
    for t in toks:
        if not out and tokens and not _AMOUNT_TOKEN.match(t) and not _AMOUNT_TOKEN.match(tokens[-1][0]) \
                and not _CODE_TOKEN.match(tokens[-1][0]) and not _CODE_TOKEN.match(t):
            tokens[-1] = (tokens[-1][0] + t, tokens[-1][1])
            continue
        out.append((t, ln))
    return out


def _clip_cells(doc: dict[str, Any], parts: list[str], lineno: int) -> list[str]:
    """A row wider than any real table keeps its first cells and says so."""
    if len(parts) <= MAX_ROW_CELLS:
        return parts
    add_reading_note(doc, f"第{lineno}行有{len(parts)}个单元格，只读取前{MAX_ROW_CELLS}个 "
                          f"(line {lineno} has {len(parts)} cells; only the first {MAX_ROW_CELLS} are read)",
                     make_loc(line=lineno, end_line=lineno), kind="limit")
    return parts[:MAX_ROW_CELLS]


def _split_pipes(inner: str) -> list[str]:
    out, buf, esc = [], [], False
    for ch in inner:
        if esc:
            buf.append(ch)
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == "|":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def load_text(data: bytes, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Loader entry point for ``.txt`` and ``.md``."""
    text, encoding = decode(data, path)
    replaced = text.count("\ufffd") if encoding.startswith(("utf-8", "utf-16")) else 0
    markdown = path.lower().endswith((".md", ".markdown")) or bool(
        re.search(r"^#{1,6} \S", text, re.M) or re.search(r"^\|.*\|\s*$", text, re.M))
    doc = new_document(path, "markdown" if markdown else "text", data, encoding)
    lines = [_clean_line(ln) for ln in text.split("\n")]
    _TextParser(lines, DocumentBuilder(doc), markdown).parse()
    if replaced:
        _note_replaced(doc, text, replaced)
    return doc


def _note_replaced(doc: dict[str, Any], text: str, count: int) -> None:
    """Name the lines where undecodable bytes were replaced by U+FFFD."""
    lines: list[int] = []
    pos = text.find("\ufffd")
    while pos != -1 and len(lines) < 20:
        line = text.count("\n", 0, pos) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
        pos = text.find("\ufffd", pos + 1)
    where = "、".join(f"第{n}行" for n in lines)
    add_reading_note(doc, f"{where}有{count}个无法解码的字节，已替换为“\ufffd” "
                          f"({count} undecodable byte(s) replaced on line(s) {', '.join(map(str, lines))})",
                     make_loc(line=lines[0], end_line=lines[-1]) if lines else None, kind="encoding")


def register(registry) -> None:
    registry.add_loader("text", [".txt", ".text", ".md", ".markdown"], "budgetlint.plugins.loaders.text:load_text",
                        "plain-text and Markdown exports (tab rows, cell-per-line, pipe tables)")
