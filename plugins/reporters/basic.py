"""The engine's own reporters: versioned JSON, and text for a clerk at a
terminal (grouped by file and part, ordered by place, expected vs actual,
basis, then one summary line)."""
from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from budgetlint.core.findings import basis_text, human_location

_SEV_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_COLOR = {"error": "red", "warning": "yellow", "info": "cyan"}


def render_json(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def render_text(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    import click

    opts = options or {}
    lang = opts.get("lang", "zh")
    color = bool(opts.get("color"))
    show_skipped = bool(opts.get("show_skipped"))

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    lines: list[str] = []
    by_doc = {d["path"]: d for d in report["documents"]}
    findings = report["findings"]
    evaluations = report.get("evaluations", [])
    for doc in report["documents"]:
        path = doc["path"]
        if doc.get("status") == "error":
            lines.append(style(f"✗ {doc.get('error', path)}", fg="red", bold=True))
            if doc.get("parts") is None:  # unreadable; a crashed document still shows what did run
                lines.append("")
                continue
        doc_findings = [f for f in findings if f["source"] == path]
        meta = doc.get("meta", {})
        head = f"{path}"
        extra = " · ".join(str(x) for x in (meta.get("department"), meta.get("fiscal_year")) if x)
        lines.append(style(head, bold=True) + (f"  ({extra})" if extra else ""))
        for w in doc.get("warnings") or []:
            lines.append(style(("  注意：" if lang == "zh" else "  warning: ") + w, fg="yellow"))
        parts = {p["id"]: p for p in doc.get("parts", [])}
        for part_id, group in groupby(doc_findings, key=lambda f: f.get("part", {}).get("id")):
            group = list(group)
            p = parts.get(part_id, {})
            lines.append(style(f"  ── {p.get('type', '')} {p.get('title', '')} [{p.get('rule_pack', '')}]", fg="blue"))
            for f in group:
                sev = f["severity"]
                label = _SEV_ZH[sev] if lang == "zh" else sev
                where = human_location(f.get("location", {}), lang)
                lines.append(f"  {style(label, fg=_COLOR[sev], bold=sev == 'error')} {where}")
                lines.append(f"      {f['message']}  [{f['rule_id']}]")
                if f.get("waived"):
                    w = f["waived"]
                    lines.append(("      已豁免：" if lang == "zh" else "      waived: ") +
                                 f"{w.get('reason', '')} ({w.get('approved_by', '')}, {w.get('waiver', '')})")
                if f.get("expected") is not None:
                    e, a = f.get("expected"), f.get("actual")
                    lines.append(("      应为 " if lang == "zh" else "      expected ") + _fmt(e) +
                                 ("，实为 " if lang == "zh" else ", found ") + _fmt(a))
                basis = basis_text(f.get("basis", []))
                if basis:
                    lines.append(("      依据：" if lang == "zh" else "      basis: ") + basis)
        if show_skipped:
            skipped = [e for e in evaluations if e["document"] == path and e["status"] == "not_evaluated"]
            if skipped:
                lines.append(style("  ── 未能评估的规则 (not evaluated)" if lang == "zh" else "  ── rules not evaluated", fg="magenta"))
                for e in skipped:
                    part = parts.get(e["part"], {})
                    lines.append(f"  {e['rule_id']} [{part.get('type', e['part'])}]: {'; '.join(e.get('reasons', []))}")
            partial = [e for e in evaluations if e["document"] == path and e["status"] != "not_evaluated"
                       and e.get("not_evaluated_relations")]
            if partial:
                lines.append(style("  ── 部分关系未能评估的规则 (partially evaluated)" if lang == "zh"
                                   else "  ── rules partially evaluated", fg="magenta"))
                for e in partial:
                    part = parts.get(e["part"], {})
                    lines.append(f"  {e['rule_id']} [{part.get('type', e['part'])}]: "
                                 f"{'; '.join(e['not_evaluated_relations'])}")
        lines.append("")
    for f in findings:  # findings about other files, e.g. an expired waiver in the waiver file
        if f.get("source") not in by_doc:
            label = _SEV_ZH[f["severity"]] if lang == "zh" else f["severity"]
            lines.append(f"{f.get('source', '')}:{f.get('location', {}).get('line', '')}: "
                         f"{style(label, fg=_COLOR[f['severity']])} {f['message']}  [{f['rule_id']}]")
    skipped_files = report.get("skipped") or []
    if skipped_files:
        lines.append(style("未检查的文件 (skipped files)" if lang == "zh" else "Skipped files", fg="magenta", bold=True))
        for sk in skipped_files:
            lines.append(f"  ⊘ {sk['path']}: {sk['reason']}")
        lines.append("")
    s = report["summary"]
    sev = s["by_severity"]
    for dpath, counts in (s.get("by_document") or {}).items():
        if counts.get("not_evaluated") or counts.get("partially_evaluated"):
            lines.append((f"{dpath}: 未能评估 {counts['not_evaluated']} 条规则，部分评估 {counts['partially_evaluated']} 条"
                          if lang == "zh" else
                          f"{dpath}: {counts['not_evaluated']} rule(s) not evaluated, "
                          f"{counts['partially_evaluated']} partially evaluated")
                         + ("（--show-skipped 列出原因）" if lang == "zh" else " (--show-skipped lists why)"))
    if lang == "zh":
        summary = (f"共 {s['documents']} 个文件（{s['documents_unreadable']} 个无法读取）："
                   f"错误 {sev['error']}，警告 {sev['warning']}，提示 {sev['info']}；"
                   f"未能评估 {s['not_evaluated']} 项" + (f"，部分评估 {s['partially_evaluated']} 项" if s.get("partially_evaluated") else "")
                   + (f"，跳过 {s['files_skipped']} 个文件" if s.get("files_skipped") else "")
                   + (f"，已豁免 {s['waived']}" if s.get("waived") else ""))
    else:
        summary = (f"{s['documents']} file(s) ({s['documents_unreadable']} unreadable): "
                   f"{sev['error']} error(s), {sev['warning']} warning(s), {sev['info']} info; "
                   f"{s['not_evaluated']} rule evaluation(s) not evaluated" +
                   (f", {s['partially_evaluated']} partially evaluated" if s.get("partially_evaluated") else "") +
                   (f", {s['files_skipped']} file(s) skipped" if s.get("files_skipped") else "") +
                   (f", {s['waived']} waived" if s.get("waived") else ""))
    lines.append(style(summary, bold=True))
    _ = by_doc
    return "\n".join(lines) + "\n"


def register(registry) -> None:
    registry.add_reporter("json", render_json, description="versioned JSON report")
    registry.add_reporter("text", render_text, description="terminal text for a clerk")
