"""DOCX loader: reads ``word/document.xml`` straight from the zip with lxml.

Why not python-docx: on the reports we measured it was several times slower,
and it silently drops text inside tracked insertions (``w:ins``), which
clerks often leave in a published file.  Reading the XML ourselves also lets
us resolve merges exactly: ``gridSpan`` becomes ``colspan`` and a vertical
merge (``vMerge`` restart/continue) becomes one cell with ``rowspan`` — the
continuation cells are absorbed, not emitted, so every table has the same
shape as a text or HTML table.

Tracked deletions (``w:del``, ``w:moveFrom``) are dropped: the published
reading is the document with all changes accepted.
"""
from __future__ import annotations

import re
from typing import Any

from budgetlint.core.document import DocumentBuilder, make_cell, make_loc, new_document, parse_numbering
from budgetlint.core.errors import InputError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = "{" + W + "}"
_SKIP = {_W + "del", _W + "moveFrom", _W + "delText", _W + "instrText", _W + "rPr", _W + "pPr",
         _W + "fldData", "{" + MC + "}Fallback", _W + "footnoteReference", _W + "commentReference"}
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_CN_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _parser():
    from lxml import etree

    # no entity expansion, no network, no multi-gigabyte trees: a hostile
    # document can only fail, never make us fetch or expand anything
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _read_xml(zf: Any, name: str, path: str, required: bool = False, options: dict[str, Any] | None = None) -> Any:
    from lxml import etree

    from budgetlint.core.errors import BudgetlintError
    from budgetlint.core.loading import read_member

    try:
        data = read_member(zf, name, path, options or {})  # size checked while inflating
    except BudgetlintError:
        raise
    except KeyError:
        if required:
            raise InputError(f"no {name} inside the container; this is not a Word .docx document", culprit=path,
                             fix="save the file as .docx from Word/WPS (old .doc files must be converted)") from None
        return None
    except Exception as exc:  # CRC error, truncated member
        raise InputError(f"cannot unpack {name}: {exc}", culprit=path,
                         fix="the file is damaged; re-save it from Word/WPS") from exc
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name} is not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})", culprit=path,
                         fix="the file is damaged; re-save it from Word/WPS") from exc


def _attr(el: Any, tag: str, attr: str = "val") -> str | None:
    if el is None:
        return None
    child = el.find(_W + tag)
    if child is None:
        return None
    return child.get(_W + attr)


# ------------------------------------------------------------------ styles

def _heading_levels(styles: Any) -> dict[str, int]:
    """styleId → heading level, from the style's name (Heading 1 / 标题 1)
    or its outline level, following ``basedOn`` chains."""
    if styles is None:
        return {}
    info: dict[str, tuple[str, int | None, str | None]] = {}
    for st in styles.iter(_W + "style"):
        if st.get(_W + "type") not in (None, "paragraph"):
            continue
        sid = st.get(_W + "styleId") or ""
        name = _attr(st, "name") or ""
        ppr = st.find(_W + "pPr")
        lvl = _attr(ppr, "outlineLvl")
        info[sid] = (name, _small_int(lvl, 99) + 1 if (lvl or "").isdigit() and _small_int(lvl, 99) < 9 else None, _attr(st, "basedOn"))
    out: dict[str, int] = {}
    for sid in info:
        seen = set()
        cur: str | None = sid
        while cur and cur in info and cur not in seen:
            seen.add(cur)
            name, lvl, based = info[cur]
            m = _HEADING_NAME.match(name.strip()) or _HEADING_NAME.match(cur)
            if m and m.group(1) != "0":
                out[sid] = int(m.group(1))
                break
            if lvl:
                out[sid] = lvl
                break
            cur = based
    return out


# --------------------------------------------------------------- numbering

