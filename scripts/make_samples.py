"""Generate the DOCX/XLSX/HTML samples in samples/ from the real seed texts.

Why generated: the real reports we may redistribute are text exports; the
office formats are what clerks actually upload.  The canonical documents the
text loader makes of the seeds are the source of truth for every table cell,
so ``tests/test_loaders_office.py`` can require that each office loader gives
back exactly the same tables.

Merged cells are inferred the way a clerk lays out such a form: a header
label spreads right over the empty cells beside it and down over empty cells
below it; in scorecards the label columns (一级/二级指标) also span down
their group.  Merges only ever cover cells that are empty in the text, so the
content stays identical.

Output is deterministic (fixed zip timestamps and document metadata): run
``make samples`` and ``git diff`` shows nothing unless this script or the
seeds changed.

PDF versions of seeds 002 and 004 (``samples/<seed>.pdf``) are the whole
seed — headings, paragraphs and every table with merged header cells —
rendered to DOCX (wide tables on landscape pages) and printed to PDF by
LibreOffice headless, the way a clerk's office exports its report.  The PDF
dates and document ID are fixed afterwards (same-length byte replacement, so
the xref table stays valid); the bytes still depend on the LibreOffice
version and the CJK font installed, so ``tests/test_seed_pdfs.py`` compares
findings, not bytes.  Without ``soffice`` the PDFs are skipped with a
message and the committed ones stay.

    python scripts/make_samples.py [OUTDIR]
    python scripts/make_samples.py --no-pdf [OUTDIR]
"""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = "samples/000_50578c8a95755eda.txt"
SEED_002 = "samples/002_5ce8aee0cc10826a.txt"
SEED_004 = "samples/004_4b65da696dc0427c.txt"
DOCX_NAME = "002_final_accounts_2024.docx"
XLSX_NAME = "004_scorecards_2020.xlsx"
HTML_NAME = "000_report_2020.html"
PDF_SEEDS = {SEED_002: "002_5ce8aee0cc10826a.pdf", SEED_004: "004_4b65da696dc0427c.pdf"}
PDF_TITLES = {SEED_002: "2024年度中共株洲市委政策研究室部门决算（seed 002 全文样例）",
              SEED_004: "2020年度中共株洲市石峰区委办公室部门决算（seed 004 全文样例）"}
CJK_FONT = "WenQuanYi Zen Hei"
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)

Merges = dict[tuple[int, int], tuple[int, int]]


# ------------------------------------------------------------------ sources

def text_document(rel: str) -> dict[str, Any]:
    """The canonical document of a seed, as the text loader makes it."""
    from budgetlint.plugins.loaders.text import load_text

    return load_text((ROOT / rel).read_bytes(), rel, {})


def _index(blocks: list[dict[str, Any]], text: str, start: int = 0) -> int:
    for i in range(start, len(blocks)):
        if blocks[i].get("text") == text:
            return i
    raise LookupError(f"block {text!r} not found in the seed; was the seed edited?")


def blocks_002() -> list[dict[str, Any]]:
    """Cover lines, 第二部分 (财决批复01–09 with titles, codes, units and
    notes) and the first three sections of the 情况说明."""
    blocks = text_document(SEED_002)["blocks"]
    start = _index(blocks, "第二部分")
    end = _index(blocks, "四、财政拨款收入支出决算总体情况说明", start)
    return blocks[:3] + blocks[start:end]


def sheets_004() -> list[tuple[str, list[dict[str, Any]]]]:
    """The 部门整体 scorecard and the three 项目 scorecards, each from its
    附件 line to its notes."""
    blocks = text_document(SEED_004)["blocks"]
    first = _index(blocks, "附件1")
    starts = [i for i in range(first, len(blocks)) if blocks[i].get("text") in ("附件1", "附件2")]
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(blocks)
        chunk = blocks[s:e]
        table = next(b for b in chunk if b["type"] == "table")
        out.append((_sheet_name(table, k), chunk))
    return out


