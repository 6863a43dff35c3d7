"""PDF loader: published 部门决算 / 绩效自评 disclosures as they really are.

Text comes from pypdfium2 character by character with its box (full recall
on Chinese text, about a millisecond a page); tables are rebuilt from the
page's rulings (``pdf_grid``) and each character goes to the cell its centre
falls in, so a 科目名称 wrapped over several lines stays one cell.  Text
outside tables becomes headings and paragraphs in reading order: lines of one
paragraph are joined (also across a page break), while short lines such as a
table title or ``单位：万元`` stay separate paragraphs for the captions
recognizer.  A table continued on the next page (with its header repeated or
not) is joined into one table.

Every block and cell gets ``loc = {"page": n, "bbox": [x0, top, x1, bottom]}``
in points, origin at the top-left of the page as displayed (rotation
applied), so a finding can say “第12页，公开05表，20199 行”.
"""
from __future__ import annotations

import math
import re
import struct
from bisect import bisect_left, bisect_right
from operator import itemgetter
from typing import Any

from budgetlint.core.document import (DocumentBuilder, add_reading_note, make_cell, make_loc, new_document,
                                      parse_numbering)
from budgetlint.core.errors import InputError, LimitExceededError

# A line ending like this ends its paragraph even if it fills the line.
_PARA_END = tuple("。！？!?…")
_PAGE_NUMBER = re.compile(r"^[-–—－\s第]*\d{1,4}\s*(页|/\s*\d{1,4})?[-–—－\s]*$")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


#: One printed character in display coordinates (points, top-left origin):
#: ``(ch, x0, top, x1, bottom, size)``.  A plain tuple, not an object: a
#: budget report has tens of thousands of characters, and building a tuple
#: costs a sixth of an instance's ``__init__`` while reading a field by index
#: costs what reading a slot does.  Indices: CH, X0, TOP, X1, BOTTOM, SIZE.
Char = tuple[str, float, float, float, float, float]
CH, X0, TOP, X1, BOTTOM, SIZE = range(6)


class Line:
    """A run of characters on one baseline without a wide gap."""

    __slots__ = ("chars", "x0", "top", "x1", "bottom", "size", "text", "alone", "page", "centre")

    def __init__(self, chars: list[Char], page: int) -> None:
        self.chars = chars
        self.page = page
        _, x0s, tops, x1s, bottoms, sizes = zip(*chars)  # columns of the characters (never whitespace)
        self.x0 = min(x0s)
        self.x1 = max(x1s)
        self.top = min(tops)
        self.bottom = max(bottoms)
        sizes = sorted(sizes)
        self.size = sizes[len(sizes) // 2] if sizes else 0.0
        self.text = _chars_text(chars)
        self.alone = True
        self.centre = 0.0  # the page's horizontal centre, set by the page reader

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


def _bbox(x0: float, top: float, x1: float, bottom: float) -> list[float]:
    return [round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)]


def _chars_text(chars: list[Char]) -> str:
    """Text of characters on one line: a space only where the PDF has one or
    where a visible gap separates two Latin words/numbers."""
    plain = "".join([c[0] for c in chars])
    if not _GAP_MATTERS(plain):
        return plain.strip()  # no space and nothing a gap could separate: the characters as they are
    if not _SPACE(plain):
        # no gap wider than 0.15 of the smallest size: no space goes in (most
        # amounts and runs of text, set tight)
        bound = 0.15 * max(min([c[5] for c in chars]), 1.0)
        if all([c[1] - p[3] <= bound for p, c in zip(chars, chars[1:])]):
            return plain.strip()
    out: list[str] = []
    append = out.append
    word = _ASCII_WORD.match
    prev: Char | None = None
    for c in chars:
        ch = c[0]
        if ch.isspace():
            if out and out[-1] != " ":
                append(" ")
            prev = c
            continue
        if prev is not None and word(ch) and not prev[0].isspace() and out and out[-1] != " ":
            # the gap matters only before a Latin letter or digit
            gap = c[1] - prev[3]
            size = max(c[5], 1.0)
            # also after ASCII punctuation: "2. 2024年度…" must not become "2.2024年度…"
            if (prev[0] in ".,;:)" and gap > 0.15 * size) or (gap > 0.3 * size and word(prev[0])):
                append(" ")
        append(ch)
        prev = c
    return "".join(out).strip()


