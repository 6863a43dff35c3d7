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


def _cell(ws: Any, value: Any, *, font: Any = None, fill: Any = None, alignment: Any = None) -> Any:
    """A write-only cell: numbers stay numbers; any other value is plain text
    (never a formula, whatever it starts with; characters Excel rejects removed)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = WriteOnlyCell(ws, value=value)
    else:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _fill(color: str) -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=color, end_color=color)


def render_xlsx(report: dict[str, Any], options: dict[str, Any] | None = None) -> bytes:
    from budgetlint.core.reportstream import ReportStream

    buf = io.BytesIO()
    render_xlsx_stream(ReportStream.from_report(report), options, buf)
    return buf.getvalue()


def render_xlsx_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """The workbook in openpyxl's write-only mode: every sheet gets its rows
    as the documents stream by (one pass), the matrix sheet after it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from budgetlint.core.findings import basis_text

    lang = (options or {}).get("lang", "zh")
    zh = lang == "zh"
    h = HEAD.get(lang, HEAD["zh"])
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fills = {k: _fill(v) for k, v in FILLS.items()}
    head = report.head
    m = (head.get("summary") or {}).get("matrix")
    if m is None:
        from budgetlint.core.matrix import compliance_matrix

        m = compliance_matrix(report.as_report())
    wb = Workbook(write_only=True)
    # sheets in their order in the workbook; rows are appended to each as the documents stream by
    ws = wb.create_sheet(h["findings"])
    wm = wb.create_sheet(h["matrix"])
    wd = wb.create_sheet(h["documents"])
    wn = wb.create_sheet("未检查与注意" if zh else "Not checked")
    wsk = wb.create_sheet(h["skipped"])

    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMN", (28, 22, 34, 26, 8, 60, 14, 14, 40, 24, 18, 20, 30, 30)):
        ws.column_dimensions[col].width = width
    ws.append([_cell(ws, name, font=bold) for name in h["cols"]])
    for col, width in zip("ABCDE", (40, 24, 30, 36, 70)):
        wsk.column_dimensions[col].width = width
    wsk.freeze_panes = "A2"
    wsk.append([_cell(wsk, name, font=bold) for name in h["skipped_cols"]])
    wd.column_dimensions["A"].width = 40
    wd.append([_cell(wd, name, font=bold) for name in h["doc_cols"]])
    for col, width in zip("ABCD", (40, 14, 34, 90)):
        wn.column_dimensions[col].width = width
    wn.append([_cell(wn, name, font=bold) for name in ("文件" if zh else "File", "类别" if zh else "Kind",
                                                        "规则/部分" if zh else "Rule/part", "原因" if zh else "Reason")])
    # files a reviewer must know were not (fully) verified: skipped files,
    # crashes, warnings — one row each, with the reason (rules that were not
    # evaluated have their own sheet)
    for sk in head.get("skipped") or []:
        wn.append([_cell(wn, v) for v in (sk["path"], "跳过的文件" if zh else "skipped file", "", sk["reason"])])

    rule_titles = {r["id"]: r.get("title", "") for r in m.get("rules", [])}
    rule_titles.update({k: v.get("title", "") for k, v in (head.get("rules") or {}).items() if isinstance(v, dict)})
    n_findings = 0

    def finding_row(f: dict[str, Any]) -> None:
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
        ws.append([_cell(ws, v, fill=fills[f["severity"]] if c == 5 and not w else None,
                         alignment=wrap if c in (3, 6, 9) else None) for c, v in enumerate(values, 1)])

    for result in report.results():
        d, fs = result["document"], result["findings"]
        for f in fs:
            finding_row(f)
        n_findings += len(fs)
        for e in result["evaluations"]:
            if e.get("status") == "not_evaluated" or e.get("not_evaluated_relations"):  # wholly or partly
                row = [e.get("document", ""), e.get("part_type") or e.get("part", ""), e["rule_id"],
                       rule_titles.get(e["rule_id"], ""),
                       "；".join(e.get("reasons", []) if e.get("status") == "not_evaluated"
                                else ["部分评估 (partially evaluated)", *e["not_evaluated_relations"]])]
                wsk.append([_cell(wsk, v, alignment=wrap) for v in row])
        meta = d.get("meta", {})
        row = [d["path"], h["checked"] if d.get("status") == "checked" else h["error"], meta.get("department", ""),
               meta.get("fiscal_year", ""), d.get("sha256", "")]
        mine = [f for f in fs if f.get("source") == d["path"]]
        row += [sum(1 for f in mine if f["severity"] == s and not f.get("waived")) for s in ("error", "warning", "info")]
        row += [sum(1 for f in mine if f.get("waived")), d.get("error", "")]
        wd.append([_cell(wd, v) for v in row])
        if d.get("status") == "error" and d.get("parts") is not None:
            wn.append([_cell(wn, v) for v in (d["path"], "运行错误" if zh else "crash", "", d.get("error", ""))])
        for w in d.get("warnings") or []:
            wn.append([_cell(wn, v) for v in (d["path"], "注意" if zh else "warning", "", w)])
    for f in report.loose:
        finding_row(f)
    n_findings += len(report.loose)
    ws.auto_filter.ref = f"A1:{_col(len(h['cols']))}{max(1, n_findings + 1)}"

    for c in range(3, sum(1 for _ in m["documents"]) + 3):
        wm.column_dimensions[_col(c)].width = 18
    wm.column_dimensions["A"].width = 30
    wm.column_dimensions["B"].width = 36
    wm.freeze_panes = "C2"
    wm.append([_cell(wm, h["rule"], font=bold), _cell(wm, h["title"], font=bold),
               *(_cell(wm, doc, font=bold) for doc in m["documents"])])
    for rule in m["rules"]:
        row = m["cells"][rule["id"]]
        wm.append([_cell(wm, rule["id"]), _cell(wm, rule.get("title", "")),
                   *(_cell(wm, h["status"][st], fill=fills[st])
                     for st in (row[doc]["status"] for doc in m["documents"]))])
    wb.save(out)


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def register(registry) -> None:
    registry.add_reporter("xlsx", render_xlsx, binary=True, description="Excel workbook: findings and compliance matrix",
                          stream=render_xlsx_stream)
