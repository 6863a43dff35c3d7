"""XLSX reporter: the workbook a finance office files with its sign-off —
a findings sheet (one row per finding, with waiver status), the compliance
matrix (rules × documents) and a documents sheet.

Every string comes from an untrusted document, so cells are written as
plain strings: control characters are stripped (Excel rejects them) and text
beginning with ``=`` is never turned into a formula.
"""
from __future__ import annotations

import io
from typing import Any

from budgetlint.core.findings import human_location

HEAD = {
    "zh": {"findings": "问题清单", "matrix": "合规矩阵", "documents": "文件",
           "cols": ["文件", "部分", "位置", "规则", "严重程度", "问题说明", "应为", "实为", "依据", "豁免状态", "指纹",
                    "根本原因", "整改情况", "处理意见"],
           "skipped": "未能评估", "skipped_cols": ["文件", "部分", "规则", "名称", "原因"],
           "caused_by": "由 {fp} 引起", "causes": "引起 {n} 项",
           "doc_cols": ["文件", "状态", "单位", "年度", "SHA-256", "错误", "警告", "提示", "已豁免", "说明"],
           "rule": "规则", "title": "名称", "sev": {"error": "错误", "warning": "警告", "info": "提示"},
           "status": {"pass": "通过", "fail": "不通过", "waived": "已豁免", "not_evaluated": "未能评估",
                      "not_applicable": "不适用"},
           "waived": "已豁免：{reason}（{approved_by}）", "open": "未豁免", "checked": "已检查", "error": "无法读取"},
    "en": {"findings": "Findings", "matrix": "Compliance matrix", "documents": "Documents",
           "cols": ["Document", "Part", "Location", "Rule", "Severity", "Message", "Expected", "Actual", "Basis",
                    "Waiver", "Fingerprint", "Root cause", "Correction", "Decision"],
           "skipped": "Not evaluated", "skipped_cols": ["Document", "Part", "Rule", "Title", "Reason"],
           "caused_by": "caused by {fp}", "causes": "causes {n}",
           "doc_cols": ["Document", "Status", "Department", "Year", "SHA-256", "Errors", "Warnings", "Info",
                        "Waived", "Note"],
           "rule": "Rule", "title": "Title", "sev": {"error": "error", "warning": "warning", "info": "info"},
           "status": {"pass": "pass", "fail": "fail", "waived": "waived", "not_evaluated": "not evaluated",
                      "not_applicable": "n/a"},
           "waived": "waived: {reason} ({approved_by})", "open": "open", "checked": "checked", "error": "unreadable"},
}
FILLS = {"pass": "E8F6EC", "fail": "FDECEA", "waived": "EEEEEE", "not_evaluated": "FFF8E1", "not_applicable": "FFFFFF",
         "error": "FDECEA", "warning": "FFF3D6", "info": "E3F0FA"}


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ws.cell(row=row, column=col)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return cell
    text = "" if value is None else str(value)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _fill(color: str) -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=color, end_color=color)


