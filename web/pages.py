"""Server-rendered pages (Jinja2, plain forms, no JavaScript needed): the
upload form and list, the document view with boxes on the PDF pages, the
findings list with filters, waive / 已整改 forms, downloads, history."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

if TYPE_CHECKING:
    from budgetlint.web.app import Service

TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
_ENV.filters["when"] = lambda ts: dt.datetime.fromtimestamp(float(ts)).strftime("%Y-%m-%d %H:%M")


def _render(name: str, **ctx: Any) -> str:
    from budgetlint.web.app import SEVERITY_ZH, STATUS_ZH

    return _ENV.get_template(name).render(SEVERITY_ZH=SEVERITY_ZH, STATUS_ZH=STATUS_ZH, **ctx)


def login_page(error: str = "") -> str:
    return _render("login.html", error=error)


def _place(loc: dict[str, Any]) -> str:
    from budgetlint.core.findings import human_location

    return human_location(loc or {}, "zh")


def install(app: FastAPI, svc: Service, get_doc: Callable[[str], dict[str, Any]]) -> None:
    """Add the page routes to ``app``."""
    from budgetlint.core.findings import basis_text
    from budgetlint.web.app import SEVERITY_ORDER, WaiverIn

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return _render("index.html", docs=svc.db.documents(), exts=" ".join(svc.extensions()),
                       max_mb=svc.config.max_upload_mb, store=svc.config.store)

    @app.post("/upload", include_in_schema=False)
    async def upload(request: Request) -> Response:
        form = await request.form(max_files=100)
        files = [f for f in form.getlist("files") if hasattr(f, "read")]
        if not files:
            return HTMLResponse(_render("message.html", title="未选择文件", text="请选择要检查的文件 (choose a file)"),
                                status_code=400)
        ids, errors = [], []
        for f in files:
            try:
                ids.append(await svc.store_upload(f))  # type: ignore[arg-type]
            except HTTPException as exc:
                errors.append((exc.status_code, str(exc.detail)))
        if errors and not ids:
            return HTMLResponse(_render("message.html", title="上传失败", text="；".join(e[1] for e in errors)),
                                status_code=errors[0][0])
        if len(ids) == 1 and not errors:
            return RedirectResponse(f"/documents/{ids[0]}", status_code=303)
        return RedirectResponse("/", status_code=303)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form() -> str:
        return login_page()

    @app.post("/login", include_in_schema=False)
    def login(token: str = Form("")) -> Response:
        import hmac

        if svc.config.token and hmac.compare_digest(token.encode(), svc.config.token.encode()):
            resp = RedirectResponse("/", status_code=303)
            resp.set_cookie("budgetlint_token", token, httponly=True, samesite="strict")
            return resp
        return HTMLResponse(login_page("令牌不正确 (wrong token)"), status_code=401)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def view(doc_id: str, severity: str = "", rule: str = "") -> str:
        doc = get_doc(doc_id)
        if doc["status"] != "done":
            return _render("pending.html", doc=doc)
        report = svc.report(doc)
        rules = report.get("rules", {})
        fixed = svc.db.fixed_marks(doc_id)
        all_findings = sorted(report["findings"], key=lambda f: (
            SEVERITY_ORDER.get(f["severity"], 9), f.get("location", {}).get("page") or 0,
            f.get("location", {}).get("line") or 0))
        for i, f in enumerate(all_findings):
            f["_n"] = i
            f["_place"] = _place(f.get("location", {}))
            f["_basis"] = basis_text(f.get("basis") or [])
            f["_title"] = (rules.get(f["rule_id"]) or {}).get("title", f["rule_id"])
            f["_fixed"] = f.get("fingerprint") in fixed
        shown = [f for f in all_findings if (not severity or f["severity"] == severity)
                 and (not rule or f["rule_id"] == rule)]
        rule_opts = sorted({(f["rule_id"], f["_title"]) for f in all_findings})
        ctx: dict[str, Any] = {"doc": doc, "report": report, "findings": shown, "total": len(all_findings),
                               "severity": severity, "rule": rule, "rule_opts": rule_opts,
                               "comparison": svc.comparison(doc, report), "today": dt.date.today().isoformat()}
        if doc["ext"] == ".pdf":
            from budgetlint.web.pdfview import page_sizes

            sizes = page_sizes(svc.path_of(doc))
            boxes: dict[int, list[dict[str, Any]]] = {}
            for f in shown:
                loc = f.get("location") or {}
                bb = loc.get("bbox")
                p = loc.get("page")
                if isinstance(p, int) and 1 <= p <= len(sizes) and isinstance(bb, list) and len(bb) == 4:
                    w, h = sizes[p - 1]
                    boxes.setdefault(p, []).append({
                        "n": f["_n"], "severity": f["severity"], "title": f["message"],
                        "left": 100 * bb[0] / w, "top": 100 * bb[1] / h,
                        "width": max(0.4, 100 * (bb[2] - bb[0]) / w), "height": max(0.4, 100 * (bb[3] - bb[1]) / h)})
                    f["_anchor"] = f"box-{f['_n']}"
                elif isinstance(p, int):
                    f["_anchor"] = f"page-{p}"
            ctx.update(pages=[{"n": i + 1, "ratio": 100 * h / w, "boxes": boxes.get(i + 1, [])}
                              for i, (w, h) in enumerate(sizes)])
            return _render("document_pdf.html", **ctx)
        blocks = _blocks(svc, doc)
        marks: dict[str, list[int]] = {}
        for f in shown:
            loc = f.get("location") or {}
            key = _block_key(loc, blocks)
            if key:
                marks.setdefault(key, []).append(f["_n"])
                f["_anchor"] = f"src-{key}"
        ctx.update(blocks=blocks, marks=marks)
        return _render("document_text.html", **ctx)

    @app.post("/documents/{doc_id}/waive", include_in_schema=False)
    def waive(doc_id: str, fingerprint: str = Form(...), reason: str = Form(""), approved_by: str = Form(""),
              expires: str = Form("")) -> Response:
        doc = get_doc(doc_id)
        if not reason.strip() or not approved_by.strip():
            return HTMLResponse(_render("message.html", title="豁免未保存",
                                        text="请填写豁免理由和审批人 (reason and approver are required)"), status_code=400)
        try:
            exp = dt.date.fromisoformat(expires) if expires.strip() else None
        except ValueError:
            return HTMLResponse(_render("message.html", title="豁免未保存",
                                        text=f"到期日“{expires}”不是日期，请写成 2026-12-31 (expiry is not a date)"),
                                status_code=400)
        svc.waive(doc, WaiverIn(fingerprint=fingerprint, reason=reason, approved_by=approved_by, expires=exp))
        return RedirectResponse(f"/documents/{doc_id}", status_code=303)

    @app.post("/documents/{doc_id}/fixed", include_in_schema=False)
    def mark_fixed(doc_id: str, fingerprint: str = Form(...)) -> Response:
        get_doc(doc_id)
        svc.db.mark_fixed(doc_id, fingerprint[:64])
        return RedirectResponse(f"/documents/{doc_id}", status_code=303)

    @app.get("/history", response_class=HTMLResponse, include_in_schema=False)
    def history(department: str = "", year: str = "") -> str:
        rows: list[dict[str, Any]] = []
        note = ""
        if svc.config.store is None:
            note = "未指定 --store：历史记录需要存储库 (start with --store to keep history per department and year)"
        else:
            from budgetlint.store.db import open_store

            rows = open_store(svc.config.store or None).history(department or None,
                                                                int(year) if year.isdigit() else None)
        return _render("history.html", rows=rows, note=note, department=department, year=year)


def _blocks(svc: Service, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The canonical document's blocks (parsed once, cached as JSON)."""
    import json

    cache = svc.cache / f"{doc['sha256']}.doc3.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    with svc.view_lock:
        parsed = svc.view_checker.load(svc.path_of(doc))
    from budgetlint.core.document import grid

    out = []
    for b in parsed.get("blocks", []):
        item = {"id": b["id"], "type": b["type"], "text": b.get("text", ""), "loc": b.get("loc", {})}
        if b["type"] == "table":
            item["title"] = b.get("title") or ""
            rows = grid(b)
            # Merged cells are drawn once with rowspan/colspan; a finding that
            # names a covered position is sent to the cell that covers it.
            out_rows: list[list[dict[str, Any]]] = []
            refs: dict[str, list[int]] = {}  # XLSX findings name a cell by its A1 reference
            alias: dict[str, list[int]] = {}
            for r, row in enumerate(rows):
                cells_out = []
                for c, cell in enumerate(row):
                    if cell is None:
                        cells_out.append({"text": "", "c": c})
                        continue
                    r0, c0 = cell.get("row", r), cell.get("col", c)
                    if (r0, c0) != (r, c):
                        alias[f"{r}-{c}"] = [r0, c0]
                        continue
                    cells_out.append({"text": cell.get("text", ""), "c": c, "rowspan": cell.get("rowspan", 1),
                                      "colspan": cell.get("colspan", 1)})
                    ref = (cell.get("loc") or {}).get("cell_ref")
                    if ref and ref not in refs:
                        refs[ref] = [r, c]
                out_rows.append(cells_out)
            item.update(rows=out_rows, refs=refs, alias=alias)
        out.append(item)
    cache.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


def _block_key(loc: dict[str, Any], blocks: list[dict[str, Any]]) -> str | None:
    """Anchor of a finding's place: the table cell, else the block, else the
    block that holds its line."""
    block = loc.get("block")
    if block:
        table = next((b for b in blocks if b["id"] == block), None)
        if isinstance(loc.get("row_index"), int) and isinstance(loc.get("col_index"), int):
            r, c = (table or {}).get("alias", {}).get(f"{loc['row_index']}-{loc['col_index']}",
                                                     [loc["row_index"], loc["col_index"]])
            return f"{block}-{r}-{c}"
        rc = (table or {}).get("refs", {}).get(str(loc.get("cell_ref", "")).split(":")[0])
        if rc:
            return f"{block}-{rc[0]}-{rc[1]}"
        return str(block)
    line = loc.get("line")
    if isinstance(line, int):
        for b in blocks:
            bl = b["loc"].get("line")
            if isinstance(bl, int) and bl <= line <= (b["loc"].get("end_line") or bl):
                return b["id"]
    return None