def _cn_number(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _format_counter(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "japaneseCounting",
               "chineseLegalSimplified", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _cn_number(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt in ("lowerRoman", "upperRoman"):
        if not 0 < n < 4000:  # no roman numeral; a hostile start=1000000000 must not build a megabyte string
            return str(n)
        vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
                (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
        out, k = "", n
        for v, s in vals:
            q, k = divmod(k, v)
            out += s * q
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


#: Largest list counter/level read from numbering.xml: Word's own limit is far below.
_MAX_COUNTER = 1_000_000_000


def _small_int(text: str | None, default: int, cap: int = _MAX_COUNTER) -> int:
    """An attribute integer, clipped: a 5000-digit ``start`` (beyond ``int()``'s
    digit limit) or ``1e12`` is read as the cap, not a reason to reject the file."""
    t = (text or "").strip()
    sign = -1 if t.startswith("-") else 1
    digits = t.lstrip("-")
    if not digits.isdigit():
        return default
    if len(digits) > len(str(cap)):
        return sign * cap
    return sign * min(int(digits), cap)


class _Numbering:
    """Renders list numbers (``一、`` ``（二）`` ``3.``) the way Word shows
    them; the text is part of what a reader sees, and heading recognition
    depends on it."""

    def __init__(self, root: Any) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.iter(_W + "abstractNum"):
            lv: dict[int, tuple[str, str, int]] = {}
            for lvl in an.iter(_W + "lvl"):
                ilvl = _small_int(lvl.get(_W + "ilvl"), 0)
                lv[ilvl] = (_attr(lvl, "numFmt") or "decimal", _attr(lvl, "lvlText") or "",
                            _small_int(_attr(lvl, "start"), 1))
            abstract[an.get(_W + "abstractNumId") or ""] = lv
        for num in root.iter(_W + "num"):
            aid = _attr(num, "abstractNumId") or ""
            lv = dict(abstract.get(aid, {}))
            for ov in num.iter(_W + "lvlOverride"):
                ilvl = _small_int(ov.get(_W + "ilvl"), 0)
                so = _attr(ov, "startOverride")
                if ilvl in lv and so and so.isdigit():
                    f, t, _ = lv[ilvl]
                    lv[ilvl] = (f, t, _small_int(so, 1))
            self.levels[num.get(_W + "numId") or ""] = lv

    def text(self, num_id: str, ilvl: int) -> str:
        lv = self.levels.get(num_id)
        if not lv or ilvl not in lv:
            return ""
        fmt, template, _ = lv[ilvl]
        if fmt in ("bullet", "none"):
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, lv[ilvl][2] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            if k not in lv:
                return ""
            n = counters.get(k, lv[k][2])
            return _format_counter(n, fmt if k == ilvl else lv[k][0])

        return re.sub(r"%(\d)", sub, template)


# -------------------------------------------------------------------- text

def _text_of(el: Any, out: list[str]) -> None:
    """Visible text of a paragraph or run container, with tracked
    insertions kept and deletions dropped."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _W + "t":
            out.append(child.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            out.append(" ")
        elif tag in (_W + "br", _W + "cr"):
            out.append("\n")
        elif tag == _W + "noBreakHyphen":
            out.append("-")
        elif tag == _W + "sym":
            out.append("")
        else:
            _text_of(child, out)


def _para_text(p: Any) -> str:
    out: list[str] = []
    _text_of(p, out)
    return "".join(out)


class _DocxReader:
    def __init__(self, builder: DocumentBuilder, headings: dict[str, int], numbering: _Numbering) -> None:
        self.b = builder
        self.headings = headings
        self.numbering = numbering
        self.par_index = 0
        self.table_index = 0

    def body(self, body: Any) -> None:
        for child in body:
            self._body_child(child, nested_in=None)

    def _body_child(self, child: Any, nested_in: dict[str, Any] | None) -> None:
        tag = child.tag
        if tag == _W + "p":
            idx = self.par_index
            if nested_in is None:
                self.par_index += 1
            self._paragraph(child, make_loc(paragraph=idx) if nested_in is None else dict(nested_in))
        elif tag == _W + "tbl":
            if nested_in is None:
                t = self.table_index
                self.table_index += 1
                self._table(child, {"table": t})
            else:
                self._table(child, dict(nested_in))
        elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"):
            for sub in child:
                self._body_child(sub, nested_in)
        elif tag == _W + "ins":  # a tracked insertion of whole paragraphs/tables
            for sub in child:
                self._body_child(sub, nested_in)

    def _paragraph_label(self, p: Any) -> tuple[str, int | None]:
        ppr = p.find(_W + "pPr")
        level = None
        number = ""
        if ppr is not None:
            style = _attr(ppr, "pStyle")
            if style and style in self.headings:
                level = self.headings[style]
            lvl = _attr(ppr, "outlineLvl")
            if level is None and lvl and lvl.isdigit() and _small_int(lvl, 99) < 9:
                level = _small_int(lvl, 99) + 1
            numpr = ppr.find(_W + "numPr")
            if numpr is not None:
                num_id = _attr(numpr, "numId") or ""
                ilvl = _attr(numpr, "ilvl")
                if num_id and num_id != "0":
                    number = self.numbering.text(num_id, _small_int(ilvl, 0, 9))
        return number, level

    def _paragraph(self, p: Any, loc: dict[str, Any]) -> None:
        number, level = self._paragraph_label(p)
        text = _para_text(p)
        if not text.strip():
            return
        text = (number + text).strip()
        if level is not None:
            self.b.heading(text.replace("\n", " "), loc, level=level, style="docx")
            return
        from budgetlint.plugins.loaders.text import looks_like_heading

        for line in [s.strip() for s in text.split("\n") if s.strip()]:
            if looks_like_heading(line, parse_numbering(line)):
                self.b.heading(line, loc)
            else:
                self.b.paragraph(line, loc)

    # ---------------------------------------------------------------- tables
    @staticmethod
    def _rows(tbl: Any) -> list[Any]:
        return [tr for tr in tbl.iterchildren(_W + "tr")] + [
            tr for sdt in tbl.iterchildren(_W + "sdt") for tr in sdt.iter(_W + "tr")]

    @staticmethod
    def _cells(tr: Any) -> list[Any]:
        out = []
        for child in tr:
            if child.tag == _W + "tc":
                out.append(child)
            elif child.tag in (_W + "sdt", _W + "customXml"):
                out.extend(child.iter(_W + "tc"))
        return out

    def _is_wrapper(self, tbl: Any) -> bool:
        """A layout table: its cells hold tables and hardly any text of their
        own (a frame around the real table)."""
        has_nested = False
        for tr in self._rows(tbl):
            for tc in self._cells(tr):
                if tc.find(_W + "tbl") is not None:
                    has_nested = True
                    own = "".join(_para_text(p) for p in tc.iterchildren(_W + "p")).strip()
                    if len(own) > 40:
                        return False
        return has_nested

    def _table(self, tbl: Any, base: dict[str, Any]) -> None:
        if self._is_wrapper(tbl):
            nested_no = 0
            for tr in self._rows(tbl):
                for tc in self._cells(tr):
                    for child in tc:
                        if child.tag == _W + "tbl":
                            self._body_child(child, {**base, "nested": base.get("nested", []) + [nested_no]})
                            nested_no += 1
                        elif child.tag == _W + "p":
                            self._paragraph(child, dict(base))
            return
        rows: list[list[dict[str, Any]]] = []
        origin: dict[int, dict[str, Any]] = {}  # grid column → cell that a vMerge continues
        grid_cols = len(tbl.findall(f"{_W}tblGrid/{_W}gridCol"))
        # Word tables have at most 63 columns; the declared grid may be missing
        width = max(grid_cols, max((len(self._cells(tr)) for tr in self._rows(tbl)), default=0), 64)
        for r, tr in enumerate(self._rows(tbl)):
            trpr = tr.find(_W + "trPr")
            col = min(_small_int(_attr(trpr, "gridBefore"), 0), width)
            row: list[dict[str, Any]] = []
            for tc in self._cells(tr):
                tcpr = tc.find(_W + "tcPr")
                # a span never reaches past the table's grid (gridSpan=1000000000000 in a hostile file)
                span = max(1, min(_small_int(_attr(tcpr, "gridSpan"), 1), width - col))
                vm = tcpr.find(_W + "vMerge") if tcpr is not None else None
                if vm is not None and vm.get(_W + "val") in (None, "continue") and col in origin:
                    top = origin[col]
                    top["rowspan"] = top.get("rowspan", 1) + 1
                    col += span
                    continue
                cell = make_cell(self._cell_text(tc), {**base, "row": r, "col": col}, colspan=span)
                cell["col"] = col
                row.append(cell)
                for k in range(col, col + span):
                    if vm is not None:
                        origin[k] = cell
                    else:
                        origin.pop(k, None)
                col += span
            rows.append(row)
        if any(rows):
            self.b.table(rows, dict(base), source_shape="docx")

    def _cell_text(self, tc: Any) -> str:
        lines: list[str] = []
        for child in tc:
            if child.tag == _W + "p":
                number, _ = self._paragraph_label(child)
                t = (number + _para_text(child)).strip()
                if t:
                    lines.append(t)
            elif child.tag == _W + "tbl":  # a nested table inside a data cell: its rows as lines
                for tr in self._rows(child):
                    parts = [self._cell_text(c) for c in self._cells(tr)]
                    line = " ".join(p.replace("\n", " ") for p in parts if p)
                    if line:
                        lines.append(line)
            elif child.tag in (_W + "sdt", _W + "customXml", _W + "ins"):
                t = _para_text(child).strip()
                if t:
                    lines.append(t)
        return "\n".join(lines)


def load_docx(data: bytes, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Loader entry point for ``.docx``."""
    from budgetlint.core.loading import check_zip

    zf = check_zip(data, path, options or {})
    root = _read_xml(zf, "word/document.xml", path, required=True, options=options)
    body = root.find(_W + "body")
    if body is None:
        raise InputError("word/document.xml has no body", culprit=path, fix="re-save the file from Word/WPS")
    headings = _heading_levels(_read_xml(zf, "word/styles.xml", path, options=options))
    numbering = _Numbering(_read_xml(zf, "word/numbering.xml", path, options=options))
    doc = new_document(path, "docx", data)
    _DocxReader(DocumentBuilder(doc), headings, numbering).body(body)
    return doc


def register(registry) -> None:
    registry.add_loader("docx", [".docx", ".docm"], "budgetlint.plugins.loaders.docx:load_docx",
                        "Word .docx (body order, merged cells, tracked changes accepted)")