def render_xlsx(report: dict[str, Any], options: dict[str, Any] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from budgetlint.core.findings import basis_text

    lang = (options or {}).get("lang", "zh")
    h = HEAD.get(lang, HEAD["zh"])
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    wb = Workbook()
    ws = wb.active
    ws.title = h["findings"]
    for c, name in enumerate(h["cols"], 1):
        _put(ws, 1, c, name).font = bold
    for r, f in enumerate(report["findings"], 2):
        part = f.get("part") or {}
        w = f.get("waived")
        values = [f.get("source", ""), " ".join(str(x) for x in (part.get("type"), part.get("title")) if x),
                  human_location(f.get("location", {}) or {}, lang), f["rule_id"], h["sev"].get(f["severity"], f["severity"]),
                  f["message"], f.get("expected"), f.get("actual"), basis_text(f.get("basis", [])),
                  h["waived"].format(reason=w.get("reason", ""), approved_by=w.get("approved_by", "")) if w else h["open"],
                  f.get("fingerprint", ""),
                  h["caused_by"].format(fp=f["related_to"]) if f.get("related_to")
                  else h["causes"].format(n=len(f["related"])) if f.get("related") else "",
                  "", ""]  # 整改情况 / 处理意见: left empty for the clerk and the bureau to fill in
        for c, v in enumerate(values, 1):
            cell = _put(ws, r, c, v)
            if c == 5 and not w:
                cell.fill = _fill(FILLS[f["severity"]])
            if c in (3, 6, 9):
                cell.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{_col(len(h['cols']))}{max(1, len(report['findings']) + 1)}"
    for col, width in zip("ABCDEFGHIJKLMN", (28, 22, 34, 26, 8, 60, 14, 14, 40, 24, 18, 20, 30, 30)):
        ws.column_dimensions[col].width = width

    rule_titles = {r["id"]: r.get("title", "") for r in ((report.get("summary") or {}).get("matrix") or {}).get("rules", [])}
    rule_titles.update({k: v.get("title", "") for k, v in (report.get("rules") or {}).items() if isinstance(v, dict)})
    wsk = wb.create_sheet(h["skipped"])
    for c, name in enumerate(h["skipped_cols"], 1):
        _put(wsk, 1, c, name).font = bold
    skipped = [e for e in report.get("evaluations", [])
               if e.get("status") == "not_evaluated" or e.get("not_evaluated_relations")]  # wholly or partly
    for r, e in enumerate(skipped, 2):
        row = [e.get("document", ""), e.get("part_type") or e.get("part", ""), e["rule_id"],
               rule_titles.get(e["rule_id"], ""),
               "；".join(e.get("reasons", []) if e.get("status") == "not_evaluated"
                        else ["部分评估 (partially evaluated)", *e["not_evaluated_relations"]])]
        for c, v in enumerate(row, 1):
            _put(wsk, r, c, v).alignment = wrap
    for col, width in zip("ABCDE", (40, 24, 30, 36, 70)):
        wsk.column_dimensions[col].width = width
    wsk.freeze_panes = "A2"

    m = (report.get("summary") or {}).get("matrix")
    if m is None:
        from budgetlint.core.matrix import compliance_matrix

        m = compliance_matrix(report)
    wm = wb.create_sheet(h["matrix"])
    _put(wm, 1, 1, h["rule"]).font = bold
    _put(wm, 1, 2, h["title"]).font = bold
    for c, doc in enumerate(m["documents"], 3):
        _put(wm, 1, c, doc).font = bold
        wm.column_dimensions[_col(c)].width = 18
    for r, rule in enumerate(m["rules"], 2):
        _put(wm, r, 1, rule["id"])
        _put(wm, r, 2, rule.get("title", ""))
        for c, doc in enumerate(m["documents"], 3):
            st = m["cells"][rule["id"]][doc]["status"]
            _put(wm, r, c, h["status"][st]).fill = _fill(FILLS[st])
    wm.column_dimensions["A"].width = 30
    wm.column_dimensions["B"].width = 36
    wm.freeze_panes = "C2"

    wd = wb.create_sheet(h["documents"])
    for c, name in enumerate(h["doc_cols"], 1):
        _put(wd, 1, c, name).font = bold
    for r, d in enumerate(report["documents"], 2):
        fs = [f for f in report["findings"] if f.get("source") == d["path"]]
        meta = d.get("meta", {})
        row = [d["path"], h["checked"] if d.get("status") == "checked" else h["error"], meta.get("department", ""),
               meta.get("fiscal_year", ""), d.get("sha256", "")]
        row += [sum(1 for f in fs if f["severity"] == s and not f.get("waived")) for s in ("error", "warning", "info")]
        row += [sum(1 for f in fs if f.get("waived")), d.get("error", "")]
        for c, v in enumerate(row, 1):
            _put(wd, r, c, v)
    wd.column_dimensions["A"].width = 40

    # files a reviewer must know were not (fully) verified: skipped files,
    # crashes, warnings — one row each, with the reason (rules that were not
    # evaluated have the sheet above)
    zh = lang == "zh"
    wn = wb.create_sheet("未检查与注意" if zh else "Not checked")
    for c, name in enumerate(("文件" if zh else "File", "类别" if zh else "Kind", "规则/部分" if zh else "Rule/part",
                              "原因" if zh else "Reason"), 1):
        _put(wn, 1, c, name).font = bold
    rows: list[list[str]] = []
    for sk in report.get("skipped") or []:
        rows.append([sk["path"], "跳过的文件" if zh else "skipped file", "", sk["reason"]])
    for d in report["documents"]:
        if d.get("status") == "error" and d.get("parts") is not None:
            rows.append([d["path"], "运行错误" if zh else "crash", "", d.get("error", "")])
        for w in d.get("warnings") or []:
            rows.append([d["path"], "注意" if zh else "warning", "", w])
    for r, row in enumerate(rows, 2):
        for c, v in enumerate(row, 1):
            _put(wn, r, c, v)
    for col, width in zip("ABCD", (40, 14, 34, 90)):
        wn.column_dimensions[col].width = width
    wb.move_sheet(wsk, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(wsk.title))  # last: after the matrix
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def register(registry) -> None:
    registry.add_reporter("xlsx", render_xlsx, binary=True, description="Excel workbook: findings and compliance matrix")
