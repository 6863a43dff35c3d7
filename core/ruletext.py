"""Readable text of a rule (``rules show``) and of a check's documentation
(``rules explain``) for a bureau's rule author: Chinese first, no JSON, no
reStructuredText markup (the docstrings are written for Sphinx and pytest
plugins; a clerk should not see ``double backquotes``)."""
from __future__ import annotations

import json
import re
import textwrap
from typing import Any

SECTION_ZH = {"What it checks": "检查内容", "Why it matters": "为何重要", "Parameters": "参数", "Example": "示例"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``(.+?)``|`([^`]+)`")


def plain_text(text: str) -> str:
    """``x`` / `x` / :class:`~a.B` → x / x / a.B (the markup, not the words, goes)."""
    text = _ROLE.sub(lambda m: m.group(1), text)
    return _LITERAL.sub(lambda m: m.group(1) or m.group(2), text)


def doc_text_sections(cls: type) -> dict[str, str]:
    """The docstring's sections, each dedented as a block (so continuation
    lines keep their relative indent) and stripped of markup."""
    from budgetlint.core.checks import doc_section_lines

    return {k: plain_text(textwrap.dedent("\n".join(v)).strip("\n")) for k, v in doc_section_lines(cls).items()}


def explain_text(cls: type, rule: Any | None, lang: str = "zh") -> str:
    """``rules explain``: the rule (if any), then the check's documentation."""
    zh = lang == "zh"
    out: list[str] = []
    if rule is not None:
        sev = f"{SEVERITY_ZH.get(rule.severity, rule.severity)} {rule.severity}" if zh else rule.severity
        out.append(f"{'规则' if zh else 'rule'} {rule.id}（{sev}）— {rule.title}")
        if rule.description:
            out.append(textwrap.fill(str(rule.description), width=88))
        out.append(f"{'定义于 (defined at)' if zh else 'defined at'} {rule.where}")
        out.append("")
    out.append(f"{'检查类型' if zh else 'check type'} {cls.id} — {cls.title}")
    secs = doc_text_sections(cls)
    if secs.get("_summary"):
        out.append(secs["_summary"])
    for name in SECTION_ZH:
        body = secs.get(name, "")
        if not body:
            continue
        head = f"{SECTION_ZH[name]} ({name})" if zh else name
        out.append(f"\n{head}\n" + textwrap.indent(body, "    "))
    props = (cls.params_schema or {}).get("properties", {})
    if props:
        out.append("\n" + ("参数一览 (parameter schema)" if zh else "Parameter schema"))
        required = set((cls.params_schema or {}).get("required", []))
        for key, sub in props.items():
            bits = [_schema_kind(sub)]
            if key in required:
                bits.append("必填 required" if zh else "required")
            if "default" in sub:
                bits.append(("默认 default " if zh else "default ") + json.dumps(sub["default"], ensure_ascii=False))
            out.append(f"    {key}: " + "，".join(bits) if zh else f"    {key}: " + ", ".join(bits))
    return "\n".join(out) + "\n"


def _schema_kind(sub: dict[str, Any]) -> str:
    if "enum" in sub:
        return " | ".join(map(str, sub["enum"]))
    if "const" in sub:
        return json.dumps(sub["const"], ensure_ascii=False)
    if "oneOf" in sub or "anyOf" in sub:
        return " | ".join(_schema_kind(s) for s in sub.get("oneOf") or sub.get("anyOf"))
    t = sub.get("type", "any")
    return "/".join(t) if isinstance(t, list) else str(t)


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def show_text(pack: Any, rule: Any, lang: str = "zh") -> str:
    """``rules show``: the rule after inheritance, each value with the
    ``file:line`` it came from (``←``)."""
    zh = lang == "zh"
    prov = rule.provenance

    def src(key: str) -> str:
        return f"    ← {prov[key]}" if key in prov else ""

    chain = f"（{'继承 (extends)' if zh else 'extends'} {' → '.join(pack.chain[1:])}）" if len(pack.chain) > 1 else ""
    sev = f"{SEVERITY_ZH.get(rule.severity, rule.severity)} ({rule.severity})" if zh else rule.severity
    lines = [f"{'规则' if zh else 'rule'} {rule.id} — {rule.title}",
             f"  {'规则包 (pack)' if zh else 'pack'}: {pack.name}{chain}",
             f"  {'检查类型 (check)' if zh else 'check'}: {rule.check}{src('check')}",
             f"  {'严重程度 (severity)' if zh else 'severity'}: {sev}{src('severity')}",
             f"  {'启用 (enabled)' if zh else 'enabled'}: {('是' if rule.enabled else '否（已停用）') if zh else rule.enabled}"
             f"{src('enabled')}"]
    a = rule.applies_to or {}
    scope = "；".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in a.items()) or "*"
    lines.append(f"  {'适用范围 (applies to)' if zh else 'applies to'}: {scope}{src('applies_to')}")
    if rule.description:
        lines.append(f"  {'说明 (description)' if zh else 'description'}: {' '.join(str(rule.description).split())}")
    lines.append(f"  {'参数 (params)' if zh else 'params'}:")
    for key, val in rule.params.items():
        lines.append(f"    {key}: {_value(val)}{src('params.' + key)}")
    lines.append(f"  {'依据 (basis)' if zh else 'basis'}:{src('basis')}")
    for b in rule.basis or []:
        if isinstance(b, dict):
            lines.append("    - " + " ".join(str(b[k]) for k in ("document", "number", "article") if b.get(k)))
        else:
            lines.append(f"    - {b}")
    if not rule.basis:
        lines.append("    （无：纯算术规则）" if zh else "    (none: pure arithmetic)")
    lines.append(f"  {'提示语 (message)' if zh else 'message'}:{src('message')}")
    for k in ("zh", "en"):
        if k in (rule.message or {}):
            lines.append(f"    {k}: {rule.message[k]}")
    if "override_reason" in prov:
        lines.append(f"  {'覆盖原因 (override reason)' if zh else 'override reason'}: {prov['override_reason']}")
    lines.append(f"  {'定义于 (defined at)' if zh else 'defined at'}: {rule.where}")
    return "\n".join(lines) + "\n"
