"""Findings: what a rule produced, rendered for a finance clerk.

A finding names the rule, its severity, a message (Chinese by default,
English with ``--lang en``), where the problem is (file, part, line, section,
table, row, column, cell), the expected and actual values, the operands of an
arithmetic rule with their own locations, and the legal basis.
"""
from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgetlint.core.checks import CheckContext, Operand

ROUNDING_PREFIX = {"zh": "尾数差异：", "en": "Rounding difference: "}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class _Fmt(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        text = f"{v:.4f}".rstrip("0").rstrip(".")
        return text
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral_value() else str(v)
    if isinstance(v, (list, tuple)):
        return "、".join(_fmt_value(x) for x in v)
    return "" if v is None else str(v)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^\W\d]\w*)\}")


def render_message(template: str, params: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders only: no format specs or attribute access
    (``{expected:>1000000000}``, ``{expected.__class__}``) from a rule pack ever
    reach ``str.format``.  Unknown names and stray braces stay as written."""
    fmt = _Fmt({k: _fmt_value(v) for k, v in params.items()})

    def fill(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        return fmt[m.group(1)]

    return _PLACEHOLDER.sub(fill, template)


def make_finding(ctx: CheckContext, *, location: dict[str, Any], expected: Any, actual: Any,
                 severity: str | None, kind: str | None, operands: list[Operand] | None,
                 message: dict[str, str] | None, params: dict[str, Any]) -> dict[str, Any]:
    from budgetlint.core.checks import number_json

    rule = ctx.rule
    sev = severity or rule.severity
    values = {"expected": expected, "actual": actual, **params}
    for k, v in list(values.items()):
        if isinstance(v, Decimal):
            values[k] = number_json(v)
    templates = {**rule.message, **(message or {})}
    lang = ctx.lang if ctx.lang in templates else "zh"
    if "where" not in values:
        from budgetlint.core.checks import place

        values["where"] = place(location, lang)
    text = render_message(templates.get(lang) or templates.get("zh") or rule.title or rule.id, values)
    if kind == "rounding":
        text = ROUNDING_PREFIX.get(ctx.lang, ROUNDING_PREFIX["zh"]) + text
    finding: dict[str, Any] = {
        "rule_id": rule.id,
        "check": rule.check,
        "severity": sev,
        "message": text,
        "source": ctx.doc["source"]["path"],
        "part": {k: ctx.part.get(k) for k in ("id", "type", "title", "year") if ctx.part.get(k) is not None},
        "location": location,
    }
    if kind:
        finding["kind"] = kind
    if expected is not None:
        finding["expected"] = number_json(expected) if isinstance(expected, Decimal) else expected
    if actual is not None:
        finding["actual"] = number_json(actual) if isinstance(actual, Decimal) else actual
    if operands:
        finding["operands"] = [
            {"value": number_json(op.value), "text": op.text, "label": op.label, "location": op.location}
            for op in operands]
    extra = {k: (number_json(v) if isinstance(v, Decimal) else v) for k, v in params.items()
             if k not in ("expected", "actual") and isinstance(v, (str, int, float, Decimal, bool))}
    if extra:
        finding["details"] = extra
    finding["basis"] = rule.basis
    finding["fingerprint"] = fingerprint(finding)
    return finding


def fingerprint(finding: dict[str, Any]) -> str:
    """Identity of a finding that survives edits elsewhere in the file: rule,
    document name, part type and the human path (table, row, column, cell or
    a snippet of the sentence) — never the line number."""
    loc = finding.get("location", {})
    parts = [finding["rule_id"], finding.get("source", "").replace("\\", "/").rsplit("/", 1)[-1],
             str(finding.get("part", {}).get("type", "")), str(finding.get("part", {}).get("title", ""))]
    for key in ("table_code", "table", "row", "column", "cell", "indicator", "field", "snippet", "section"):
        if loc.get(key) not in (None, ""):
            parts.append(f"{key}={loc[key]}")
    if len(parts) <= 4:  # nothing human-readable: fall back to the message
        parts.append(finding.get("message", ""))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def basis_text(basis: list[dict[str, Any]]) -> str:
    """A rule's citations as one line: 《文件》（文号） 条款；…"""
    out = []
    for b in basis or []:
        t = b.get("document", "")
        if b.get("number"):
            t += f"（{b['number']}）"
        if b.get("article"):
            t += " " + str(b["article"])
        out.append(t)
    return "；".join(out)


def human_location(loc: dict[str, Any], lang: str = "zh") -> str:
    """One-line place for text output: 第283行 · 公开05表 … · 行 20199 · 列 项目支出."""
    bits: list[str] = []
    if loc.get("line"):
        if loc.get("end_line") and loc["end_line"] != loc["line"]:
            bits.append(f"第{loc['line']}-{loc['end_line']}行" if lang == "zh" else f"lines {loc['line']}-{loc['end_line']}")
        else:
            bits.append(f"第{loc['line']}行" if lang == "zh" else f"line {loc['line']}")
    if loc.get("page"):
        bits.append(f"第{loc['page']}页" if lang == "zh" else f"page {loc['page']}")
    if loc.get("sheet"):
        bits.append(f"{loc['sheet']}!{loc.get('cell_ref', '')}".rstrip("!"))
    if loc.get("paragraph") is not None and not loc.get("line"):
        bits.append(f"段落{loc['paragraph']}" if lang == "zh" else f"paragraph {loc['paragraph']}")
    table = " ".join(str(loc[k]) for k in ("table_code", "table") if loc.get(k))
    if table:
        bits.append(table)
    elif loc.get("section"):
        bits.append(str(loc["section"]))
    if loc.get("indicator"):
        bits.append(("指标 " if lang == "zh" else "indicator ") + str(loc["indicator"]))
    if loc.get("row"):
        bits.append(("行 " if lang == "zh" else "row ") + str(loc["row"]))
    if loc.get("column"):
        bits.append(("列 " if lang == "zh" else "column ") + str(loc["column"]))
    if loc.get("field"):
        bits.append(str(loc["field"]))
    return " · ".join(bits)


def sort_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    loc = finding.get("location", {})
    return (finding.get("source", ""), finding.get("part", {}).get("id", ""),
            loc.get("page") or 0, loc.get("line") or 0, loc.get("row_index") or 0, loc.get("col_index") or 0,
            SEVERITY_ORDER.get(finding["severity"], 9), finding["rule_id"], finding.get("message", ""))