# a space (``\s`` is ``str.isspace``) or a Latin letter/digit: only then does _chars_text look at gaps
_GAP_MATTERS = re.compile(r"[\sA-Za-z0-9]").search
_SPACE = re.compile(r"\s").search


def _group_lines(chars: list[Char]) -> list[list[Char]]:
    """Cluster characters into visual lines (by vertical centre), each sorted
    left to right."""
    if len(chars) <= 1:
        return [list(chars)] if chars else []
    lines: list[list[Char]] = []
    # called for every table cell: centres computed once, no property calls,
    # a stable sort of indices by centre (ties in reading order of the input)
    cys = [(c[2] + c[4]) / 2 for c in chars]
    # one line for certain (most table cells: an amount, a short label):
    # every centre lies within the spread of the others, under the join
    # threshold of the least tall character (with a margin for rounding)
    spread = max(cys) - min(cys)
    if spread == 0.0 or spread * 1.001 < 0.45 * max(min([c[4] - c[2] for c in chars]), 1.0):
        # the order of the loop below: left to right, then by centre, then as
        # read — the order read when the characters already run left to right
        if all([a[1] < b[1] for a, b in zip(chars, chars[1:])]):
            return [list(chars)]
        order = sorted(range(len(chars)), key=lambda k: (chars[k][1], cys[k]))
        return [[chars[k] for k in order]]
    centre = height = 0.0
    line: list[Char] = []
    for k in sorted(range(len(chars)), key=cys.__getitem__):
        c = chars[k]
        cy = cys[k]
        h = c[4] - c[2]
        if h < 1.0:
            h = 1.0
        if line and abs(cy - centre) <= 0.45 * (h if h < height else height):
            line.append(c)
            centre += (cy - centre) / len(line)
        else:
            line = [c]
            lines.append(line)
            centre, height = cy, h
    for ln in lines:
        ln.sort(key=_X0)
    return lines


_X0 = itemgetter(X0)


def _split_gaps(chars: list[Char]) -> list[list[Char]]:
    """Split a visual line where a wide gap separates two texts (``编制单位：…
    单位：万元`` on one line)."""
    out = [[chars[0]]]
    line = out[0]
    prev = chars[0]
    for c in chars[1:]:
        gap = c[1] - prev[3]
        # a size is at least 4: a gap up to 12 never splits
        if gap > 12.0 and gap > 3.0 * max(c[5], prev[5], 4.0) and not c[0].isspace():
            line = [c]
            out.append(line)
        else:
            line.append(c)
        prev = c
    return out


#: Most characters read from one page: a dense A4 page of a 决算 table holds a
#: few thousand; a hostile page of 100,000 would take the layout analysis minutes.
MAX_PAGE_CHARS = 20_000