def _sheet_name(table: dict[str, Any], k: int) -> str:
    for row in table["rows"]:
        texts = [c["text"] for c in row if c["text"]]
        if "专项名称" in texts and texts.index("专项名称") + 1 < len(texts):
            return ("项目-" + texts[texts.index("专项名称") + 1])[:31]
    return "部门整体" if k == 0 else f"项目{k}"


def blocks_000() -> list[dict[str, Any]]:
    """The whole of seed 000: the 自评报告 and its 自评表."""
    return text_document(SEED_000)["blocks"]


# ------------------------------------------------------------------ merges

def text_grid(table: dict[str, Any]) -> list[list[str]]:
    """Cell texts at their grid origin, '' elsewhere."""
    g = [[""] * table["n_cols"] for _ in range(table["n_rows"])]
    for row in table["rows"]:
        for c in row:
            g[c["row"]][c["col"]] = c["text"]
    return g


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?[\d,]+(\.\d+)?%?", text))


def _free_text_row(row: list[str]) -> bool:
    """A row of two or more texts and no amounts (目标 rows of a scorecard),
    whose last text may spread to the end of the row."""
    filled = [t for t in row if t]
    return len(filled) >= 2 and not any(_is_number(t) for t in filled)


def plan_merges(table: dict[str, Any], label_cols: tuple[int, ...] = ()) -> Merges:
    """Where to merge: header labels right and down over empty cells; text
    labels in ``label_cols`` down over their group; text cells of body rows
    right over empty cells when ``label_cols`` is given (scorecards)."""
    g = text_grid(table)
    n_r, n_c = len(g), len(g[0]) if g else 0
    header = table.get("header_rows", 0)
    taken: set[tuple[int, int]] = set()
    merges: Merges = {}
    for r in range(n_r):
        for c in range(n_c):
            if (r, c) in taken or not g[r][c]:
                continue
            in_header = r < header
            cs = 1
            if in_header or (label_cols and not _is_number(g[r][c])):
                while c + cs < n_c and not g[r][c + cs] and (r, c + cs) not in taken:
                    cs += 1
                if not in_header and c + cs == n_c and not _free_text_row(g[r]):
                    cs = 1  # a lone label does not swallow the empty amounts beside it
            limit = header if in_header else (n_r if c in label_cols and not _is_number(g[r][c]) else r + 1)
            rs = 1
            while (r + rs < limit and all(not g[r + rs][k] and (r + rs, k) not in taken for k in range(c, c + cs))
                   and (in_header or not any(g[r + rs][k] for k in range(c)))):
                rs += 1  # a body label's group ends where a label to its left starts a new one
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            if rs > 1 or cs > 1:
                merges[(r, c)] = (rs, cs)
    return merges


# -------------------------------------------------------------- determinism

def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and fixed core properties."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                blob = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, blob)
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, blob, compresslevel=9)
    return out.getvalue()


# -------------------------------------------------------------------- DOCX

def make_docx(blocks: list[dict[str, Any]]) -> bytes:
    from docx import Document

    d = Document()
    cp = d.core_properties
    cp.author = cp.last_modified_by = "budgetlint scripts/make_samples.py"
    cp.created = cp.modified = cp.last_printed = FIXED_TIME
    cp.revision = 1
    cp.title = "2024年度中共株洲市委政策研究室部门决算（样例，取自 seed 002）"
    for b in blocks:
        if b["type"] == "heading":
            d.add_heading(b["text"], level=min(max(b.get("level", 1), 1), 9))
        elif b["type"] == "paragraph":
            d.add_paragraph(b["text"])
        elif b["type"] == "table":
            _docx_table(d, b)
    buf = io.BytesIO()
    d.save(buf)
    return _normalise_zip(buf.getvalue())


def _docx_table(d: Any, table: dict[str, Any]) -> None:
    g = text_grid(table)
    merges = plan_merges(table)
    t = d.add_table(rows=len(g), cols=len(g[0]))
    t.style = "Table Grid"
    covered = {(r + dr, c + dc) for (r, c), (rs, cs) in merges.items()
               for dr in range(rs) for dc in range(cs)} - set(merges)
    for (r, c), (rs, cs) in merges.items():
        t.cell(r, c).merge(t.cell(r + rs - 1, c + cs - 1))
    cells = t._cells  # one lookup of the whole grid; table.cell() re-walks the table each call
    for r, row in enumerate(g):
        for c, text in enumerate(row):
            if text and (r, c) not in covered:
                cells[r * len(row) + c].text = text


