"""The ASGI app: pages for clerks and a JSON API on the same engine.

Design choices (why):
- Checking runs in one worker *process* (``core.batch``'s worker, as
  ``check --jobs``), fed by one queue thread: a failing loader becomes
  ``failed`` with a one-line reason, a crashing one kills only the worker
  (replaced), and PDFium — not thread-safe — never runs in two threads of the
  server.  One worker because a 2-core machine is shared; the page shows
  progress (queued → running → done).
- Uploads are stored as ``files/<sha256><ext>`` under the data dir; the
  uploaded name is only a label (sanitised) and never touches the file
  system.  Findings and the report carry that label as the document name, so
  fingerprints and exported waivers match a ``budgetlint check`` of the same
  file under its own name.
- Waivers and 已整改 marks live in ``web.sqlite`` (see :mod:`budgetlint.web.db`).
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import os
import queue
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from budgetlint.web.db import WebDB

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_ZH = {"queued": "排队中", "running": "检查中", "done": "已完成", "failed": "失败"}
#: Location keys a waiver exported for the CLI matches on (human ones only: never line/page).
WAIVER_LOCATION_KEYS = ("table_code", "table", "row", "column", "cell", "indicator", "field", "section", "snippet")
REPORT_FORMATS = {"json": ("application/json", "json"), "html": ("text/html; charset=utf-8", "html"),
                  "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
                  "sarif": ("application/sarif+json", "sarif")}
CHUNK = 1 << 20


@dataclass
class WebConfig:
    """Settings of one server (``budgetlint serve`` options)."""

    data_dir: Path
    store: str | None = None
    rules: str | None = None
    token: str | None = None
    max_upload_mb: float = 50.0
    max_pages: int = 2000
    lang: str = "zh"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def max_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def safe_name(raw: str | None) -> str:
    """A display label from an uploaded file name: last path component only,
    no control characters, bounded length.  Never used as a path."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:8]) if dot else name[:120]
    return name or "upload"


def one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]


class WaiverIn(BaseModel):
    """A waiver for one finding (by its fingerprint, from the report)."""

    fingerprint: str = Field(min_length=4, max_length=64)
    reason: str = Field(min_length=1, max_length=1000)
    approved_by: str = Field(min_length=1, max_length=200)
    expires: dt.date | None = None


