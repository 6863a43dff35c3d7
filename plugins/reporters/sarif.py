"""SARIF 2.1.0 reporter, so code-scanning dashboards and review tools that
speak SARIF can show budgetlint findings next to the documents.

Rules carry their help text and legal basis; results carry a physical
location (file, line range) and logical locations (part › table › row ›
column); a waived finding gets an accepted external suppression; an
unreadable file is a tool execution notification, not a silent gap.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from budgetlint.core.findings import basis_text

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://pypi.org/project/budgetlint/"


def artifact_uri(path: str) -> str:
    """A relative path stays a relative URI reference (percent-encoded,
    forward slashes); an absolute path becomes a file: URI."""
    if os.path.isabs(path) and Path(path).is_absolute():  # no Path (it interns every part) for relative paths
        return Path(path).as_uri()
    return quote(path.replace("\\", "/"), safe="/-_.~")


def _rule_descriptor(rid: str, meta: dict[str, Any]) -> dict[str, Any]:
    title = meta.get("title") or rid
    desc = meta.get("description") or title
    basis = basis_text(meta.get("basis", []))
    help_text = desc + (f"\n依据 (basis)：{basis}" if basis else "")
    descriptor: dict[str, Any] = {
        "id": rid,
        "name": rid,
        "shortDescription": {"text": title},
        "fullDescription": {"text": desc},
        "help": {"text": help_text, "markdown": desc + (f"\n\n**依据 (basis)**：{basis}" if basis else "")},
        "defaultConfiguration": {"level": LEVEL.get(meta.get("severity", "error"), "error")},
        "properties": {"check": meta.get("check", ""), "basis": meta.get("basis", [])},
    }
    if meta.get("pack"):
        descriptor["properties"]["rule_pack"] = meta["pack"]
    return descriptor


def _logical_locations(f: dict[str, Any]) -> list[dict[str, Any]]:
    loc = f.get("location", {}) or {}
    part = f.get("part", {}) or {}
    chain: list[tuple[str, str]] = []
    if part.get("type") or part.get("title"):
        chain.append((str(part.get("title") or part.get("type")), "module"))
    if loc.get("table_code") or loc.get("table"):
        chain.append((" ".join(str(loc[k]) for k in ("table_code", "table") if loc.get(k)), "type"))
    elif loc.get("section"):
        chain.append((str(loc["section"]), "namespace"))
    if loc.get("indicator"):
        chain.append((str(loc["indicator"]), "member"))
    if loc.get("row"):
        chain.append((f"行 {loc['row']}", "element"))
    if loc.get("column"):
        chain.append((f"列 {loc['column']}", "member"))
    if loc.get("field"):
        chain.append((str(loc["field"]), "member"))
    out = []
    names: list[str] = []
    for name, kind in chain:
        names.append(name)
        out.append({"name": name, "fullyQualifiedName": " › ".join(names), "kind": kind})
    return out


def _location(f: dict[str, Any], artifact_index: dict[str, int]) -> dict[str, Any]:
    loc = f.get("location", {}) or {}
    src = f.get("source", "")
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(src)}}
    if src in artifact_index:
        physical["artifactLocation"]["index"] = artifact_index[src]
    line = loc.get("line")
    if isinstance(line, int) and line >= 1:
        region: dict[str, Any] = {"startLine": line}
        end = loc.get("end_line")
        if isinstance(end, int) and end >= line:
            region["endLine"] = end
        snippet = loc.get("snippet")
        if snippet:
            region["snippet"] = {"text": str(snippet)}
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    logical = _logical_locations(f)
    if logical:
        out["logicalLocations"] = logical
    props = {k: loc[k] for k in ("page", "bbox", "sheet", "cell_ref", "paragraph", "path", "table_code", "table",
                                 "row", "column", "cell", "section") if loc.get(k) not in (None, "")}
    if props:
        out["properties"] = props
    return out


def build_sarif(report: dict[str, Any], options: dict[str, Any] | None = None) -> dict[str, Any]:
    from budgetlint.core.reportstream import ReportStream, materialize

    return materialize(sarif_object(ReportStream.from_report(report), options))


def sarif_object(report: Any, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The SARIF log of a :class:`~budgetlint.core.reportstream.ReportStream`,
    its artifacts, results and notifications as lazy lists (one pass each)."""
    from budgetlint.core.reportstream import LazyList

    head = report.head
    catalogue = dict(head.get("rules", {}))
    for rid, f in report.finding_rules.items():  # a rule seen only in findings still needs a descriptor
        catalogue.setdefault(rid, {"title": f["rule_id"], "severity": f["severity"],
                                   "check": f.get("check", ""), "basis": f.get("basis", [])})
    rule_ids = sorted(catalogue)
    rule_index = {rid: i for i, rid in enumerate(rule_ids)}
    artifact_index: dict[str, int] = {}
    for i, d in enumerate(report.documents()):
        artifact_index[d["path"]] = i

    def artifacts() -> Iterator[dict[str, Any]]:
        for d in report.documents():
            art: dict[str, Any] = {"location": {"uri": artifact_uri(d["path"])}}
            if d.get("sha256"):
                art["hashes"] = {"sha-256": d["sha256"]}
            yield art

    def results() -> Iterator[dict[str, Any]]:
        for f in report.findings():
            result: dict[str, Any] = {
                "ruleId": f["rule_id"],
                "ruleIndex": rule_index[f["rule_id"]],
                "level": LEVEL.get(f["severity"], "warning"),
                "message": {"text": f["message"]},
                "locations": [_location(f, artifact_index)],
                "partialFingerprints": {"budgetlint/v1": f.get("fingerprint", "")},
            }
            props: dict[str, Any] = {"severity": f["severity"]}
            for key in ("expected", "actual", "kind", "basis", "part", "operands"):
                if f.get(key) not in (None, [], {}):
                    props[key] = f[key]
            result["properties"] = props
            if f.get("waived"):
                w = f["waived"]
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": f"{w.get('reason', '')}（批准：{w.get('approved_by', '')}）",
                                           "properties": w}]
            yield result

    def notifications() -> Iterator[dict[str, Any]]:
        for d in report.documents():
            where = [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(d["path"]),
                                                                 "index": artifact_index[d["path"]]}}}]
            if d.get("status") == "error":
                yield {"level": "error", "message": {"text": d.get("error") or d["path"]}, "locations": where}
            for w in d.get("warnings") or []:
                yield {"level": "warning", "message": {"text": w}, "locations": where}
        for sk in head.get("skipped") or []:  # files in a folder that no loader reads
            yield {"level": "warning", "message": {"text": f"skipped {sk['path']}: {sk['reason']}"},
                   "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(sk["path"])}}}],
                   "properties": {"skipped": True}}

    tool = head.get("tool", {})
    failed = any(d.get("status") == "error" for d in report.documents())  # an error notification each
    run: dict[str, Any] = {
        "tool": {"driver": {"name": tool.get("name", "budgetlint"), "version": str(tool.get("version", "")),
                            "informationUri": INFO_URI,
                            "rules": [_rule_descriptor(rid, catalogue[rid]) for rid in rule_ids]}},
        "invocations": [{"executionSuccessful": not failed,
                         "toolExecutionNotifications": LazyList(notifications)}],
        "artifacts": LazyList(artifacts),
        "results": LazyList(results),
        "columnKind": "unicodeCodePoints",
        "properties": {"summary": {k: v for k, v in head.get("summary", {}).items() if k != "matrix"},
                       "rule_pack": head.get("rule_pack", {})},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    return json.dumps(build_sarif(report, options), ensure_ascii=False, indent=2) + "\n"


def render_sarif_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """The SARIF log written a result at a time from a ReportStream."""
    from budgetlint.core.reportstream import iter_json

    for piece in iter_json(sarif_object(report, options)):
        out.write(piece)
    out.write("\n")


def register(registry) -> None:
    registry.add_reporter("sarif", render_sarif, description="SARIF 2.1.0 for code-scanning tools",
                          stream=render_sarif_stream)