# ------------------------------------------------- full DOCX for the PDFs

A4 = (21.0, 29.7)  # cm
MARGIN_CM = 1.8
TABLE_PT = 8.0
_PAD = 4.0  # cell margins, in half-width characters
_PROSE_LEN = 60


def _cjk_width(text: str) -> int:
    """Printed width in half-width units: a CJK character is two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _is_scorecard(table: dict[str, Any]) -> bool:
    return any(c["text"] in ("一级指标", "二级指标", "三级指标") for row in table["rows"] for c in row)


def _merges_for(table: dict[str, Any]) -> Merges:
    """Scorecards are laid out with their label columns spanning their
    group (as in the XLSX sample); other tables merge header cells only."""
    return plan_merges(table, label_cols=(0, 1, 2)) if _is_scorecard(table) else plan_merges(table)


def column_weights(table: dict[str, Any], merges: Merges) -> tuple[list[float], list[float]]:
    """(needed, wanted) width per column in half-width characters.  Needed:
    the longest amount or code, which must not wrap.  Wanted: the longest
    single-column text, clamped so a 科目名称 column does not take the whole
    page and a long header label wraps instead of widening its column."""
    g = text_grid(table)
    spanned = {pos for pos, (_, cs) in merges.items() if cs > 1}
    header = table.get("header_rows", 0)
    need = [2.0] * table["n_cols"]
    want = [4.0] * table["n_cols"]
    for r, row in enumerate(g):
        for c, text in enumerate(row):
            if not text or (r, c) in spanned:
                continue
            w = float(_cjk_width(text))
            if _is_number(text) or re.fullmatch(r"\d+", text):
                need[c] = max(need[c], w * 1.15)
            w = min(-(-w // 2), 12.0) if r < header else min(w, 24.0)  # a header label may wrap once
            want[c] = max(want[c], w)
    need = [n + _PAD for n in need]
    return need, [max(w + _PAD, n) for w, n in zip(want, need)]


def fit_widths(need: list[float], want: list[float], avail: float) -> list[float]:
    """Column widths filling ``avail`` (half-width characters): all wanted
    widths scaled when they fit; otherwise amounts keep their needed width
    and the text columns share what is left."""
    if sum(want) <= avail or sum(need) >= avail:
        base = want if sum(want) <= avail else need
        return [w * avail / sum(base) for w in base]
    slack = [w - n for w, n in zip(want, need)]
    spare = avail - sum(need)
    return [n + spare * s / sum(slack) for n, s in zip(need, slack)]


def _half_width_cm() -> float:
    return TABLE_PT / 2 * 2.54 / 72


def _prose(b: dict[str, Any]) -> bool:
    return b["type"] == "paragraph" and len(b["text"]) >= _PROSE_LEN


def orientations(blocks: list[dict[str, Any]]) -> list[bool]:
    """Landscape flag per block.  A run of blocks between two prose
    paragraphs (captions, units, the tables, their notes) is landscape when
    one of its tables does not fit the portrait text width, so a table and
    its captions share a page orientation and prose stays portrait."""
    portrait_width = A4[0] - 2 * MARGIN_CM
    flags = [False] * len(blocks)
    start = 0
    for i in range(len(blocks) + 1):
        if i < len(blocks) and not _prose(blocks[i]):
            continue
        run = range(start, i)
        wide = any(blocks[k]["type"] == "table"
                   and sum(column_weights(blocks[k], _merges_for(blocks[k]))[1]) * _half_width_cm() > portrait_width
                   for k in run)
        for k in run:
            flags[k] = wide
        start = i + 1
    return flags


def _set_fonts(style: Any, size: float, bold: bool | None = None) -> None:
    """One CJK font for every script, so LibreOffice substitutes nothing."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = CJK_FONT
    style.font.size = Pt(size)
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), CJK_FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _page(section: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    w, h = (A4[1], A4[0]) if landscape else A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(w), Cm(h)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(MARGIN_CM)


def make_full_docx(blocks: list[dict[str, Any]], title: str) -> bytes:
    """Every block of a seed as a clerk's Word file: headings, paragraphs
    and ruled tables with merged header cells, wide tables on landscape
    pages (orientations())."""
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.shared import Pt

    d = Document()
    cp = d.core_properties
    cp.author = cp.last_modified_by = "budgetlint scripts/make_samples.py"
    cp.created = cp.modified = cp.last_printed = FIXED_TIME
    cp.revision = 1
    cp.title = title
    normal = d.styles["Normal"]
    _set_fonts(normal, 10.5)
    normal.paragraph_format.space_after = Pt(4)
    for level, size in ((1, 16), (2, 14), (3, 12), (4, 11), (5, 11), (6, 11)):
        _set_fonts(d.styles[f"Heading {level}"], size, bold=True)
    cell_style = d.styles.add_style("表格文字", 1)  # WD_STYLE_TYPE.PARAGRAPH
    cell_style.base_style = normal
    _set_fonts(cell_style, TABLE_PT)
    cell_style.paragraph_format.space_after = Pt(0)

    flags = orientations(blocks)
    _page(d.sections[0], flags[0] if flags else False)
    current = flags[0] if flags else False
    for b, landscape in zip(blocks, flags):
        if landscape != current:
            _page(d.add_section(WD_SECTION.NEW_PAGE), landscape)
            current = landscape
        if b["type"] == "heading":
            d.add_heading(b["text"], level=min(max(b.get("level", 1), 1), 6))
        elif b["type"] == "paragraph":
            d.add_paragraph(b["text"])
        elif b["type"] == "table":
            _full_docx_table(d, b, cell_style)
    buf = io.BytesIO()
    d.save(buf)
    return _normalise_zip(buf.getvalue())


def _full_docx_table(d: Any, table: dict[str, Any], cell_style: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Cm, Emu

    g = text_grid(table)
    merges = _merges_for(table)
    section = d.sections[-1]
    avail = section.page_width - section.left_margin - section.right_margin
    unit = Cm(_half_width_cm())
    widths = [Emu(int(w * unit)) for w in fit_widths(*column_weights(table, merges), avail / unit)]
    t = d.add_table(rows=len(g), cols=len(g[0]))
    t.style = "Table Grid"
    t.autofit = False
    for c, col in enumerate(t.columns):
        col.width = widths[c]
    covered = {(r + dr, c + dc) for (r, c), (rs, cs) in merges.items()
               for dr in range(rs) for dc in range(cs)} - set(merges)
    cells = t._cells
    n_c = len(g[0])
    for r in range(len(g)):
        for c in range(n_c):
            cells[r * n_c + c].width = widths[c]
    for (r, c), (rs, cs) in merges.items():
        t.cell(r, c).merge(t.cell(r + rs - 1, c + cs - 1))
    cells = t._cells
    for r, row in enumerate(g):
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            para = cells[r * n_c + c].paragraphs[0]
            para.style = cell_style
            if text:
                para.add_run(text)
    for r in range(min(table.get("header_rows", 0), len(g))):
        trpr = t.rows[r]._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))  # header repeated on each page