class Service:
    """Everything except HTTP: files, queue, checking, reports."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.data = config.data_dir
        self.files = self.data / "files"
        self.cache = self.data / "cache"
        for d in (self.data, self.files, self.cache):
            d.mkdir(parents=True, exist_ok=True)
        self.db = WebDB(self.data / "web.sqlite")
        from budgetlint.core.engine import Checker

        self.checker = Checker(rules=config.rules, lang=config.lang)
        if config.store is not None:
            self.checker.options["store"] = config.store
        self.checker.validate_rules()  # a broken --rules stops the server before it listens
        # Reports and source views use their own checker and lock (checks run
        # in the worker process).
        self.view_checker = Checker(rules=config.rules, lang=config.lang)
        self.view_lock = threading.Lock()
        self.pool = self._new_pool()
        self.queue: queue.Queue[str] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="budgetlint-check", daemon=True)
        self.worker.start()
        for doc_id in self.db.pending():  # a restart loses nothing: re-check what was in flight
            self.queue.put(doc_id)

    # ------------------------------------------------------------ upload
    def extensions(self) -> list[str]:
        return sorted(self.checker.host.registry.supported_extensions())

    async def store_upload(self, upload: UploadFile) -> str:
        """Copy an upload to ``files/<sha256><ext>`` (streamed, size-checked)
        and queue it; returns the new document id."""
        name = safe_name(upload.filename)
        ext = Path(name).suffix.lower()
        if ext not in self.extensions():
            raise HTTPException(415, f"不支持的文件类型“{ext or name}”，可上传：{' '.join(self.extensions())} "
                                     f"(unsupported file type)")
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.files, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := await upload.read(CHUNK):
                    size += len(chunk)
                    if size > self.config.max_bytes:
                        raise HTTPException(413, f"文件“{name}”超过{self.config.max_upload_mb:g} MB上限 "
                                                 f"(file too large; limit --max-upload-mb)")
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            target = self.files / f"{sha}{ext}"
            if target.exists():
                os.unlink(tmp)
            else:
                os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        doc_id = secrets.token_hex(8)
        self.db.add_document(doc_id, name, sha, ext, size)
        self.queue.put(doc_id)
        return doc_id

    def path_of(self, doc: dict[str, Any]) -> Path:
        return self.files / f"{doc['sha256']}{doc['ext']}"

    # ------------------------------------------------------------ worker
    def _new_pool(self) -> Any:
        """One worker process, as ``check --jobs`` uses (core.batch's worker
        initializer and entry point): PDFium is not thread-safe, so checks
        never share a process with the page renderer, and a file that crashes
        the parser kills only the worker, which is then replaced."""
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        from budgetlint.core.batch import _init_worker

        # spawn, not fork (the server has threads) nor forkserver (its helper
        # would outlive the server).
        ctx = mp.get_context("spawn")
        return ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_worker,
                                   initargs=(self.checker.rules_ref, self.checker.lang, dict(self.checker.options), {}))

    def close(self) -> None:
        """Stop the worker process at server shutdown (a check in flight is
        re-queued at the next start, since it is still ``running``)."""
        procs = list(getattr(self.pool, "_processes", {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)

    def _work(self) -> None:
        while True:
            doc_id = self.queue.get()
            try:
                self._check(doc_id)
            except Exception as exc:  # the worker must survive anything one file does
                self.db.set_status(doc_id, "failed", error=one_line(f"内部错误 (internal error): "
                                                                    f"{type(exc).__name__}: {exc}"))

    def _check(self, doc_id: str) -> None:
        from budgetlint.core.findings import fingerprint

        doc = self.db.document(doc_id)
        if doc is None:
            return
        self.db.set_status(doc_id, "running")
        path = self.path_of(doc)
        if doc["ext"] == ".pdf":
            pages = _pdf_pages(path)
            if pages is not None and pages > self.config.max_pages:
                self.db.set_status(doc_id, "failed", error=f"{doc['name']}: 共{pages}页，超过{self.config.max_pages}页上限 "
                                                           f"(too many pages; limit --max-pages)")
                return
        from concurrent.futures.process import BrokenProcessPool

        from budgetlint.core.batch import _work

        try:
            result = self.pool.submit(_work, str(path)).result()
        except BrokenProcessPool:
            self.pool = self._new_pool()
            self.db.set_status(doc_id, "failed", error=f"{doc['name']}: 检查进程在读取此文件时崩溃 "
                                                       f"(the checker crashed on this file) — export the file again")
            return
        if "fatal" in result:
            self.db.set_status(doc_id, "failed", error=one_line(result["fatal"][1].replace(str(path), doc["name"])))
            return
        d = result["document"]
        if d.get("status") == "error":
            self.db.set_status(doc_id, "failed", error=one_line(str(d.get("error", "")).replace(str(path), doc["name"])))
            return
        d["path"] = doc["name"]
        for f in result["findings"]:
            f["source"] = doc["name"]
            f["fingerprint"] = fingerprint(f)
        for e in result["evaluations"]:
            e["document"] = doc["name"]
        meta = d.get("meta") or {}
        types = ",".join(sorted(t.get("type", "") for t in meta.get("doc_types") or [] if isinstance(t, dict)))
        if meta.get("department") and meta.get("fiscal_year"):
            key = f"{meta['department']}|{meta['fiscal_year']}|{types}"
        else:
            key = f"name:{doc['name']}"
        self.db.set_status(doc_id, "done", result=result, group_key=key)

    # ------------------------------------------------------------ reports
    def report(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The report of one upload in the schema of ``check --format json``,
        with the server's waivers applied."""
        from budgetlint.core.batch import rule_catalogue
        from budgetlint.core.engine import summarize
        from budgetlint.core.matrix import compliance_matrix

        if doc["status"] == "done" and doc.get("result"):
            result = copy.deepcopy(doc["result"])
        else:
            entry: dict[str, Any] = {"path": doc["name"], "status": "error" if doc["status"] == "failed" else "pending"}
            if doc["status"] == "failed":
                entry["error"] = doc.get("error") or ""
            else:
                entry["status"] = "error"
                entry["error"] = f"{doc['name']}: {STATUS_ZH[doc['status']]} (check not finished)"
            result = {"document": entry, "findings": [], "evaluations": []}
        with self.view_lock:
            report = self.view_checker.build_report([result])
            report["rules"] = rule_catalogue(self.view_checker, report)
        self.apply_waivers(report)
        matrix = compliance_matrix(report)
        report["summary"] = summarize(report["documents"], report["findings"], report["evaluations"])
        report["summary"]["matrix"] = matrix
        return report

    def apply_waivers(self, report: dict[str, Any]) -> None:
        today = dt.date.today().isoformat()
        by_fp: dict[str, dict[str, Any]] = {}
        for w in self.db.waivers():
            if w["expires"] and w["expires"] < today:
                continue
            by_fp[w["fingerprint"]] = w
        for f in report["findings"]:
            w = by_fp.get(f.get("fingerprint", ""))
            if w is not None:
                f["waived"] = {"reason": w["reason"], "approved_by": w["approved_by"], "waiver": f"web:{w['id']}"}
                if w["expires"]:
                    f["waived"]["expires"] = w["expires"]

    def render(self, report: dict[str, Any], fmt: str) -> bytes:
        from budgetlint.core.reporting import render

        data = render(self.view_checker.host, report, fmt, {"lang": self.config.lang, "show_skipped": True,
                                                       "fail_on": "error", "color": False})
        return data.encode("utf-8") if isinstance(data, str) else data

    def comparison(self, doc: dict[str, Any], report: dict[str, Any]) -> dict[str, Any] | None:
        """New / fixed / unchanged findings since the previous version (by fingerprint)."""
        if doc["status"] != "done" or not doc.get("group_key"):
            return None
        prev = self.db.previous_version(doc)
        if prev is None or not prev.get("result"):
            return None
        old = {f["fingerprint"]: f for f in prev["result"]["findings"]}
        new = {f["fingerprint"]: f for f in report["findings"]}
        return {"previous_id": prev["id"], "previous_name": prev["name"],
                "new": [new[k] for k in new if k not in old],
                "fixed": [old[k] for k in old if k not in new],
                "unchanged": sum(1 for k in new if k in old)}

    def summary(self, doc: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": doc["id"], "name": doc["name"], "sha256": doc["sha256"], "size": doc["size"],
                               "status": doc["status"]}
        if doc["status"] == "failed":
            out["error"] = doc.get("error")
        if doc["status"] == "done":
            report = self.report(doc)
            out["summary"] = {k: v for k, v in report["summary"].items() if k != "matrix"}
            cmp_ = self.comparison(doc, report)
            if cmp_:
                out["comparison"] = {"previous_id": cmp_["previous_id"], "new": len(cmp_["new"]),
                                     "fixed": len(cmp_["fixed"]), "unchanged": cmp_["unchanged"]}
        return out

    def waiver_file(self) -> str:
        """All waivers as the YAML file ``budgetlint check --waivers`` reads."""
        import io

        from ruamel.yaml import YAML

        items = []
        for w in self.db.waivers():
            item: dict[str, Any] = {"rule": w["rule"], "document": w["document"]}
            if w["location"]:
                item["location"] = dict(w["location"])
            item["reason"] = w["reason"]
            item["approved_by"] = w["approved_by"]
            if w["expires"]:
                item["expires"] = dt.date.fromisoformat(w["expires"])
            items.append(item)
        buf = io.StringIO()
        buf.write("# budgetlint 豁免文件 (waivers exported from the web page); use: budgetlint check --waivers FILE\n")
        y = YAML()
        y.default_flow_style = False
        y.allow_unicode = True
        y.dump({"waivers": items}, buf)
        return buf.getvalue()

    def waive(self, doc: dict[str, Any], w: WaiverIn) -> dict[str, Any]:
        report = self.report(doc)
        finding = next((f for f in report["findings"] if f.get("fingerprint") == w.fingerprint), None)
        if finding is None:
            raise HTTPException(404, f"本文件没有指纹为 {w.fingerprint} 的问题 (no such finding)")
        loc = {k: str(v) for k, v in (finding.get("location") or {}).items()
               if k in WAIVER_LOCATION_KEYS and v not in (None, "")}
        wid = self.db.add_waiver(w.fingerprint, finding["rule_id"], doc["name"], loc, w.reason.strip(),
                                 w.approved_by.strip(), w.expires.isoformat() if w.expires else None)
        return {"id": wid, "fingerprint": w.fingerprint, "rule": finding["rule_id"]}