def _page_chars(page: Any, to_display: Any, cut: list[int] | None = None) -> list[Char]:
    """Every printed character of the page with its display box, whitespace
    left out (the layout places words by their boxes).

    The hot loop of the loader (a few hundred thousand calls into pdfium for a
    budget report), so pdfium's functions are called through lean ctypes
    prototypes (plain addresses, no argument conversion) with out-parameters
    bound once, the characters' code points come in one ``GetText`` call
    (pdfium fills it from the same character list; per-character
    ``GetUnicode`` is the fallback when the counts differ, e.g. surrogate
    pairs), and the font size and text matrix — pdfium's values of the text
    object a character belongs to — are asked once per text object."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    tp = textpage.raw
    n = pdfium_c.FPDFText_CountChars(tp)
    if n > MAX_PAGE_CHARS:
        if cut is not None:
            cut.append(n)
        n = MAX_PAGE_CHARS
    text = _page_text(pdfium_c, tp, n)
    loose_box, text_object, font_size, get_matrix, char_origin = _lean_text_api()
    # pointers as c_void_p objects and indices as ints: the lean prototypes
    # declare no argument types (see _lean_text_api)
    vp = ctypes.c_void_p
    tpa = vp(ctypes.cast(tp, vp).value)
    # out-parameters as plain buffers read with one unpack each (a ctypes
    # structure costs a descriptor call per field)
    rect = (ctypes.c_float * 4)()   # FS_RECTF: left, top, right, bottom
    origin = (ctypes.c_double * 2)()
    matrix = pdfium_c.FS_MATRIX()
    rect_p, ox_p, matrix_p = vp(ctypes.addressof(rect)), vp(ctypes.addressof(origin)), vp(ctypes.addressof(matrix))
    oy_p = vp(ctypes.addressof(origin) + ctypes.sizeof(ctypes.c_double))
    unpack_rect = _RECT.unpack_from
    # text object → (size, quarter turns, 0.15 × size, 0.85 × size): the
    # baseline offsets of its characters' line extent, computed once
    styles: dict[int, tuple[float, int, float, float]] = {}
    upright = page.get_rotation() % 360 == 0
    if upright:  # to_display inlined: (x - left, top - y)
        m_left, _, _, m_top = page.get_mediabox()
    skip = _SKIP_CHARS
    sqrt, atan2, half_pi = math.sqrt, math.atan2, math.pi / 2
    out: list[Char] = []
    append = out.append
    for i, ch in enumerate(text):
        # pdfium's generated characters (FPDFText_IsGenerated: the spaces and
        # line breaks it inserts between text objects) are all 32, 13 or 10,
        # which ``skip`` holds (with every other whitespace character): no call
        # needed to tell them apart
        if ch in skip or not loose_box(tpa, i, rect_p):
            continue
        obj = text_object(tpa, i)
        style = styles.get(obj)  # never stored for no object (None)
        if style is None:
            size = font_size(tpa, i)
            angle = 0.0
            if get_matrix(tpa, i, matrix_p):
                # the nominal size (720 in some exports) times the text matrix scale
                a, b = matrix.a, matrix.b
                size *= sqrt(abs(a * matrix.d - b * matrix.c))
                angle = atan2(b, a)
            style = (size, round(angle / half_pi) % 4, 0.15 * size, 0.85 * size)
            if obj:
                styles[obj] = style
        size, quarter, low, high = style
        left, top, right, bottom = unpack_rect(rect)
        # Glyph boxes differ in height (一 vs 国, ，): use the baseline and the
        # font size for the line extent so that a line's characters align.
        if size > 1.0 and char_origin(tpa, i, ox_p, oy_p):
            if quarter == 0:
                oy = origin[1]
                bottom, top = oy - low, oy + high
            elif quarter == 1:
                ox = origin[0]
                left, right = ox - high, ox + low
            elif quarter == 2:
                oy = origin[1]
                bottom, top = oy - high, oy + low
            else:
                ox = origin[0]
                left, right = ox - low, ox + high
        if upright:
            ax, ay, bx, by = left - m_left, m_top - top, right - m_left, m_top - bottom
        else:
            (ax, ay), (bx, by) = to_display(left, top), to_display(right, bottom)
        if ax > bx:
            ax, bx = bx, ax
        if ay > by:
            ay, by = by, ay
        append((ch, ax, ay, bx, by, size))
    textpage.close()
    return out


_LEAN: tuple[Any, ...] | None = None


def _lean_text_api() -> tuple[Any, ...]:
    """pdfium's per-character text functions as ctypes prototypes that
    declare only their result type: called with pointers already wrapped as
    ``c_void_p`` objects and the character index as a plain int (which ctypes
    passes as a C ``int``, the parameter's type), a call skips the per-argument
    conversion of declared ``argtypes`` — about half the cost of pypdfium2's
    checked bindings, which matters at three calls per character."""
    global _LEAN
    if _LEAN is None:
        import ctypes
        import sys

        import pypdfium2.raw as pdfium_c

        # pdfium's FPDF_CALLCONV: stdcall on 32-bit Windows, the C convention elsewhere
        proto = ctypes.WINFUNCTYPE if sys.platform == "win32" else ctypes.CFUNCTYPE
        vp = ctypes.c_void_p

        def lean(fn: Any, restype: Any) -> Any:
            return proto(restype)(ctypes.cast(fn, vp).value)

        # (text page, index, FS_RECTF*), (text page, index) -> object, (text page, index) -> size,
        # (text page, index, FS_MATRIX*), (text page, index, double* x, double* y)
        _LEAN = (lean(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int),
                 lean(pdfium_c.FPDFText_GetTextObject, vp),
                 lean(pdfium_c.FPDFText_GetFontSize, ctypes.c_double),
                 lean(pdfium_c.FPDFText_GetMatrix, ctypes.c_int),
                 lean(pdfium_c.FPDFText_GetCharOrigin, ctypes.c_int))
    return _LEAN


_RECT = struct.Struct("4f")
#: Characters never read: NUL, STX, pdfium's non-characters, and every
#: whitespace character (``str.isspace``, tested) — the layout places words
#: by their boxes, so spaces are never needed.
_SKIP_CHARS = frozenset("\x00\x02\ufffe\uffff\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
                        "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                        "\u2028\u2029\u202f\u205f\u3000")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _page_text(pdfium_c: Any, tp: Any, n: int) -> str:
    """The page's ``n`` characters, one per index, in one call when the
    UTF-16 text has exactly one unit per character; else character by
    character, a code point that is none (above U+10FFFF) as NUL, which is
    skipped."""
    import ctypes

    if n > 0:
        buf = ctypes.create_string_buffer((n + 1) * 2)
        written = pdfium_c.FPDFText_GetText(tp, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
        if written == n + 1:  # n units and the terminating NUL
            text = buf.raw[: n * 2].decode("utf-16-le", "surrogatepass")
            if not _SURROGATE.search(text):
                return text
    get_unicode = pdfium_c.FPDFText_GetUnicode
    return "".join([chr(u) if u < 0x110000 else "\x00" for u in (get_unicode(tp, i) for i in range(n))])


def _display_transform(page: Any) -> tuple[Any, float, float]:
    """A function mapping PDF user space to display space (points, origin
    top-left, /Rotate applied), and the displayed width and height."""
    left, bottom, right, top = page.get_mediabox()
    w, h = right - left, top - bottom
    rot = page.get_rotation() % 360
    if rot == 90:
        return (lambda x, y: (y - bottom, x - left)), h, w
    if rot == 180:
        return (lambda x, y: (right - x, y - bottom)), w, h
    if rot == 270:
        return (lambda x, y: (top - y, right - x)), h, w
    return (lambda x, y: (x - left, top - y)), w, h


# --------------------------------------------------------------- tables

class TableFrag:
    """A table found on one page, before continuation tables are joined."""

    def __init__(self, rows: list[list[dict[str, Any]]], xs: list[float], page: int, bbox: list[float],
                 wrapped: set[int] | None = None) -> None:
        self.rows = rows
        self.xs = xs
        self.pages = [page]
        self.page = page
        self.bbox = bbox
        self.top = bbox[1]
        #: columns of the last row whose last text line runs to the cell's right edge (text that wraps on)
        self.wrapped = wrapped or set()


def _table_rows(grid: Any, page_no: int, wrapped: set[int] | None = None) -> list[list[dict[str, Any]]]:
    """Cells of a grid as rows; grid lines that start no cell (a ruling drawn
    in part of a header only) are folded into the spans.  ``wrapped`` gets
    the columns of the last row whose last line fills the cell's width."""
    row_starts = sorted({r.r0 for r in grid.regions})
    col_starts = sorted({r.c0 for r in grid.regions})
    row_index = {r: i for i, r in enumerate(row_starts)}
    col_index = {c: i for i, c in enumerate(col_starts)}
    rows: list[list[dict[str, Any]]] = [[] for _ in row_starts]
    last_row = row_starts[-1] if row_starts else None
    xs = grid.xs
    # every cell's box is on the grid lines: each rounded once
    rxs, rys = [round(x, 1) for x in grid.xs], [round(y, 1) for y in grid.ys]
    for reg in grid.regions:
        r0, c0, r1, c1 = reg.r0, reg.c0, reg.r1, reg.c1
        if reg.chars:
            lines = _group_lines(reg.chars)
            if wrapped is not None and r0 == last_row:
                end = lines[-1][-1]
                if xs[c1 + 1] - end[X1] < 2.5 * max(end[SIZE], 1.0):  # no room left for another character
                    wrapped.add(col_index[c0])
            text = _chars_text(lines[0]) if len(lines) == 1 else "\n".join([_chars_text(ln) for ln in lines])
        else:
            text = ""
        # starts within [r0, r1] of the sorted, unique starts (a single grid cell: one of each)
        rowspan = 1 if r0 == r1 else bisect_right(row_starts, r1) - bisect_left(row_starts, r0)
        colspan = 1 if c0 == c1 else bisect_right(col_starts, c1) - bisect_left(col_starts, c0)
        loc = {"page": page_no, "bbox": [rxs[c0], rys[r0], rxs[c1 + 1], rys[r1 + 1]]}
        cell = make_cell(text, loc, rowspan=rowspan, colspan=colspan)
        cell["col"] = col_index[c0]
        rows[row_index[r0]].append(cell)
    for row in rows:
        row.sort(key=_COL)
    return rows


_COL = itemgetter("col")


def _col_edges(grid: Any) -> list[float]:
    starts = sorted({r.c0 for r in grid.regions})
    return [grid.xs[c] for c in starts] + [grid.xs[-1]]


def _same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 4.0 for x, y in zip(a, b))


