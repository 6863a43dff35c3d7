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
# a placeholder alone in brackets: “收入支出决算总表”（{code}） when the table prints no code
_BRACKETED = re.compile(r" ?[（(]\{([^\W\d]\w*)\}[)）]")


def render_message(template: str, params: dict[str, Any], lang: str = "zh") -> str:
    """Fill ``{name}`` placeholders only: no format specs or attribute access
    (``{expected:>1000000000}``, ``{expected.__class__}``) from a rule pack ever
    reach ``str.format``.  Unknown names and stray braces stay as written;
    internal dotted names among the values (``本年支出.合计``) are shown as a
    clerk names them."""
    from budgetlint.core.i18n import humanize_names

    fmt = _Fmt({k: humanize_names(_fmt_value(v), lang) for k, v in params.items()})
    # brackets around a value that is empty are dropped, not shown as “（）”
    template = _BRACKETED.sub(lambda m: "" if m.group(1) in params and fmt[m.group(1)] == "" else m.group(0),
                              template)

    def fill(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        return fmt[m.group(1)]

    return _PLACEHOLDER.sub(fill, template)


def _printed_style(operands: list[Operand] | None) -> tuple[int, bool] | None:
    """(decimals, thousands separators) the operands of a comparison were
    printed with — the most decimals any of them shows, and grouping when one
    is printed with it — or None when no operand was printed as a number
    with decimals (counts, scores and whole amounts stay as they are)."""
    from budgetlint.core.checks import EXACT_DECIMALS

    printed = [op for op in operands or [] if op.decimals is not None and 0 < op.decimals < EXACT_DECIMALS]
    if not printed:
        return None
    return max(op.decimals for op in printed), any("," in (op.text or "") for op in operands or [])


def _as_printed(value: float | int | Decimal, decimals: int, grouping: bool) -> str:
    d = Decimal(str(value))
    return format(d, f"{',' if grouping else ''}.{decimals}f")


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
    shown = _printed_style(operands)
    if shown is not None:  # the figures of a comparison as the document prints them: 13,583.48, not 13583.48
        for k in ("expected", "actual", "difference"):
            v = values.get(k)
            if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                values[k] = _as_printed(v, *shown)
    templates = {**rule.message, **(message or {})}
    lang = ctx.lang if ctx.lang in templates else "zh"
    if "where" not in values:
        from budgetlint.core.checks import place

        values["where"] = place(location, lang)
    text = render_message(templates.get(lang) or templates.get("zh") or rule.title or rule.id, values, lang)
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


#: location keys that name a place as a person does (no line or page numbers)
_FP_PLACE = ("table_code", "table", "row", "column", "cell", "scorecard_name", "indicator", "field", "subject",
             "snippet", "section")
#: finding details that name the role of a figure (which column, which fact)
_FP_ROLES = ("field", "subject", "fact", "name", "column", "row", "indicator")
_LINE_REF = re.compile(r"第\s*\d+(?:\s*-\s*\d+)?\s*[行页段]|(?:line|page|paragraph)s?\s*\d+")


def fingerprint(finding: dict[str, Any]) -> str:
    """Identity of a finding that survives edits elsewhere in the file.

    It depends on the rule, the document's file name, the part (type and
    title), the human path of the place (table, row, column, indicator,
    subject, sentence …) and the roles of the figures compared (the
    ``field``/``fact`` the check names, the operands' labels) — so the 预算
    and 决算 versions of one mismatch differ — but never on a line or page
    number.  :func:`make_unique` numbers any remaining twins in document
    order."""
    loc = finding.get("location", {})
    parts = [finding["rule_id"], finding.get("source", "").replace("\\", "/").rsplit("/", 1)[-1],
             str(finding.get("part", {}).get("type", "")), str(finding.get("part", {}).get("title", ""))]
    for key in _FP_PLACE:
        if loc.get(key) not in (None, ""):
            parts.append(f"{key}={_LINE_REF.sub('', str(loc[key]))}")
    details = finding.get("details", {})
    for key in _FP_ROLES:
        if details.get(key) not in (None, ""):
            parts.append(f"role.{key}={_LINE_REF.sub('', str(details[key]))}")
    for op in finding.get("operands", []):
        if op.get("label"):
            parts.append("operand=" + _LINE_REF.sub("", str(op["label"])))
    if finding.get("kind"):
        parts.append(f"kind={finding['kind']}")
    if len(parts) <= 4:  # nothing human-readable: fall back to the message, without its line numbers
        parts.append(_LINE_REF.sub("", finding.get("message", "")))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]  # raw file names


