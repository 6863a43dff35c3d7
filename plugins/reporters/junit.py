"""JUnit XML reporter, so a CI server or a document-management pipeline can
gate publication with its ordinary test view: one testsuite per document, one
testcase per rule evaluated in a part.  A testcase fails when it has a
non-waived finding at or above ``--fail-on``; it is skipped when the rule
could not be evaluated; an unreadable document is a testsuite with an error.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

RANK = {"info": 1, "warning": 2, "error": 3, "never": 99}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    """XML 1.0 cannot carry control characters, and document text may have them."""
    return _ILLEGAL_XML.sub("\ufffd", "" if text is None else str(text))


def _finding_text(f: dict[str, Any]) -> str:
    from budgetlint.core.findings import human_location

    lines = [f"[{f['severity']}] {human_location(f.get('location', {}))}", f["message"]]
    ea = [f"{label}: {f[key]}" for key, label in (("expected", "应为 expected"), ("actual", "实为 actual"))
          if f.get(key) is not None]
    if ea:
        lines.append("  ".join(ea))
    if f.get("waived"):
        lines.append(f"已豁免 waived: {f['waived'].get('reason', '')} ({f['waived'].get('approved_by', '')})")
    return "\n".join(lines)


def render_junit(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    import io

    from budgetlint.core.reportstream import ReportStream

    buf = io.StringIO()
    render_junit_stream(ReportStream.from_report(report), options, buf)
    return buf.getvalue()


def render_junit_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """JUnit XML written a testsuite at a time from a ReportStream: one pass
    counts (the root element carries the totals), a second writes.  Findings
    without a part (the waiver file's own) get suites after the documents."""
    import xml.etree.ElementTree as ET

    threshold = RANK.get((options or {}).get("fail_on", "error"), 3)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    loose: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in report.results():
        for f in result["findings"]:
            if not (f.get("part") or {}).get("id"):
                loose[f.get("source", "")].append(f)
    for f in report.loose:
        if not (f.get("part") or {}).get("id"):
            loose[f.get("source", "")].append(f)

    def suites() -> Iterator[ET.Element]:
        for result in report.results():
            yield _document_suite(result, threshold)
        for source, fs in sorted(loose.items()):  # findings about other files, e.g. the waiver file itself
            yield _loose_suite(source, fs, threshold)
        if report.head.get("skipped"):  # files in a folder that no loader reads
            yield _skipped_suite(report.head["skipped"])

    for s in suites():
        for k in totals:
            totals[k] += int(s.get(k, "0"))
    root = ET.Element("testsuites", name="budgetlint")
    for k, v in totals.items():
        root.set(k, str(v))
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    empty = ET.tostring(root, encoding="unicode")
    first = True
    for s in suites():
        ET.indent(s, level=1)
        s.tail = None
        out.write((empty[:-3] + ">\n  ") if first else "\n  ")
        out.write(ET.tostring(s, encoding="unicode"))
        first = False
    out.write(empty + "\n" if first else "\n</testsuites>\n")


def _document_suite(result: dict[str, Any], threshold: int) -> Any:
    """One document's testsuite: a testcase per rule evaluated in a part."""
    import xml.etree.ElementTree as ET

    d = result["document"]
    path = d["path"]
    by_eval: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in result["findings"]:
        pid = (f.get("part") or {}).get("id")
        if pid:
            by_eval[(f.get("source", ""), pid, f["rule_id"])].append(f)
    s = ET.Element("testsuite", name=_clean(path))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if d.get("status") == "error":
        tc = ET.SubElement(s, "testcase", classname=_clean(path), name="load")
        ET.SubElement(tc, "error", message=_clean(d.get("error", "unreadable")),
                      type="InputError" if d.get("parts") is None else "InternalError")
        counts["tests"] += 1
        counts["errors"] += 1
        if d.get("parts") is None:  # unreadable; a crashed document still lists what did run
            return _close(s, counts)
    if d.get("warnings"):
        ET.SubElement(s, "system-err").text = _clean("\n".join("warning: " + w for w in d["warnings"]))
    props = ET.SubElement(s, "properties")
    meta = d.get("meta", {})
    for key in ("department", "fiscal_year", "region"):
        if meta.get(key):
            ET.SubElement(props, "property", name=key, value=_clean(meta[key]))
    if d.get("sha256"):
        ET.SubElement(props, "property", name="sha256", value=d["sha256"])
    for e in result["evaluations"]:
        if e["document"] != path:
            continue
        counts["tests"] += 1
        cls = f"{path}.{e.get('part_type') or e['part']}"
        tc = ET.SubElement(s, "testcase", classname=_clean(cls), name=_clean(f"{e['rule_id']} [{e['part']}]"))
        fs = by_eval.get((path, e["part"], e["rule_id"]), [])
        failing = [f for f in fs if not f.get("waived") and RANK[f["severity"]] >= threshold]
        if failing:
            counts["failures"] += 1
            worst = max(failing, key=lambda f: RANK[f["severity"]])
            el = ET.SubElement(tc, "failure", type=worst["severity"],
                               message=_clean(f"{len(failing)} finding(s): {worst['message']}"))
            el.text = _clean("\n\n".join(_finding_text(f) for f in failing))
        elif e["status"] == "not_evaluated":
            counts["skipped"] += 1
            ET.SubElement(tc, "skipped", message=_clean("; ".join(e.get("reasons", [])) or "not evaluated"))
        if e.get("not_evaluated_relations") and e["status"] != "not_evaluated":
            ET.SubElement(tc, "system-err").text = _clean(
                "partially evaluated; not evaluated: " + "; ".join(e["not_evaluated_relations"]))
        other = [f for f in fs if f not in failing]
        if other:
            ET.SubElement(tc, "system-out").text = _clean("\n\n".join(_finding_text(f) for f in other))
    return _close(s, counts)


def _loose_suite(source: str, fs: list[dict[str, Any]], threshold: int) -> Any:
    import xml.etree.ElementTree as ET

    s = ET.Element("testsuite", name=_clean(source))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for f in fs:
        counts["tests"] += 1
        tc = ET.SubElement(s, "testcase", classname=_clean(source),
                           name=_clean(f"{f['rule_id']} [line {f.get('location', {}).get('line', '')}]"))
        if not f.get("waived") and RANK[f["severity"]] >= threshold:
            counts["failures"] += 1
            ET.SubElement(tc, "failure", type=f["severity"], message=_clean(f["message"])).text = \
                _clean(_finding_text(f))
        else:
            ET.SubElement(tc, "system-out").text = _clean(_finding_text(f))
    return _close(s, counts)


def _skipped_suite(skipped: list[dict[str, str]]) -> Any:
    import xml.etree.ElementTree as ET

    s = ET.Element("testsuite", name="skipped files")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for sk in skipped:
        counts["tests"] += 1
        counts["skipped"] += 1
        tc = ET.SubElement(s, "testcase", classname=_clean(sk["path"]), name="load")
        ET.SubElement(tc, "skipped", message=_clean(sk["reason"]))
    return _close(s, counts)


def _close(s: Any, counts: dict[str, int]) -> Any:
    for k, v in counts.items():
        s.set(k, str(v))
    return s


def register(registry) -> None:
    registry.add_reporter("junit", render_junit, description="JUnit XML (one testsuite per document)",
                          stream=render_junit_stream)