# --------------------------------------------------------------------- PDF

def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes, name: str, exe: str) -> bytes:
    """Print a DOCX to PDF with LibreOffice headless in a private profile
    (no clash with a running LibreOffice or another build)."""
    with tempfile.TemporaryDirectory(prefix="budgetlint-lo-") as tmp:
        src = Path(tmp) / f"{name}.docx"
        src.write_bytes(docx)
        profile = (Path(tmp) / "profile").as_uri()
        cmd = [exe, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile}",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", tmp, str(src)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        out = Path(tmp) / f"{name}.pdf"
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"LibreOffice could not convert {name}.docx: {proc.stderr.strip() or proc.stdout.strip()}")
        return normalise_pdf(out.read_bytes(), docx)


def normalise_pdf(pdf: bytes, seed: bytes) -> bytes:
    """Fixed creation/modification dates, document ID and LibreOffice's
    ``/DocChecksum``.  Every replacement keeps the byte length, so the xref
    offsets stay right."""
    import hashlib

    fixed = b"D:" + FIXED_TIME.strftime("%Y%m%d%H%M%S").encode()

    def date(m: re.Match[bytes]) -> bytes:
        tz = re.sub(rb"\d", b"0", m.group(2)[len(fixed):])  # Z' or +hh'mm' → zero offset, same length
        return m.group(1) + fixed + tz + b")"

    pdf = re.sub(rb"(/(?:CreationDate|ModDate)\s*\()(D:[^)]*)\)", date, pdf)
    digest = hashlib.sha256(seed).hexdigest().upper().encode() * 2

    def ident(m: re.Match[bytes]) -> bytes:
        return re.sub(rb"[0-9A-Fa-f]+", lambda h: digest[:len(h.group(0))], m.group(0))

    pdf = re.sub(rb"/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]", ident, pdf)
    return re.sub(rb"/DocChecksum\s*/[0-9A-Fa-f]+", lambda m: m.group(0)[:-32] + digest[:32]
                  if len(m.group(0).split(b"/")[-1]) == 32 else m.group(0), pdf)