def make_unique(findings: list[dict[str, Any]]) -> None:
    """Two findings never share a fingerprint: the second, third … finding
    with the same identity in one document (five identical scorecards) get
    their ordinal mixed in, in document order — stable under line shifts."""
    seen: dict[str, int] = {}
    for f in findings:
        base = f["fingerprint"]
        n = seen.get(base, 0)
        seen[base] = n + 1
        if n:
            f["fingerprint"] = hashlib.sha1(f"{base}#{n}".encode()).hexdigest()[:16]


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
    from budgetlint.core.i18n import humanize_names

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
        bits.append(f"第{int(loc['paragraph']) + 1}段" if lang == "zh" else f"paragraph {int(loc['paragraph']) + 1}")
    if loc.get("path") and not (loc.get("line") or loc.get("page")):
        from budgetlint.core.checks import place

        bits.append(place({"path": loc["path"]}, lang))
    table = " ".join(str(loc[k]) for k in ("table_code", "table") if loc.get(k))
    if table:
        bits.append(table)
    elif loc.get("section"):
        bits.append(str(loc["section"]))
    if loc.get("indicator"):
        bits.append(("指标 " if lang == "zh" else "indicator ") + str(loc["indicator"]))
    if loc.get("row"):
        bits.append(("行 " if lang == "zh" else "row ") + humanize_names(str(loc["row"]), lang))
    if loc.get("column"):
        bits.append(("列 " if lang == "zh" else "column ") + humanize_names(str(loc["column"]), lang))
    if loc.get("field"):
        bits.append(humanize_names(str(loc["field"]), lang))
    return " · ".join(bits)


def sort_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    loc = finding.get("location", {})
    return (finding.get("source", ""), finding.get("part", {}).get("id", ""),
            loc.get("page") or 0, loc.get("line") or 0, loc.get("row_index") or 0, loc.get("col_index") or 0,
            SEVERITY_ORDER.get(finding["severity"], 9), finding["rule_id"], finding.get("message", ""))


# ------------------------------------------------------------ root causes
#: machine coordinates of a location: two findings reading the same printed
#: figure have the same key whatever human labels each check attached
_PLACE_KEYS = ("block", "row_index", "col_index", "line", "page", "bbox", "sheet", "cell_ref", "path", "paragraph")


def place_key(ref: dict[str, Any] | str) -> str:
    """A stable key for a printed figure (a location dict) or for a derived
    value a check names itself (a string such as ``"scorecard:1:总分值"``)."""
    if isinstance(ref, str):
        return ref
    bits = [f"{k}={ref[k]}" for k in _PLACE_KEYS if ref.get(k) not in (None, "")]
    for k in ("table", "row", "col"):  # DOCX coordinates are integers; human labels are not coordinates
        if isinstance(ref.get(k), int):
            bits.append(f"{k}={ref[k]}")
    return "|".join(bits)


def _inputs(f: dict[str, Any]) -> set[str]:
    keys = {place_key(op["location"]) for op in f.get("operands", []) if op.get("location")}
    keys.update(f.get("_inputs", []))
    keys.discard("")
    return keys


def _outputs(f: dict[str, Any]) -> set[str]:
    loc = f.get("location", {})
    # a finding judges the figure at its location only when that is one cell (a text line is a whole row)
    cell = any(loc.get(k) is not None for k in ("col_index", "cell_ref", "bbox", "path")) or isinstance(loc.get("col"), int)
    keys = ({place_key(loc)} if cell else set()) | set(f.get("_outputs", []))
    keys.discard("")
    return keys


