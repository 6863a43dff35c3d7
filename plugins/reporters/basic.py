"""The engine's own reporters: versioned JSON, and text for a clerk at a
terminal (grouped by file and part, ordered by place, expected vs actual,
basis, then one summary line)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from budgetlint.core.findings import SEVERITY_ORDER, basis_text, human_location

_SEV_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_COLOR = {"error": "red", "warning": "yellow", "info": "cyan"}


def render_json(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def render_json_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """The same JSON, byte for byte, written a document, finding and
    evaluation at a time from a :class:`~budgetlint.core.reportstream.ReportStream`."""
    from budgetlint.core.reportstream import iter_json

    for piece in iter_json(report.json_object()):
        out.write(piece)
    out.write("\n")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def _shown(v: Any) -> bool:
    return v is not None and str(v).strip() not in ("", "None")


def _in_message(v: Any, msg: str) -> bool:
    """Does the message already show ``v``?  A figure counts however it is
    printed there (13583.48 as “13,583.48” or “13583.480”); other values as
    text."""
    import re
    from decimal import Decimal, InvalidOperation

    if _fmt(v) in msg:
        return True
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    want = Decimal(str(v))
    for m in re.findall(r"\d[\d,]*(?:\.\d+)?", msg):
        try:
            if Decimal(m.replace(",", "")) == want:
                return True
        except InvalidOperation:
            continue
    return False


def _expected_line(f: dict[str, Any], lang: str) -> str | None:
    """``应为 X，实为 Y`` only when it adds something to the message (the
    figures are not already in it) and never with an empty or None side."""
    e, a = f.get("expected"), f.get("actual")
    if not _shown(e):
        return None
    msg = f.get("message", "")
    if _in_message(e, msg) and (not _shown(a) or _in_message(a, msg)):
        return None
    if lang == "zh":
        return "应为 " + _fmt(e) + (f"，实为 {_fmt(a)}" if _shown(a) else "")
    return "expected " + _fmt(e) + (f", found {_fmt(a)}" if _shown(a) else "")


def _related_line(f: dict[str, Any], by_fp: dict[str, dict[str, Any]], lang: str, limit: int = 6) -> str | None:
    """One line naming the places of a root's consequences (or of the same
    rounding difference elsewhere); the JSON report has them in full."""
    rel = [by_fp[x] for x in f.get("related", []) if x in by_fp]
    if not rel:
        return None
    places = []
    for r in rel[:limit]:
        where = human_location(r.get("location", {}), lang) or r["rule_id"]
        places.append(f"{where}（{r['rule_id']}）" if lang == "zh" else f"{where} ({r['rule_id']})")
    more = len(rel) - limit
    if rel[0].get("relation") == "same_rounding":
        head = f"同一尾数差异另见 {len(rel)} 处：" if lang == "zh" else f"same rounding difference at {len(rel)} more place(s): "
    else:
        head = f"由此引起 {len(rel)} 项：" if lang == "zh" else f"causes {len(rel)} more finding(s): "
    tail = (f"；等 {more} 处" if lang == "zh" else f"; and {more} more") if more > 0 else ""
    return head + ("；" if lang == "zh" else "; ").join(places) + tail


def render_text(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    """Text for a clerk: per file, errors first, then warnings (info only
    with ``show_info``); each root cause once, its consequences on one line;
    the 依据 once per rule per file; a waived finding as one line; one
    summary line that counts what is hidden."""
    from budgetlint.core.reportstream import ReportStream

    return "".join(text_pieces(ReportStream.from_report(report), options))


def render_text_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """The text report written a document at a time (a :class:`ReportStream`)."""
    for piece in text_pieces(report, options):
        out.write(piece)


def text_pieces(report: Any, options: dict[str, Any] | None = None) -> Iterator[str]:
    """The text report of a :class:`~budgetlint.core.reportstream.ReportStream`,
    a document's block at a time."""
    import click

    opts = options or {}
    lang = opts.get("lang", "zh")
    color = bool(opts.get("color"))
    show_skipped = bool(opts.get("show_skipped"))
    show_info = bool(opts.get("show_info"))
    zh = lang == "zh"

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    for result in report.results():
        lines: list[str] = []
        doc = result["document"]
        findings = result["findings"]
        evaluations = result["evaluations"]
        by_fp = {f["fingerprint"]: f for f in findings if f.get("fingerprint")}
        path = doc["path"]
        if doc.get("status") == "error":
            lines.append(style(f"✗ {doc.get('error', path)}", fg="red", bold=True))
            if doc.get("parts") is None:  # unreadable; a crashed document still shows what did run
                yield "\n".join(lines) + "\n\n"
                continue
        roots = [f for f in findings if f["source"] == path and f.get("related_to") not in by_fp
                 and (show_info or f["severity"] != "info")]
        roots.sort(key=lambda f: SEVERITY_ORDER.get(f["severity"], 9))  # stable: place order within a severity
        meta = doc.get("meta", {})
        extra = " · ".join(str(x) for x in (meta.get("department"), meta.get("fiscal_year")) if x)
        lines.append(style(path, bold=True) + (f"  ({extra})" if extra else ""))
        for w in doc.get("warnings") or []:
            lines.append(style(("  注意：" if zh else "  warning: ") + w, fg="yellow"))
        parts = {p["id"]: p for p in doc.get("parts", [])}
        cited: set[str] = set()
        last_part = None
        for f in roots:
            part_id = f.get("part", {}).get("id")
            if part_id != last_part:
                p = parts.get(part_id, {})
                lines.append(style(f"  ── {p.get('type', '')} {p.get('title', '')} [{p.get('rule_pack', '')}]", fg="blue"))
                last_part = part_id
            sev = f["severity"]
            label = _SEV_ZH[sev] if zh else sev
            where = human_location(f.get("location", {}), lang)
            if f.get("waived"):
                w = f["waived"] if isinstance(f["waived"], dict) else f.get("waiver", {})
                lines.append(f"  {'已豁免' if zh else 'waived'} {where}  [{f['rule_id']}] "
                             f"{w.get('reason', '')} ({w.get('approved_by', '')}, {w.get('waiver', '')})")
                continue
            exp = _expected_line(f, lang)
            message = f["message"] + (f"（{exp}）" if exp and zh else f" ({exp})" if exp else "")
            lines.append(f"  {style(label, fg=_COLOR[sev], bold=sev == 'error')} {where}"
                         f"{'：' if zh and where else ': ' if where else ''}{message}  [{f['rule_id']}]")
            rel = _related_line(f, by_fp, lang)
            if rel:
                lines.append("      " + rel)
            if f["rule_id"] not in cited:
                cited.add(f["rule_id"])
                basis = basis_text(f.get("basis", []))
                if basis:
                    lines.append(("      依据：" if zh else "      basis: ") + basis)
        if not roots:
            hidden = sum(1 for f in findings if f["source"] == path and not f.get("related_to"))
            lines.append(("  无错误或警告" if zh else "  no errors or warnings")
                         + ((f"（提示 {hidden} 项未显示）" if zh else f" ({hidden} info hidden)") if hidden else ""))
        if show_skipped:
            skipped = [e for e in evaluations if e["document"] == path and e["status"] == "not_evaluated"]
            if skipped:
                lines.append(style("  ── 未能评估的规则" if zh else "  ── rules not evaluated", fg="magenta"))
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
        yield "\n".join(lines) + "\n\n"
    lines = []
    for f in report.loose:  # findings about other files, e.g. an expired waiver in the waiver file
        label = _SEV_ZH[f["severity"]] if zh else f["severity"]
        lines.append(f"{f.get('source', '')}:{f.get('location', {}).get('line', '')}: "
                     f"{style(label, fg=_COLOR[f['severity']])} {f['message']}  [{f['rule_id']}]")
    skipped_files = report.head.get("skipped") or []
    if skipped_files:
        lines.append(style("未检查的文件 (skipped files)" if lang == "zh" else "Skipped files", fg="magenta", bold=True))
        for sk in skipped_files:
            lines.append(f"  ⊘ {sk['path']}: {sk['reason']}")
        lines.append("")
    s = report.head["summary"]
    for dpath, counts in (s.get("by_document") or {}).items():
        if counts.get("not_evaluated") or counts.get("partially_evaluated"):
            lines.append((f"{dpath}: 未能评估 {counts['not_evaluated']} 条规则，部分评估 {counts['partially_evaluated']} 条"
                          if lang == "zh" else
                          f"{dpath}: {counts['not_evaluated']} rule(s) not evaluated, "
                          f"{counts['partially_evaluated']} partially evaluated")
                         + ("（--show-skipped 列出原因）" if lang == "zh" else " (--show-skipped lists why)"))
    lines.append(style(summary_line(report.head, lang, show_info=show_info), bold=True))
    yield "\n".join(lines) + "\n"