def _row_texts(row: list[dict[str, Any]]) -> list[str]:
    return [c["text"] for c in row]


# --------------------------------------------------------------- loader

def _open(data: bytes, path: str, options: dict[str, Any]) -> Any:
    import pypdfium2 as pdfium

    if b"%PDF-" not in data[:1024]:
        raise InputError("not a PDF file (no %PDF header)", culprit=path,
                         fix="check that the file really is a PDF and was downloaded completely")
    try:
        pdf = pdfium.PdfDocument(data, password=options.get("pdf_password"))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == 4:
            raise InputError("PDF is encrypted (password required)", culprit=path,
                             fix="save an unprotected copy of the PDF, or give the original document") from exc
        raise InputError(f"corrupt PDF that cannot be opened ({exc})", culprit=path,
                         fix="download or export the PDF again") from exc
    if b"%%EOF" not in data[-2048:]:
        pdf.close()
        raise InputError("truncated PDF (no %%EOF marker at the end of the file)", culprit=path,
                         fix="download or export the PDF again")
    return pdf


def load_pdf(data: bytes, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Loader entry point for ``.pdf``."""
    import pypdfium2 as pdfium

    options = options or {}
    pdf = _open(data, path, options)
    try:
        n_pages = len(pdf)
        max_pages = int(options.get("max_pages", 800))
        if n_pages > max_pages:
            raise LimitExceededError(f"PDF has {n_pages} pages, above the limit of {max_pages}", culprit=path,
                                     fix="raise the limit with the max_pages option if the file is genuine")
        doc = new_document(path, "pdf", data)
        items: list[Any] = []
        total_chars = 0
        image_only: list[int] = []
        for index in range(n_pages):
            cut: list[int] = []
            try:
                page = pdf[index]
            except (pdfium.PdfiumError, ValueError, OSError) as exc:
                _skip_page(doc, index + 1, exc)
                continue
            mark = len(items)
            try:
                n_chars, has_images = _read_page(page, index + 1, items, cut)
            except (pdfium.PdfiumError, ValueError, OSError, ArithmeticError, IndexError) as exc:
                del items[mark:]  # one bad page is skipped, the others are read
                _skip_page(doc, index + 1, exc)
                continue
            finally:
                page.close()
            if cut:
                add_reading_note(doc, f"第{index + 1}页有{cut[0]}个字符，只读取前{MAX_PAGE_CHARS}个 "
                                      f"(page {index + 1} has {cut[0]} characters; only the first "
                                      f"{MAX_PAGE_CHARS} are read)", make_loc(page=index + 1), kind="limit")
            total_chars += n_chars
            if n_chars == 0 and has_images:
                image_only.append(index + 1)
    finally:
        pdf.close()
    if total_chars == 0:
        raise InputError("扫描件，无文字层 (scanned PDF without a text layer)", culprit=path,
                         fix="cannot be checked: give the original DOCX/XLSX or a PDF exported with text (OCR it first)")
    doc["source"]["pages"] = n_pages
    if image_only:
        doc["source"]["pages_without_text"] = image_only
    _emit(items, DocumentBuilder(doc))
    return doc


def _skip_page(doc: dict[str, Any], page_no: int, exc: Exception) -> None:
    add_reading_note(doc, f"第{page_no}页无法读取，已跳过 (page {page_no} could not be read and was skipped: "
                          f"{type(exc).__name__})", make_loc(page=page_no), kind="page")


def _read_page(page: Any, page_no: int, items: list[Any], cut: list[int] | None = None) -> tuple[int, bool]:
    """Append this page's lines and table fragments to ``items`` in reading
    order; return the number of characters and whether it holds images."""
    import pypdfium2.raw as pdfium_c

    from budgetlint.plugins.loaders.pdf_grid import find_grids, page_rulings

    to_display, width, height = _display_transform(page)
    chars = _page_chars(page, to_display, cut)
    n_chars = len(chars)
    has_images = False
    if n_chars == 0:
        has_images = any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    hs, vs = page_rulings(page, to_display)
    grids = find_grids(hs, vs) if hs and vs else []
    free: list[Char] = []
    if grids:
        # Grid.contains and Grid.region_at inlined (once per character)
        boxes = [(g.xs[0] - 1.0, g.xs[-1] + 1.0, g.ys[0] - 1.0, g.ys[-1] + 1.0,
                  (g.xs, g.ys, len(g.xs) - 2, len(g.ys) - 2, g.owner, g.regions)) for g in grids]
        if len(boxes) == 1:  # most pages: one table, no loop over tables per character
            x_lo, x_hi, y_lo, y_hi, (xs, ys, last_c, last_r, owner, regions) = boxes[0]
            for c in chars:
                cx, cy = (c[1] + c[3]) / 2, (c[2] + c[4]) / 2
                if x_lo <= cx <= x_hi and y_lo <= cy <= y_hi:
                    col = bisect_right(xs, cx) - 1
                    row = bisect_right(ys, cy) - 1
                    col = 0 if col < 0 else last_c if col > last_c else col
                    row = 0 if row < 0 else last_r if row > last_r else row
                    regions[owner[row][col]].chars.append(c)
                else:
                    free.append(c)
        else:
            for c in chars:
                cx, cy = (c[1] + c[3]) / 2, (c[2] + c[4]) / 2
                for x_lo, x_hi, y_lo, y_hi, inside in boxes:
                    if x_lo <= cx <= x_hi and y_lo <= cy <= y_hi:
                        xs, ys, last_c, last_r, owner, regions = inside
                        col = bisect_right(xs, cx) - 1
                        row = bisect_right(ys, cy) - 1
                        col = 0 if col < 0 else last_c if col > last_c else col
                        row = 0 if row < 0 else last_r if row > last_r else row
                        regions[owner[row][col]].chars.append(c)
                        break
                else:
                    free.append(c)
    else:
        free = chars
    page_items: list[tuple[float, float, Any]] = []
    for g in grids:
        wrapped: set[int] = set()
        rows = _table_rows(g, page_no, wrapped)
        if not rows:
            continue
        x0, top, x1, bottom = g.bbox
        frag = TableFrag(rows, _col_edges(g), page_no, _bbox(x0, top, x1, bottom), wrapped)
        page_items.append((top, x0, frag))
    for chars_of_line in _group_lines(free):
        segments = _split_gaps(chars_of_line)
        lines = [Line(seg, page_no) for seg in segments]
        for ln in lines:
            ln.alone = len(lines) == 1
            ln.centre = width / 2
            if not ln.text:
                continue
            in_margin = ln.bottom < 0.08 * height or ln.top > 0.92 * height
            if in_margin and _PAGE_NUMBER.match(ln.text):
                continue  # running page number
            page_items.append((ln.top, ln.x0, ln))
    page_items.sort(key=lambda t: (t[0], t[1]))
    lines_here = [it for _, _, it in page_items if isinstance(it, Line)]
    if lines_here:
        left = min(ln.x0 for ln in lines_here)
        right = max(ln.x1 for ln in lines_here)
        items.append(("margins", page_no, left, right))
    for _, _, it in page_items:
        items.append(it)
    return n_chars, has_images


def _emit(items: list[Any], b: DocumentBuilder) -> None:
    """Join paragraphs and continued tables, then build the blocks."""
    from budgetlint.plugins.loaders.text import looks_like_heading

    margins: dict[int, tuple[float, float]] = {}
    body_sizes = sorted(it.size for it in items if isinstance(it, Line) and len(it.text) > 20)
    body = body_sizes[len(body_sizes) // 2] if body_sizes else 10.5
    merged: list[Any] = []  # Lines grouped into paragraphs (lists) and TableFrags
    for it in items:
        if isinstance(it, tuple):
            margins[it[1]] = (it[2], it[3])
            continue
        prev = merged[-1] if merged else None
        if isinstance(it, TableFrag):
            if isinstance(prev, TableFrag) and prev.pages[-1] == it.page - 1 and _same_columns(prev.xs, it.xs):
                _join_tables(prev, it)
                continue
            merged.append(it)
            continue
        if isinstance(prev, list) and _continues(prev[-1], it, margins, body):
            prev.append(it)
        else:
            merged.append([it])
    for m in merged:
        if isinstance(m, TableFrag):
            loc = make_loc(page=m.page, bbox=m.bbox, pages=m.pages if len(m.pages) > 1 else None)
            b.table(m.rows, loc, source_shape="pdf_ruled")
            continue
        first, last = m[0], m[-1]
        text = "".join(_join_piece(prev.text if i else "", ln.text) for i, (prev, ln) in
                       enumerate(zip([m[0]] + m[:-1], m)))
        same_page = [ln for ln in m if ln.page == first.page]
        loc = make_loc(page=first.page, bbox=_bbox(min(ln.x0 for ln in same_page), first.top,
                                                   max(ln.x1 for ln in same_page), same_page[-1].bottom),
                       end_page=last.page if last.page != first.page else None)
        numbering = parse_numbering(text)
        large = first.size >= 1.2 * body and len(text) <= 40 and not text.endswith("表") \
            and not re.search(r"[。；;，,]", text)
        if looks_like_heading(text, numbering):
            b.heading(text, loc)
        elif large and len(m) == 1:
            b.heading(text, loc, level=numbering["level"] if numbering else 1)
        else:
            b.paragraph(text, loc)


def _join_piece(prev_text: str, text: str) -> str:
    if prev_text and prev_text[-1:].isascii() and prev_text[-1:].isalnum() and text[:1].isascii() and text[:1].isalnum():
        return " " + text
    return text


def _continues(prev: Line, ln: Line, margins: dict[int, tuple[float, float]], body: float) -> bool:
    """Does line ``ln`` continue the paragraph whose last line is ``prev``?

    A wrapped line reached the right margin, the next starts at the left
    margin (a new paragraph is indented or numbered) in the same font size;
    on the same page it also follows closely."""
    if not (prev.alone and ln.alone):
        return False
    if prev.text.endswith(_PARA_END) or parse_numbering(ln.text):
        return False
    if abs(prev.size - ln.size) > 0.15 * max(prev.size, ln.size, 1.0):
        return False
    pl, pr = margins.get(prev.page, (prev.x0, prev.x1))
    if ln.page == prev.page and ln.top - prev.bottom <= 0.9 * prev.height and _centred(prev) and _centred(ln) \
            and (prev.size >= 1.2 * body or prev.x1 - prev.x0 >= 0.75 * (pr - pl)):
        return True  # a title wrapped over two centred lines
    pl, pr = margins.get(prev.page, (prev.x0, prev.x1))
    nl, _ = margins.get(ln.page, (ln.x0, ln.x1))
    size = max(prev.size, 4.0)
    if prev.x1 < pr - 4.0 * size:
        return False  # the previous line stopped short: paragraph end (wrapping leaves up to ~3 chars)
    if ln.x0 > nl + 1.0 * size:
        return False  # indented: a new paragraph
    if ln.page == prev.page:
        return ln.top - prev.bottom <= 1.5 * prev.height
    return ln.page == prev.page + 1


def _centred(ln: Line) -> bool:
    return abs((ln.x0 + ln.x1) / 2 - ln.centre) <= max(ln.size, 6.0)


def _join_tables(prev: TableFrag, frag: TableFrag) -> None:
    """Append a continuation fragment: drop a repeated header and rows that
    are entirely empty (a border row spilled onto the next page)."""
    rows = frag.rows
    k = 0
    while k < len(rows) and k < len(prev.rows) and _row_texts(rows[k]) == _row_texts(prev.rows[k]) \
            and any(_row_texts(rows[k])):
        k += 1
    rows = rows[k:]
    while rows and not any(c["text"] for c in rows[0]):
        rows = rows[1:]  # the bottom border row of the previous page spilled over
    if not any(c["text"] for r in rows for c in r):
        rows = []
    if rows and prev.rows and _split_row(prev.rows[-1], rows[0], prev.wrapped):
        _merge_split_row(prev.rows[-1], rows[0], rows[1] if len(rows) > 1 else None)
        rows = rows[1:]
    prev.rows.extend(rows)
    prev.pages.append(frag.page)
    prev.wrapped = frag.wrapped


_FIGURES = ("number", "percent")


def _split_row(last: list[dict[str, Any]], first: list[dict[str, Any]], wrapped: set[int]) -> bool:
    """Is the first row of a continuation page the rest of the previous
    page's last row, cut by the page break (a long 指标 name or 评分标准 that
    did not fit)?  Only when all its text continues cells that the last row
    has, each of those cells' text runs to the cell's right edge on the
    previous page (``wrapped``: the line went on), it prints none of the
    figures the last row has (指标值, 分值, 金额), and a continued cell was cut
    mid-sentence.  A row of its own — a 决算 row whose amounts are blank —
    starts its label in a cell whose text above ended short of the edge."""
    before = {c["col"]: c for c in last}
    texts = [c for c in first if c["text"]]
    if not texts or any(not before.get(c["col"], {}).get("text") or c["col"] not in wrapped for c in texts):
        return False
    starts = {c["col"] for c in texts}
    figures = [col for col, c in before.items() if (c.get("value") or {}).get("kind") in _FIGURES]
    if not figures or any(col in starts for col in figures):
        return False
    return any(not re.search(r"[。；;！!？?）)]$", before[c["col"]]["text"]) for c in texts)


def _merge_split_row(last: list[dict[str, Any]], first: list[dict[str, Any]],
                     after: list[dict[str, Any]] | None) -> None:
    """Append the continued text to the cells it continues (each cell
    parsed again, its box now the part on the first page); a cell that spans
    further rows (an empty 一级 label) is handed on to the row below."""
    before = {c["col"]: c for c in last}
    for c in first:
        if c["text"]:
            cell = before[c["col"]]
            raw = cell.get("raw", cell["text"]) + "\n" + c.get("raw", c["text"])
            merged = make_cell(raw, cell["loc"], rowspan=cell.get("rowspan", 1), colspan=cell.get("colspan", 1))
            merged["col"] = cell["col"]
            cell.clear()
            cell.update(merged)
        elif c.get("rowspan", 1) > 1 and after is not None:
            if c["rowspan"] > 2:
                c["rowspan"] -= 1
            else:
                del c["rowspan"]
            after.append(c)
            after.sort(key=lambda x: x["col"])


def register(registry) -> None:
    registry.add_loader("pdf", [".pdf"], "budgetlint.plugins.loaders.pdf:load_pdf",
                        "PDF with a text layer (ruled tables rebuilt from the page's lines)")