def build_pdfs(outdir: Path) -> list[str]:
    """Write the PDF versions of seeds 002 and 004; without LibreOffice say
    so and keep the committed files."""
    exe = soffice()
    if exe is None:
        print("skipped PDFs: LibreOffice (soffice) not found; the committed samples/*.pdf stay "
              "(install libreoffice-writer-nogui and fonts-wqy-zenhei to regenerate them)")
        return []
    fc_list = shutil.which("fc-list")
    if fc_list and CJK_FONT not in subprocess.run([fc_list, ":", "family"], capture_output=True, text=True).stdout:
        print(f"warning: font {CJK_FONT!r} not installed (fonts-wqy-zenhei); LibreOffice substitutes another "
              "font, so the PDFs will differ from the committed ones", file=sys.stderr)
    written = []
    for seed, name in PDF_SEEDS.items():
        docx = make_full_docx(text_document(seed)["blocks"], PDF_TITLES[seed])
        data = docx_to_pdf(docx, Path(name).stem, exe)
        (outdir / name).write_bytes(data)
        written.append(name)
        print(f"wrote {outdir / name} ({len(data)} bytes)")
    return written


# -------------------------------------------------------------------- XLSX

def make_xlsx(sheets: list[tuple[str, list[dict[str, Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = wb.properties.lastModifiedBy = "budgetlint scripts/make_samples.py"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    thin = Side(style="thin")
    for name, blocks in sheets:
        ws = wb.create_sheet(name)
        table = next(b for b in blocks if b["type"] == "table")
        width = table["n_cols"]
        r = 1
        seen_table = False
        for b in blocks:
            if b["type"] == "table":
                r += 1  # a blank row before the table
                r = _xlsx_table(ws, b, r, Border(left=thin, right=thin, top=thin, bottom=thin), Alignment)
                r += 1
                seen_table = True
                continue
            ws.cell(row=r, column=1, value=b["text"])
            if not seen_table and re.search(r"自评表$", b["text"]):
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
                ws.cell(row=r, column=1).font = Font(bold=True, size=14)
                ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
            r += 1
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


def xlsx_value(text: str) -> tuple[Any, str | None]:
    """A printed cell text as the number a clerk would have typed, with the
    format that prints it back identically; other text stays text."""
    m = re.fullmatch(r"(-?\d+(?:\.(\d+))?)%", text)
    if m:
        decimals = len(m.group(2) or "")
        return Decimal(m.group(1)) / 100, "0" + ("." + "0" * decimals if decimals else "") + "%"
    m = re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.(\d+))?", text)
    if m:
        decimals = len(m.group(3) or "")
        return Decimal(text.replace(",", "")), "#,##0" + ("." + "0" * decimals if decimals else "")
    m = re.fullmatch(r"-?\d+(\.(\d+))?", text)
    if m and not (len(text) > 1 and text.lstrip("-").startswith("0") and "." not in text):
        decimals = len(m.group(2) or "")
        return Decimal(text), ("0." + "0" * decimals) if decimals else None
    return text, None


def _xlsx_table(ws: Any, table: dict[str, Any], top: int, border: Any, alignment: Any) -> int:
    g = text_grid(table)
    merges = plan_merges(table, label_cols=(0, 1, 2))
    for r, row in enumerate(g):
        for c, text in enumerate(row):
            cell = ws.cell(row=top + r, column=1 + c)
            cell.border = border
            if text:
                value, fmt = xlsx_value(text)
                cell.value = value
                if fmt:
                    cell.number_format = fmt
                cell.alignment = alignment(wrap_text=True, vertical="center")
    for (r, c), (rs, cs) in merges.items():
        ws.merge_cells(start_row=top + r, start_column=1 + c, end_row=top + r + rs - 1, end_column=c + cs)
    return top + len(g)


# -------------------------------------------------------------------- HTML

_CHROME_TOP = """<div class="banner">政府信息公开 · 预决算公开</div>"""
_NAV = """<ul class="nav"><li><a href="#">首页</a></li><li><a href="#">预决算公开</a></li>\
<li><a href="#">绩效评价</a></li></ul>"""
_NOTICE = "<p class=\"notice\">页面说明：指标值中的“≧”表示不低于，“≦”表示不高于。</p>"
_FOOTER = "<div class=\"footer\">主办单位：政府信息公开专栏 &nbsp; 网站标识码：0000000000</div>"


def make_html(blocks: list[dict[str, Any]]) -> bytes:
    """A page as a government site serves it: layout table around the
    article, script/style noise, ``gb2312`` declared but GB18030 bytes (the
    ``≧`` in the notice is outside GB2312)."""
    e = html.escape
    body: list[str] = []
    for b in blocks:
        if b["type"] == "heading":
            lvl = min(max(b.get("level", 1), 1), 6)
            body.append(f"<h{lvl}>{e(b['text'])}</h{lvl}>")
        elif b["type"] == "paragraph":
            body.append(f"<p>{e(b['text'])}</p>")
        elif b["type"] == "table":
            body.append(_html_table(b))
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>2020年度部门整体支出绩效自评报告</title>
<style type="text/css">td {{ border: 1px solid #999; }} .nav li {{ display: inline; }}</style>
<script type="text/javascript">var tpl = "<table><tr><td>脚本里的表格</td><td>不应出现</td></tr></table>";</script>
</head>
<body>
<table width="1000" border="0" cellspacing="0" cellpadding="0" class="layout">
<tr><td colspan="2">{_CHROME_TOP}</td></tr>
<tr><td width="180" valign="top">{_NAV}</td>
<td valign="top">
{_NOTICE}
<div class="article">
{chr(10).join(body)}
</div>
</td></tr>
<tr><td colspan="2">{_FOOTER}</td></tr>
</table>
<script>document.write("统计代码");</script>
</body>
</html>
"""
    return page.encode("gb18030")


def _html_table(table: dict[str, Any]) -> str:
    g = text_grid(table)
    merges = plan_merges(table, label_cols=(0, 1, 2))
    covered = {(r + dr, c + dc) for (r, c), (rs, cs) in merges.items()
               for dr in range(rs) for dc in range(cs)} - set(merges)
    out = ['<table border="1" cellspacing="0" class="data">']
    header = table.get("header_rows", 0)
    for r, row in enumerate(g):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            rs, cs = merges.get((r, c), (1, 1))
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            tag = "th" if r < header else "td"
            cells.append(f"<{tag}{attrs}>{html.escape(text)}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# --------------------------------------------------------------------- main

def build_all() -> dict[str, bytes]:
    return {
        DOCX_NAME: make_docx(blocks_002()),
        XLSX_NAME: make_xlsx(sheets_004()),
        HTML_NAME: make_html(blocks_000()),
    }


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "--no-pdf"]
    outdir = Path(args[0]) if args else ROOT / "samples"
    outdir.mkdir(parents=True, exist_ok=True)
    for name, data in build_all().items():
        (outdir / name).write_bytes(data)
        print(f"wrote {outdir / name} ({len(data)} bytes)")
    if "--no-pdf" not in argv:
        try:
            build_pdfs(outdir)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"PDFs not regenerated: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