def summary_line(report: dict[str, Any], lang: str = "zh", *, show_info: bool = True) -> str:
    """The one-line summary (also printed to the terminal when the report
    goes to a file with ``-o``)."""
    s = report["summary"]
    sev = s["by_severity"]
    related = s.get("related", 0)
    if lang == "zh":
        return (f"共 {s['documents']} 个文件（{s['documents_unreadable']} 个无法读取）："
                f"错误 {sev['error']}，警告 {sev['warning']}，提示 {sev['info']}"
                + ("" if show_info or not sev["info"] else "（未显示，加 --show-info 查看）")
                + (f"，另有 {related} 项由上述问题引起" if related else "")
                + f"；未能评估 {s['not_evaluated']} 项"
                + (f"，部分评估 {s['partially_evaluated']} 项" if s.get("partially_evaluated") else "")
                + (f"，跳过 {s['files_skipped']} 个文件" if s.get("files_skipped") else "")
                + (f"，已豁免 {s['waived']}" if s.get("waived") else ""))
    return (f"{s['documents']} file(s) ({s['documents_unreadable']} unreadable): "
            f"{sev['error']} error(s), {sev['warning']} warning(s), {sev['info']} info"
            + ("" if show_info or not sev["info"] else " (hidden, use --show-info)")
            + (f", {related} more caused by these" if related else "")
            + f"; {s['not_evaluated']} rule evaluation(s) not evaluated"
            + (f", {s['partially_evaluated']} partially evaluated" if s.get("partially_evaluated") else "")
            + (f", {s['files_skipped']} file(s) skipped" if s.get("files_skipped") else "")
            + (f", {s['waived']} waived" if s.get("waived") else ""))


def register(registry) -> None:
    registry.add_reporter("json", render_json, description="versioned JSON report", stream=render_json_stream)
    registry.add_reporter("text", render_text, description="terminal text for a clerk", stream=render_text_stream)
