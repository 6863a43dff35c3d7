"""XLSX loader: each sheet becomes a heading (the sheet name) followed by its
tables and loose lines.

Why openpyxl's normal mode: read-only mode does not expose merged ranges,
and merged header cells are the whole structure of a 决算表 or 自评表.

Why we format numbers ourselves: a cell shows what its number format makes
of the stored value (0.98 with ``0%`` reads "98%", 1049.466 with
``#,##0.00`` reads "1,049.47"), and checks must see what the reader saw.
The stored float is turned into a ``Decimal`` through its shortest repr and
rounded half-up to the format's decimals, so no float artefacts (0.1+0.2)
ever reach a money cell.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from budgetlint.core.document import (DocumentBuilder, add_reading_note, make_cell, make_loc, new_document,
                                      parse_numbering)
from budgetlint.core.errors import BudgetlintError, InputError

_BRACKETS = re.compile(r"\[[^\]]*\]")
_QUOTED = re.compile(r'"([^"]*)"')
_DATE_CODES = re.compile(r"[ymdhs]", re.I)


def _to_decimal(value: int | float) -> Decimal:
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(format(value, ".15g"))


def _plain(d: Decimal) -> str:
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def format_number(value: int | float, number_format: str | None) -> str:
    """Render a stored number the way Excel displays it with ``number_format``
    (the common cases: fixed decimals, thousands separators, percent,
    literal prefixes/suffixes, a separate negative section)."""
    d = _to_decimal(value)
    fmt = (number_format or "General").strip()
    if fmt.lower() in ("general", "", "@"):
        return _plain(d)
    sections = _split_sections(fmt)
    section = sections[0]
    negative = d < 0
    explicit_negative = False
    if negative and len(sections) > 1 and sections[1].strip():
        section = sections[1]
        d = -d
        explicit_negative = True
    elif d == 0 and len(sections) > 2 and sections[2].strip():
        section = sections[2]
    section = _BRACKETS.sub("", section)
    literals: list[str] = []

    def keep(m: re.Match[str]) -> str:
        literals.append(m.group(1))
        return f"\x00{len(literals) - 1}\x00"

    section = _QUOTED.sub(keep, section)
    section = re.sub(r"\\(.)", lambda m: keep(re.match(r"(.)", m.group(1))), section)  # type: ignore[arg-type]
    section = re.sub(r"_.", "", section)
    section = re.sub(r"\*.", "", section)
    if re.search(r"[eE][+-]|/", section) or not re.search(r"[0#?]", section):
        return ("-" if negative and not explicit_negative else "") + _plain(abs(d)) if negative else _plain(d)
    m = re.search(r"[0#?][0#?,.]*|\.[0#?]+", section)
    assert m is not None
    number_part = m.group(0)
    prefix, suffix = section[:m.start()], section[m.end():]
    percent = suffix.count("%") + prefix.count("%")
    for _ in range(percent):
        d *= 100
    int_part, _, frac_part = number_part.partition(".")
    scale = len(int_part) - len(int_part.rstrip(","))
    int_part = int_part.rstrip(",")
    for _ in range(scale):
        d /= 1000
    decimals = len(re.findall(r"[0#?]", frac_part))
    min_decimals = len(frac_part) - len(frac_part.lstrip("0")) if frac_part else 0
    grouping = "," in int_part
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) if decimals else d.quantize(
        Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    q = abs(q)
    text = f"{q:,.{decimals}f}" if grouping else f"{q:.{decimals}f}"
    if decimals > min_decimals and "." in text:  # '#' decimals are optional
        whole, frac = text.split(".")
        frac = frac.rstrip("0")
        while len(frac) < min_decimals:
            frac += "0"
        text = whole + ("." + frac if frac else "")
    if int_part and not re.search(r"0", int_part) and text.startswith("0."):
        text = text[1:]  # '#.00' shows .50
    if sign and explicit_negative:
        sign = ""

    def restore(s: str) -> str:
        return re.sub("\x00(\\d+)\x00", lambda mm: literals[int(mm.group(1))], s)

    return restore(prefix) + sign + text + restore(suffix)


def _split_sections(fmt: str) -> list[str]:
    out, buf, quoted, esc = [], [], False, False
    for ch in fmt:
        if esc:
            buf.append(ch)
            esc = False
        elif ch == "\\":
            buf.append(ch)
            esc = True
        elif ch == '"':
            quoted = not quoted
            buf.append(ch)
        elif ch == ";" and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def format_value(value: Any, number_format: str | None) -> str:
    """Display text of a cell value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value, number_format)
    if isinstance(value, Decimal):
        return format_number(float(value), number_format) if number_format else _plain(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0) or not re.search(r"[hs]", number_format or "", re.I):
            return _date_text(value.date(), number_format)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return _date_text(value, number_format)
    if isinstance(value, _dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, _dt.timedelta):
        return str(value)
    return str(value)


