"""The compliance matrix: requirements (rules) × documents → pass / fail /
waived / not evaluated / not applicable.

Why a matrix: before publication a reviewer signs off per document and per
requirement; a list of findings does not say which requirements were
actually verified.  A cell is

- ``fail``: some part has a finding of warning or error that is not waived;
- ``waived``: the only such findings are waived;
- ``pass``: the rule ran and found nothing above info in at least one part
  (``not_evaluated_relations`` lists relations it could not evaluate);
- ``not_evaluated``: the rule applied but could not be evaluated anywhere
  (or the document could not be read);
- ``not_applicable``: the rule applies to no part of this document.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

STATUSES = ("pass", "fail", "waived", "not_evaluated", "not_applicable")


def compliance_matrix(report: dict[str, Any]) -> dict[str, Any]:
    """Compute the matrix from a report's documents, evaluations and findings."""
    docs = [d["path"] for d in report["documents"]]
    unreadable = {d["path"] for d in report["documents"] if d.get("status") != "checked"}
    catalogue = report.get("rules", {})
    evals: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in report["evaluations"]:
        evals[(e["rule_id"], e["document"])].append(e)
    blocking: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in report["findings"]:
        if f["severity"] in ("error", "warning"):
            blocking[(f["rule_id"], f.get("source", ""))].append(f)
    rule_ids = sorted({e["rule_id"] for e in report["evaluations"]})
    rules = []
    for rid in rule_ids:
        meta = catalogue.get(rid, {})
        sev = meta.get("severity") or next(e["severity"] for e in report["evaluations"] if e["rule_id"] == rid)
        rules.append({"id": rid, "title": meta.get("title", ""), "severity": sev})
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    counts = {s: 0 for s in STATUSES}
    for rid in rule_ids:
        row: dict[str, dict[str, Any]] = {}
        for doc in docs:
            cell = matrix_cell(evals.get((rid, doc), []), blocking.get((rid, doc), []), doc in unreadable)
            counts[cell["status"]] += 1
            row[doc] = cell
        cells[rid] = row
    return {"statuses": list(STATUSES), "rules": rules, "documents": docs, "cells": cells, "counts": counts}


def matrix_cell(es: list[dict[str, Any]], fs: list[dict[str, Any]], unreadable: bool) -> dict[str, Any]:
    """One cell: the evaluations ``es`` of a rule in a document and its
    findings of warning or error ``fs`` (also used a document at a time by
    the streamed report, core/reportstream.py)."""
    open_ = [f for f in fs if not f.get("waived")]
    if unreadable:
        cell: dict[str, Any] = {"status": "not_evaluated"}
    elif not es or all(e["status"] == "not_applicable" for e in es):
        cell = {"status": "not_applicable"}
    elif open_:
        cell = {"status": "fail", "findings": len(open_)}
    elif fs:
        cell = {"status": "waived", "waived": len(fs)}
    elif any(e["status"] in ("passed", "failed") for e in es):
        cell = {"status": "pass"}
        partial = sorted({r for e in es for r in e.get("not_evaluated_relations", [])})
        if partial:  # passed on what it evaluated; these relations were not
            cell["not_evaluated_relations"] = partial
    else:
        cell = {"status": "not_evaluated",
                "reasons": sorted({r for e in es for r in e.get("reasons", [])})}
    if es and len(es) > 1:
        cell["parts"] = {e["part"]: e["status"] for e in es}
    return cell
