"""PDF pages as PNG (pypdfium2) and the annotated PDF (pikepdf).

Boxes are drawn by the page as a CSS overlay over the PNG (percentages of
the page size), so one cached PNG per page serves every filter.  The loader
records ``bbox = [x0, top, x1, bottom]`` in PDF points from the page's
top-left corner; the annotation needs PDF user space (origin bottom-left).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

#: PDFium is not thread-safe and request handlers run in a thread pool.
PDFIUM_LOCK = threading.Lock()

#: Render scale: 1.5 × 72 dpi is legible for table digits without huge PNGs.
SCALE = 1.5


def page_sizes(pdf_path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, for the overlay percentages."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            return [tuple(pdf[i].get_size()) for i in range(len(pdf))]  # type: ignore[misc]
        finally:
            pdf.close()


def render_page(pdf_path: Path, page_no: int, cache_dir: Path) -> Path:
    """PNG of page ``page_no`` (1-based), cached on disk by the file's hash."""
    import pypdfium2 as pdfium

    out = cache_dir / f"{pdf_path.stem}-p{page_no}.png"
    if out.exists():
        return out
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            if not 1 <= page_no <= len(pdf):
                raise IndexError(f"第{page_no}页不存在")
            image = pdf[page_no - 1].render(scale=SCALE).to_pil()
        finally:
            pdf.close()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{threading.get_ident()}.tmp")
    image.save(tmp, format="PNG")
    tmp.replace(out)
    return out


def pdf_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings that have a page and a bbox (the ones that get a box)."""
    out = []
    for f in findings:
        loc = f.get("location") or {}
        bbox = loc.get("bbox")
        if loc.get("page") and isinstance(bbox, list) and len(bbox) == 4:
            out.append(f)
    return out


def annotate(pdf_path: Path, findings: list[dict[str, Any]]) -> bytes:
    """The original PDF with one highlight annotation per PDF finding, its
    comment (/Contents) being the rule, severity, message and basis."""
    import io

    import pikepdf

    from budgetlint.core.findings import basis_text

    with pikepdf.open(str(pdf_path)) as pdf:
        for f in pdf_findings(findings):
            loc = f["location"]
            n = int(loc["page"])
            if not 1 <= n <= len(pdf.pages):
                continue
            page = pdf.pages[n - 1]
            box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
            x_off, top = box[0], box[3]
            x0, y0, x1, y1 = (float(v) for v in loc["bbox"])
            rect = [x_off + x0, top - y1, x_off + x1, top - y0]
            quad = [rect[0], rect[3], rect[2], rect[3], rect[0], rect[1], rect[2], rect[1]]
            text = f"[{f['severity']}] {f['rule_id']}: {f['message']}"
            if f.get("expected") is not None or f.get("actual") is not None:
                text += f"\n应为 {f.get('expected')}，实为 {f.get('actual')}"
            if f.get("waived"):
                text += f"\n已豁免：{f['waived'].get('reason', '')}（{f['waived'].get('approved_by', '')}）"
            basis = basis_text(f.get("basis") or [])
            if basis:
                text += f"\n依据：{basis}"
            color = [1, 0, 0] if f["severity"] == "error" else [1, 0.6, 0] if f["severity"] == "warning" else [0.3, 0.6, 1]
            annot = pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Highlight,
                Rect=rect, QuadPoints=quad, C=color, CA=0.4,
                Contents=pikepdf.String(text), T=pikepdf.String("budgetlint"),
                NM=pikepdf.String(f.get("fingerprint", "")), F=4,
            ))
            if "/Annots" not in page.obj:
                page.obj.Annots = pdf.make_indirect(pikepdf.Array())
            page.obj.Annots.append(annot)
        buf = io.BytesIO()
        pdf.save(buf)
        return buf.getvalue()