def link_related(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach consequences to their root cause, in place; returns ``findings``.

    Checks say what a finding is computed from (its operands, or ``inputs``
    passed to ``ctx.report``) and which value it judges (its location, or
    ``derives``).  Within one document:

    * a finding *explains* another when the value it judges is an input of the
      other (a wrong 一级 weight feeds the total weight, which feeds the grade),
      or when both read the same figures and it reads fewer of them (the
      narrower check names the figure; the wider one only sees its effect);
    * rounding notes (``kind: rounding``) are one note when they share a
      figure or print the same pair of values (one 0.01 difference carried up
      a code tree and into every table).

    The root keeps ``related`` (the fingerprints of its consequences, in
    order); each consequence gets ``related_to`` (the root's fingerprint) and
    ``relation`` (``consequence`` / ``same_rounding``).  Nothing is dropped:
    reporters decide how much of a consequence to show, the JSON keeps all.
    """
    make_unique(findings)
    by_source: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        by_source.setdefault(f.get("source", ""), []).append(i)
    for idx in by_source.values():
        rounding = [i for i in idx if findings[i].get("kind") == "rounding"]
        others = [i for i in idx if findings[i].get("kind") != "rounding"]
        _link_rounding(findings, rounding)
        _link_causes(findings, others)
    for f in findings:
        f.pop("_inputs", None)
        f.pop("_outputs", None)
    return findings


def _attach(findings: list[dict[str, Any]], root: int, child: int, relation: str) -> None:
    findings[root].setdefault("related", []).append(findings[child]["fingerprint"])
    findings[child]["related_to"] = findings[root]["fingerprint"]
    findings[child]["relation"] = relation


def _link_rounding(findings: list[dict[str, Any]], idx: list[int]) -> None:
    parent = {i: i for i in idx}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i in idx:
        f = findings[i]
        keys = {f"pair={f.get('expected')}/{f.get('actual')}"} | _inputs(f) | _outputs(f)
        for k in keys:
            if k in seen:
                parent[find(i)] = find(seen[k])
            else:
                seen[k] = i
    groups: dict[int, list[int]] = {}
    for i in idx:
        groups.setdefault(find(i), []).append(i)
    for members in groups.values():
        members.sort(key=lambda i: sort_key(findings[i]))
        for child in members[1:]:
            _attach(findings, members[0], child, "same_rounding")


def _link_causes(findings: list[dict[str, Any]], idx: list[int]) -> None:
    ins = {i: _inputs(findings[i]) for i in idx}
    outs = {i: _outputs(findings[i]) for i in idx}
    explains: dict[int, list[int]] = {i: [] for i in idx}
    has_cause: set[int] = set()
    readers: dict[str, list[int]] = {}  # figure → findings that read it (keeps this linear on large reports)
    for i in idx:
        for k in ins[i]:
            readers.setdefault(k, []).append(i)
    for a in idx:
        if not ins[a] and not outs[a]:
            continue
        candidates = sorted({b for k in ins[a] | outs[a] for b in readers.get(k, ())})
        for b in candidates:
            if a == b or not ins[b]:
                continue
            feeds = bool(outs[a] & ins[b]) and not (outs[b] & ins[a])
            narrower = bool(ins[a] & ins[b]) and len(ins[a]) < len(ins[b])
            if feeds or narrower:
                explains[a].append(b)
                has_cause.add(b)
    roots = sorted((i for i in idx if explains[i] and i not in has_cause), key=lambda i: sort_key(findings[i]))
    assigned: set[int] = set(roots)
    for r in roots:
        queue = list(explains[r])
        while queue:
            b = queue.pop(0)
            if b in assigned:
                continue
            assigned.add(b)
            _attach(findings, r, b, "consequence")
            queue.extend(explains[b])