# ================================================================= HTTP
def create_app(config: WebConfig) -> FastAPI:
    """The FastAPI app for one data dir (OpenAPI at /docs and /openapi.json)."""
    from budgetlint.web import pages

    from contextlib import asynccontextmanager

    svc = Service(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        yield
        svc.close()

    app = FastAPI(title="budgetlint", version="1", description="预决算公开与绩效自评合规检查 — clerk page and API",
                  lifespan=lifespan)
    app.state.svc = svc

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        """Bearer token (or the login cookie) on every request when a token
        is set; early 413 when the body is announced larger than allowed."""
        token = config.token
        path = request.url.path
        if token and path not in ("/login",):
            given = request.headers.get("authorization", "")
            bearer = given[7:] if given.lower().startswith("bearer ") else ""
            cookie = request.cookies.get("budgetlint_token", "")
            ok = any(v and hmac.compare_digest(v.encode(), token.encode()) for v in (bearer, cookie))
            if not ok:
                await _drain(request, config.max_bytes)
                if path.startswith("/api") or path in ("/openapi.json", "/docs") or bearer:
                    return JSONResponse({"detail": "需要有效令牌：Authorization: Bearer <token> (token required)"},
                                        status_code=401, headers={"WWW-Authenticate": "Bearer"})
                return HTMLResponse(pages.login_page(), status_code=401)
        length = request.headers.get("content-length")
        if request.method == "POST" and length and length.isdigit():
            limit = config.max_bytes + CHUNK if path.startswith("/api") else config.max_bytes * 20 + CHUNK
            if int(length) > limit:
                await _drain(request, 2 * config.max_bytes)
                return JSONResponse({"detail": f"上传超过{config.max_upload_mb:g} MB上限 (upload too large)"},
                                    status_code=413)
        return await call_next(request)

    def get_doc(doc_id: str) -> dict[str, Any]:
        doc = svc.db.document(doc_id) if re.fullmatch(r"[0-9a-f]{16}", doc_id) else None
        if doc is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文件 (no such document)")
        return doc

    # ------------------------------------------------------------ API
    @app.post("/api/documents", summary="Upload one file; checking starts in the background")
    async def api_upload(file: UploadFile = File(...)) -> dict[str, str]:
        return {"id": await svc.store_upload(file)}

    @app.get("/api/documents", summary="Uploaded documents, newest first")
    def api_list() -> list[dict[str, Any]]:
        return svc.db.documents()

    @app.get("/api/documents/{doc_id}", summary="Status (queued/running/done/failed) and summary")
    def api_status(doc_id: str) -> dict[str, Any]:
        return svc.summary(get_doc(doc_id))

    @app.get("/api/documents/{doc_id}/report", summary="Report: json (as `check --format json`), html, xlsx, sarif")
    def api_report(doc_id: str, format: str = "json") -> Response:
        doc = get_doc(doc_id)
        if doc["status"] in ("queued", "running"):
            raise HTTPException(409, f"检查尚未完成：{STATUS_ZH[doc['status']]} (not checked yet; poll the status)")
        if format not in REPORT_FORMATS:
            raise HTTPException(400, f"未知格式 {format}，可用：{', '.join(REPORT_FORMATS)} (unknown format)")
        media, ext = REPORT_FORMATS[format]
        data = svc.render(svc.report(doc), format)
        stem = Path(doc["name"]).stem
        return Response(data, media_type=media, headers={
            "Content-Disposition": _disposition(f"{stem}.budgetlint.{ext}", inline=format in ("json", "html"))})

    @app.post("/api/documents/{doc_id}/waivers", summary="Waive one finding (reason, approver, expiry)")
    def api_waive(doc_id: str, body: WaiverIn) -> dict[str, Any]:
        return svc.waive(get_doc(doc_id), body)

    @app.get("/api/waivers", summary="All waivers as the CLI's waiver file (YAML)")
    def api_waivers() -> Response:
        return Response(svc.waiver_file(), media_type="application/x-yaml; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="waivers.yaml"'})

    @app.get("/api/documents/{doc_id}/annotated.pdf", summary="The PDF with a highlight and comment per finding")
    def api_annotated(doc_id: str) -> Response:
        from budgetlint.web.pdfview import annotate

        doc = get_doc(doc_id)
        if doc["ext"] != ".pdf":
            raise HTTPException(400, "只有PDF文件有批注版 (annotated copy only for PDF)")
        if doc["status"] != "done":
            raise HTTPException(409, f"检查尚未完成或失败：{STATUS_ZH[doc['status']]} (not checked)")
        data = annotate(svc.path_of(doc), svc.report(doc)["findings"])
        return Response(data, media_type="application/pdf", headers={
            "Content-Disposition": _disposition(f"{Path(doc['name']).stem}.批注.pdf", inline=False)})

    @app.get("/api/documents/{doc_id}/pages/{page_no}.png", summary="One PDF page as PNG")
    def api_page(doc_id: str, page_no: int) -> Response:
        from budgetlint.web.pdfview import render_page

        doc = get_doc(doc_id)
        if doc["ext"] != ".pdf":
            raise HTTPException(404, "not a PDF")
        try:
            png = render_page(svc.path_of(doc), page_no, svc.cache)
        except Exception as exc:
            raise HTTPException(404, f"无法显示第{page_no}页：{one_line(str(exc))} (page not available)") from exc
        return FileResponse(png, media_type="image/png")

    # ------------------------------------------------------------ pages
    pages.install(app, svc, get_doc)
    return app


def _pdf_pages(path: Path) -> int | None:
    """Page count, or None when pypdfium2 cannot open it (the loader then
    reports the one-line reason)."""
    import pypdfium2 as pdfium

    from budgetlint.web.pdfview import PDFIUM_LOCK

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except Exception:
            return None
        try:
            return len(pdf)
        finally:
            pdf.close()


async def _drain(request: Request, cap: int) -> None:
    """Read and discard a refused request body, up to ``cap`` bytes, so a
    client that sends the whole body before reading (curl, urllib, browsers)
    sees the 401/413 instead of a connection reset; beyond the cap the
    connection is simply closed."""
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > cap:
                break
    except Exception:  # a client that hung up: nothing to answer
        pass


def _disposition(name: str, inline: bool) -> str:
    from urllib.parse import quote

    kind = "inline" if inline else "attachment"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