def _date_text(d: _dt.date, fmt: str | None) -> str:
    if fmt and "年" in fmt:
        text = f"{d.year}年{d.month}月"
        return text + (f"{d.day}日" if "d" in fmt.lower() or "日" in fmt else "")
    return d.isoformat()


def _cell_ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
#: at most this many unsaved formula cells are named one by one in the warnings
MAX_FORMULA_WARNINGS = 20


def unsaved_formulas(zf: Any) -> dict[str, dict[tuple[int, int], str]]:
    """sheet name → {(row, col): formula} for every cell that holds a formula
    but no saved value.

    Why: openpyxl's ``data_only`` mode gives such a cell the value None, as
    if it were blank — and a blank counts as zero in a sum.  A workbook
    written by a program that does not calculate (an export script, some
    converters) has only formulas; those cells must be reported as not
    evaluable at their place, not dropped."""
    from lxml import etree
    from openpyxl.utils import column_index_from_string

    # no entity expansion, no network: a hostile workbook can only fail
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        wb = etree.fromstring(zf.read("xl/workbook.xml"), parser)
        rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), parser)
    except (KeyError, etree.XMLSyntaxError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("p:Relationship", _NS)}
    out: dict[str, dict[tuple[int, int], str]] = {}
    for sh in wb.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sh.get(f"{{{_NS['r']}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        try:
            root = etree.fromstring(zf.read(part), parser)
        except (KeyError, etree.XMLSyntaxError):
            continue
        found: dict[tuple[int, int], str] = {}
        for c in root.iterfind("m:sheetData/m:row/m:c", _NS):
            f = c.find("m:f", _NS)
            if f is None:
                continue
            v = c.find("m:v", _NS)
            if v is not None and (v.text or "") != "":
                continue
            if c.get("t") == "inlineStr" and c.find("m:is", _NS) is not None:
                continue
            ref = c.get("r") or ""
            m = re.match(r"([A-Z]+)(\d+)$", ref)
            if not m:
                continue
            found[(int(m.group(2)), column_index_from_string(m.group(1)))] = "=" + (f.text or "")
        if found:
            out[sh.get("name", "")] = found
    return out


def _sheet(builder: DocumentBuilder, ws: Any, formulas: dict[tuple[int, int], str] | None = None) -> None:
    name = ws.title
    builder.heading(name, make_loc(sheet=name), level=1, style="sheet")
    # read the cells that exist (a sheet with one cell at XFD1048576 is not
    # 17 billion empty ones): openpyxl keeps them in a dict keyed (row, col)
    existing = sorted(ws._cells.items()) if hasattr(ws, "_cells") else [
        ((c.row, c.column), c) for row in ws.iter_rows() for c in row]
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    texts: dict[tuple[int, int], tuple[str, str | None]] = {}
    for (r, c), cell in existing:
        if cell.value is None or (r, c) in covered or not hasattr(cell, "number_format"):
            continue
        fmt = cell.number_format if cell.number_format and cell.number_format != "General" else None
        try:
            text = format_value(cell.value, fmt)
        except (ArithmeticError, ValueError, OverflowError):  # 1e308, inf: no amount is that large
            text = str(cell.value)
            add_reading_note(builder.doc, f"工作表“{name}”{_cell_ref(r, c)}的数值{text}超出范围，按文本读取 "
                                          f"(sheet {name}!{_cell_ref(r, c)}: value {text} out of range, read as text)",
                             make_loc(sheet=name, cell_ref=_cell_ref(r, c)), kind="value")
        if text.strip():
            texts[(r, c)] = (text, fmt)
    for (r, c), formula in (formulas or {}).items():
        if (r, c) not in texts and (r, c) not in covered:
            texts[(r, c)] = (formula, "@formula")  # shown as the formula; it has no value
    if not texts:
        return
    # rows that belong together: a row with text, or a row inside a merged area with text
    live: set[int] = {r for r, _ in texts}
    for (r, c), (rs, _) in spans.items():
        if (r, c) in texts:
            live.update(range(r, r + rs))
    regions: list[list[int]] = []
    for r in sorted(live):
        if regions and r == regions[-1][-1] + 1:
            regions[-1].append(r)
        else:
            regions.append([r])
    for region in regions:
        _region(builder, name, region, texts, spans)


def _region(builder: DocumentBuilder, sheet: str, region: list[int],
            texts: dict[tuple[int, int], tuple[str, str | None]], spans: dict[tuple[int, int], tuple[int, int]]) -> None:
    from budgetlint.plugins.loaders.text import looks_like_heading

    r0, r1 = region[0], region[-1]
    cells = {(r, c): v for (r, c), v in texts.items() if r0 <= r <= r1}
    text_cols = {c for _, c in cells}
    if len(region) < 2 or len(text_cols) < 2:
        for (r, c) in sorted(cells):
            text = cells[(r, c)][0]
            loc = make_loc(sheet=sheet, cell_ref=_cell_ref(r, c))
            for line in [s.strip() for s in text.split("\n") if s.strip()]:
                if looks_like_heading(line, parse_numbering(line)):
                    builder.heading(line, loc)
                else:
                    builder.paragraph(line, loc)
        return
    c0 = min(text_cols)
    c1 = max(c + spans.get((r, c), (1, 1))[1] - 1 for (r, c) in cells)
    for (r, c), (rs, cs) in spans.items():  # merged areas that widen the table
        if r0 <= r <= r1 and (r, c) in cells:
            c1 = max(c1, c + cs - 1)
    rows: list[list[dict[str, Any]]] = []
    by_row: dict[int, list[int]] = {}
    for (r, c) in sorted(cells):
        by_row.setdefault(r, []).append(c)
    for r in region:
        row = []
        for c in by_row.get(r, ()):
            text, fmt = cells[(r, c)]
            rs, cs = spans.get((r, c), (1, 1))
            rs = min(rs, r1 - r + 1)
            cs = min(cs, c1 - c + 1)
            formula = fmt == "@formula"
            cell = make_cell(text, make_loc(sheet=sheet, cell_ref=_cell_ref(r, c)), rowspan=rs, colspan=cs,
                             number_format=None if formula else fmt)
            if formula:  # no saved value: not a number, not a blank (which would count as zero)
                cell.pop("value", None)
                cell["formula"] = text
            cell["col"] = c - c0
            row.append(cell)
        rows.append(row)
    # rows are kept even when empty so row indexes match the sheet
    table_rows = [row if row else [] for row in rows]
    _add_table(builder, table_rows, sheet, r0, c0, r1, c1)


def _add_table(builder: DocumentBuilder, rows: list[list[dict[str, Any]]], sheet: str, r0: int, c0: int,
               r1: int, c1: int) -> None:
    # DocumentBuilder drops empty rows; an empty row inside a merged area must
    # survive so rowspans stay right, so give it a placeholder-free marker
    for row in rows:
        if not row:
            row.append({"text": "", "loc": make_loc(sheet=sheet), "col": c1 - c0 + 1, "_pad": True})
    block = builder.table(rows, make_loc(sheet=sheet, cell_ref=f"{_cell_ref(r0, c0)}:{_cell_ref(r1, c1)}"),
                          source_shape="xlsx")
    for row in block["rows"]:
        row[:] = [c for c in row if not c.pop("_pad", False)]
    block["n_cols"] = c1 - c0 + 1


_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_MERGE = re.compile(rb'(<(?:\w+:)?mergeCell\b[^>]*?\bref=")([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?(")')
#: Largest merged area kept (cells): openpyxl creates an object for every
#: covered cell, so ``A1:XFD1048576`` alone would be 17 billion of them.
MAX_MERGED_CELLS = 1_000_000


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _col_letters(n: int) -> bytes:
    out = b""
    while n:
        n, rem = divmod(n - 1, 26)
        out = bytes([65 + rem]) + out
    return out


def clip_merged_ranges(zf: Any, data: bytes, path: str, options: dict[str, Any]) -> bytes:
    """Clip every ``<mergeCell>`` of every worksheet to the sheet's real extent
    (the cells that exist) before openpyxl expands it, and drop merges once
    the sheet's merged area passes :data:`MAX_MERGED_CELLS`.  The workbook is
    rewritten only when something had to be clipped."""
    import io
    import zipfile

    from budgetlint.core.loading import read_member

    patched: dict[str, bytes] = {}
    for info in zf.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        xml = read_member(zf, info, path, options)
        if b"mergeCell" not in xml:
            continue
        max_r = max_c = 1
        for m in _CELL_REF.finditer(xml):
            max_c = max(max_c, _col_number(m.group(1)))
            max_r = max(max_r, int(m.group(2)))
        budget = [MAX_MERGED_CELLS]
        changed = [False]

        def clip(m: re.Match[bytes]) -> bytes:
            c0, r0 = _col_number(m.group(2)), int(m.group(3))
            c1 = _col_number(m.group(4)) if m.group(4) else c0
            r1 = int(m.group(5)) if m.group(5) else r0
            nc1, nr1 = min(c1, max(max_c, c0)), min(r1, max(max_r, r0))
            area = (nc1 - c0 + 1) * (nr1 - r0 + 1)
            if area > budget[0]:
                nc1, nr1, area = c0, r0, 1
            budget[0] -= area
            if (nc1, nr1) == (c1, r1):
                return m.group(0)
            changed[0] = True
            return m.group(1) + m.group(2) + m.group(3) + b":" + _col_letters(nc1) + str(nr1).encode() + m.group(6)

        new = _MERGE.sub(clip, xml)
        if changed[0]:
            patched[info.filename] = new
    if not patched:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in zf.infolist():
            dst.writestr(info.filename, patched.get(info.filename) or read_member(zf, info, path, options))
    return out.getvalue()


def load_xlsx(data: bytes, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Loader entry point for ``.xlsx``/``.xlsm``."""
    import io
    import warnings

    from budgetlint.core.loading import check_zip

    zf = check_zip(data, path, options or {})
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise InputError("no xl/workbook.xml inside the container; this is not an Excel .xlsx workbook",
                         culprit=path, fix="save the file as .xlsx from Excel/WPS (old .xls files must be converted)")
    import openpyxl

    data = getattr(zf, "budgetlint_data", data)  # zip version fields clamped by check_zip
    data = clip_merged_ranges(zf, data, path, options or {})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (KeyError, ValueError, TypeError, InvalidOperation, OSError) as exc:
        raise InputError(f"workbook cannot be read ({type(exc).__name__}: {exc})", culprit=path,
                         fix="the file is damaged; re-save it from Excel/WPS") from exc
    except BudgetlintError:  # the document's time or memory budget ran out inside openpyxl
        raise
    except Exception as exc:  # lxml/zip errors inside openpyxl
        raise InputError(f"workbook cannot be read ({type(exc).__name__}: {exc})", culprit=path,
                         fix="the file is damaged; re-save it from Excel/WPS") from exc
    doc = new_document(path, "xlsx", data)
    builder = DocumentBuilder(doc)
    formulas = unsaved_formulas(zf)
    for ws in wb.worksheets:
        _sheet(builder, ws, formulas.get(ws.title))
    cells = [(sheet, _cell_ref(r, c), f) for sheet, fs in formulas.items() for (r, c), f in sorted(fs.items())]
    if cells:
        named = "、".join(f"{sheet}!{ref}（{f}）" for sheet, ref, f in cells[:MAX_FORMULA_WARNINGS])
        more = f" 等{len(cells)}个单元格" if len(cells) > MAX_FORMULA_WARNINGS else ""
        doc["warnings"] = [f"公式没有保存计算结果，无法评估：{named}{more} — formula cell(s) without a saved value "
                           f"cannot be evaluated; open the workbook in Excel/WPS, let it calculate and save it again"]
    return doc


def register(registry) -> None:
    registry.add_loader("xlsx", [".xlsx", ".xlsm"], "budgetlint.plugins.loaders.xlsx:load_xlsx",
                        "Excel .xlsx (merged cells, number formats as displayed, one heading per sheet)")
