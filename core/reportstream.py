"""Every report format written from a stream: the batch's report kept on disk.

Why: a batch keeps about 0.8 MiB per document in the parent when the report
is built as one dict, so 10,000 documents need gigabytes.  ``budgetlint
check`` instead checks into an on-disk store (core/stream.py), then makes one
*finishing pass* over it (:func:`finish`): waivers, the baseline, the
compliance matrix, the summary counts and ``scrub`` are applied to one
document's result at a time and the finished result goes to a second on-disk
store.  What the report needs before its documents (summary, rule catalogue,
packs used) is known after that pass; the reporters then read the documents
back one at a time, as often as their format needs (JSON lists documents,
findings and evaluations apart: three passes).

A reporter registered with ``stream=render_stream`` gets a
:class:`ReportStream`::

    report.head          # every top-level key of the JSON report except documents/findings/evaluations,
                         # in the JSON report's order (schema_version, tool, rule_pack, summary, skipped, rules,
                         # waivers?, baseline?); summary["matrix"] is a LazyMatrix
    report.results()     # {"document", "findings", "evaluations"} per document, in report order (a fresh pass)
    report.loose         # findings about other files (the waiver file's own findings), after the documents'
    report.documents() / findings() / evaluations()   # the JSON report's lists, one pass each
    report.finding_rules # rule id → first finding of that rule (a rule seen only in findings)

and writes to ``out``.  A report built in memory (the web page, the API)
is seen the same way through :meth:`ReportStream.from_report`, so each
built-in format has one implementation.  A third-party reporter with only
``render(report)`` still gets the whole dict (:meth:`ReportStream.as_report`).

The matrix (rules × documents) is held as one small integer per cell
(cells interned: most are alike), not as a dict per cell.
"""
from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgetlint.core.engine import Checker
    from budgetlint.core.stream import ResultStore

SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3, "never": 99}
_LISTS = ("documents", "findings", "evaluations")


# ------------------------------------------------------------------ lazy JSON
class LazyList:
    """A list written by :func:`iter_json` item by item; each iteration is a
    fresh pass (``make()`` returns a new iterator)."""

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[Any]:
        return iter(self._make())


class LazyDict(Mapping[str, Any]):
    """A read-only mapping whose items are produced on demand (matrix rows
    and cells), written key by key by :func:`iter_json`."""

    def __init__(self, keys: Callable[[], Iterable[str]], get: Callable[[str], Any], size: Callable[[], int]) -> None:
        self._keys, self._get, self._size = keys, get, size

    def __getitem__(self, key: str) -> Any:
        return self._get(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return self._size()


def _lazy(obj: Any) -> bool:
    if isinstance(obj, (LazyList, LazyDict)):
        return True
    if isinstance(obj, dict):
        return any(_lazy(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_lazy(v) for v in obj)
    return False


def iter_json(obj: Any, level: int = 0) -> Iterator[str]:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` in pieces, byte for
    byte, with :class:`LazyList`/:class:`LazyDict` values written one item
    at a time."""
    pad = "  "
    if isinstance(obj, LazyList) or (isinstance(obj, list) and _lazy(obj)):
        first = True
        for item in obj:
            yield ("[\n" if first else ",\n") + pad * (level + 1)
            yield from iter_json(item, level + 1)
            first = False
        yield "[]" if first else "\n" + pad * level + "]"
    elif isinstance(obj, LazyDict) or (isinstance(obj, dict) and _lazy(obj)):
        first = True
        for k, v in obj.items():
            yield ("{\n" if first else ",\n") + pad * (level + 1) + json.dumps(k, ensure_ascii=False) + ": "
            yield from iter_json(v, level + 1)
            first = False
        yield "{}" if first else "\n" + pad * level + "}"
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=2)
        yield text.replace("\n", "\n" + pad * level) if level else text


def materialize(obj: Any) -> Any:
    """Plain dicts and lists for a lazy value (a third-party reporter's report)."""
    if isinstance(obj, (LazyDict, dict)):
        return {k: materialize(v) for k, v in obj.items()}
    if isinstance(obj, (LazyList, list)):
        return [materialize(v) for v in obj]
    return obj


# ------------------------------------------------------------------ the report
class ReportStream:
    """A report seen as a header and per-document results (see the module docstring)."""

    head: dict[str, Any]
    loose: list[dict[str, Any]]
    finding_rules: dict[str, dict[str, Any]]
    #: highest severity rank of a finding that is not waived (0: none) — for the exit code
    open_rank: int = 0

    def results(self) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def documents(self) -> Iterator[dict[str, Any]]:
        for r in self.results():
            yield r["document"]

    def findings(self) -> Iterator[dict[str, Any]]:
        for r in self.results():
            yield from r["findings"]
        yield from self.loose

    def evaluations(self) -> Iterator[dict[str, Any]]:
        for r in self.results():
            yield from r["evaluations"]

    @property
    def summary(self) -> dict[str, Any]:
        return self.head["summary"]

    def json_object(self) -> dict[str, Any]:
        """The JSON report with lazy lists, in key order (for :func:`iter_json`)."""
        lists = {"documents": LazyList(self.documents), "findings": LazyList(self.findings),
                 "evaluations": LazyList(self.evaluations)}
        out: dict[str, Any] = {}
        for key in self.head.get("_order") or ["schema_version", "tool", "rule_pack", *_LISTS, "summary"]:
            if key in lists:
                out[key] = lists[key]
            elif key in self.head:
                out[key] = self.head[key]
        for key, value in self.head.items():
            if key not in out and key != "_order":
                out[key] = value
        return out

    def as_report(self) -> dict[str, Any]:
        """The whole report as one dict (for a reporter without ``render_stream``)."""
        return materialize(self.json_object())

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> ReportStream:
        return _InMemory(report)


class _InMemory(ReportStream):
    """A report built in memory (``run_batch``, the web page) seen as a stream."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.head = {k: v for k, v in report.items() if k not in _LISTS}
        self.head["_order"] = list(report)
        paths = {d["path"] for d in report.get("documents", [])}
        self.loose = [f for f in report.get("findings", []) if f.get("source", "") not in paths]
        self.finding_rules = {}
        for f in report.get("findings", []):
            self.finding_rules.setdefault(f["rule_id"], f)
            if not f.get("waived"):
                self.open_rank = max(self.open_rank, SEVERITY_RANK[f["severity"]])

    def results(self) -> Iterator[dict[str, Any]]:
        by_doc: dict[str, list[dict[str, Any]]] = {}
        for f in self.report.get("findings", []):
            by_doc.setdefault(f.get("source", ""), []).append(f)
        evals: dict[str, list[dict[str, Any]]] = {}
        for e in self.report.get("evaluations", []):
            evals.setdefault(e.get("document", ""), []).append(e)
        for d in self.report.get("documents", []):
            yield {"document": d, "findings": by_doc.get(d["path"], []), "evaluations": evals.get(d["path"], [])}

    def documents(self) -> Iterator[dict[str, Any]]:
        return iter(self.report.get("documents", []))

    def findings(self) -> Iterator[dict[str, Any]]:
        return iter(self.report.get("findings", []))

    def evaluations(self) -> Iterator[dict[str, Any]]:
        return iter(self.report.get("evaluations", []))

    def as_report(self) -> dict[str, Any]:
        return self.report


class StoredReport(ReportStream):
    """The finished per-document results in an on-disk store (:func:`finish`)."""

    def __init__(self, store: ResultStore, head: dict[str, Any], loose: list[dict[str, Any]],
                 finding_rules: dict[str, dict[str, Any]], open_rank: int) -> None:
        self.store, self.head, self.loose = store, head, loose
        self.finding_rules, self.open_rank = finding_rules, open_rank

    def results(self) -> Iterator[dict[str, Any]]:
        return iter(self.store)

    def close(self) -> None:
        self.store.close()


# ------------------------------------------------------------------ the matrix
class MatrixBuilder:
    """The compliance matrix (core/matrix.py) a document at a time: one
    interned cell number per rule and document (−1: the rule did not apply,
    or the document could not be read)."""

    def __init__(self) -> None:
        self.docs: list[str] = []
        self.unreadable = bytearray()
        self.rows: dict[str, array[int]] = {}
        self.first_severity: dict[str, str] = {}
        self._cells: list[dict[str, Any]] = []
        self._ids: dict[str, int] = {}

    def add(self, document: dict[str, Any], findings: list[dict[str, Any]],
            evaluations: list[dict[str, Any]]) -> None:
        from budgetlint.core.matrix import matrix_cell
        from budgetlint.core.safe_text import scrub

        path = document["path"]
        i = len(self.docs)
        self.docs.append(path)
        bad = document.get("status") != "checked"
        self.unreadable.append(bad)
        evals: dict[str, list[dict[str, Any]]] = {}
        for e in evaluations:
            evals.setdefault(e["rule_id"], []).append(e)
            self.first_severity.setdefault(e["rule_id"], e["severity"])
        blocking: dict[str, list[dict[str, Any]]] = {}
        for f in findings:
            if f["severity"] in ("error", "warning") and f.get("source", "") == path:
                blocking.setdefault(f["rule_id"], []).append(f)
        for rid, es in evals.items():
            row = self.rows.setdefault(rid, array("i"))
            if bad:
                continue  # every cell of an unreadable document is not evaluated: the default
            cell = scrub(matrix_cell(es, blocking.get(rid, []), False))
            key = json.dumps(cell, ensure_ascii=False, sort_keys=False)
            n = self._ids.get(key)
            if n is None:
                n = self._ids[key] = len(self._cells)
                self._cells.append(cell)
            if len(row) < i:
                row.extend([-1] * (i - len(row)))
            row.append(n)

    def cell(self, rid: str, i: int) -> dict[str, Any]:
        row = self.rows.get(rid)
        n = row[i] if row is not None and i < len(row) else -1
        if n >= 0:
            return self._cells[n]
        return {"status": "not_evaluated"} if self.unreadable[i] else {"status": "not_applicable"}

    def matrix(self, catalogue: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The summary's ``matrix`` entry (documents and cells lazy, counts final)."""
        from budgetlint.core.matrix import STATUSES
        from budgetlint.core.safe_text import scrub

        rule_ids = sorted(self.rows)
        rules = [scrub({"id": rid, "title": catalogue.get(rid, {}).get("title", ""),
                        "severity": catalogue.get(rid, {}).get("severity") or self.first_severity[rid]})
                 for rid in rule_ids]
        counts = {s: 0 for s in STATUSES}
        for rid in rule_ids:
            for i in range(len(self.docs)):
                counts[self.cell(rid, i)["status"]] += 1
        docs = [scrub(d) for d in self.docs]
        index = {d: i for i, d in enumerate(docs)}

        def row(rid: str) -> LazyDict:
            return LazyDict(lambda: iter(docs), lambda doc: self.cell(rid, index[doc]), lambda: len(docs))

        def get_row(rid: str) -> LazyDict:
            if rid not in self.rows:
                raise KeyError(rid)
            return row(rid)

        cells = LazyDict(lambda: iter(rule_ids), get_row, lambda: len(rule_ids))
        return {"statuses": list(STATUSES), "rules": rules, "documents": LazyList(lambda: docs), "cells": cells,
                "counts": counts}


# ------------------------------------------------------------------ finishing pass
def finish(checker: Checker, results: Iterable[dict[str, Any]], skipped: list[dict[str, str]], *,
           waivers: str | None = None, waiver_list: list[Any] | None = None, known: Any = None,
           baseline: str | None = None) -> StoredReport:
    """Waivers, compliance matrix, baseline, summary and ``scrub`` — what
    ``core.batch.run_batch`` does to the whole report, in the same order —
    applied to one document's result after another (``results`` in report
    order, missing paths included); finished results go to a new on-disk
    store.  The report equals ``run_batch``'s byte for byte."""
    from budgetlint.core.batch import catalogue_of
    from budgetlint.core.engine import REPORT_SCHEMA_VERSION, Tally, tool_info
    from budgetlint.core.safe_text import scrub
    from budgetlint.core.stream import ResultStore
    from budgetlint.core.waivers import BaselineFilter, mark_waived, today, waiver_findings, waiver_rules, \
        waiver_summary

    when = today() if waiver_list is not None else None
    keep = BaselineFilter(known) if known is not None else None
    tally = Tally()
    matrix = MatrixBuilder()
    wanted: set[str] = set()
    finding_rules: dict[str, dict[str, Any]] = {}
    waived = 0
    open_rank = 0
    out = ResultStore(0)
    n = 0
    try:
        for r in results:
            d, fs, es = r["document"], r.get("findings", []), r.get("evaluations", [])
            if waiver_list is not None:
                mark_waived(fs, waiver_list, {d["path"]: d.get("sha256")}, when)  # type: ignore[arg-type]
                waived += sum(1 for f in fs if f.get("waived"))
            matrix.add(d, fs, es)
            wanted.update(e["rule_id"] for e in es)
            if keep is not None:
                fs = keep(fs)
            tally.add_document(d)
            tally.add_findings(fs)
            tally.add_evaluations(es)
            for f in fs:
                if f["rule_id"] not in finding_rules:  # scrub only the first finding of a rule
                    finding_rules[f["rule_id"]] = scrub(f)
                if not f.get("waived"):
                    open_rank = max(open_rank, SEVERITY_RANK[f["severity"]])
            out.append(scrub({"document": d, "findings": fs, "evaluations": es}))
            n += 1
        loose: list[dict[str, Any]] = []
        catalogue = catalogue_of(checker, wanted, sorted(tally.packs))
        head: dict[str, Any] = {"schema_version": REPORT_SCHEMA_VERSION, "tool": tool_info(),
                                "rule_pack": scrub({"requested": checker.rules_ref or "auto",
                                                    "used": sorted(tally.packs)})}
        if waiver_list is not None:
            loose = waiver_findings(waiver_list, waivers, checker.lang, when)  # type: ignore[arg-type]
            catalogue.update(waiver_rules(loose))
            waiver_entry = waiver_summary(waiver_list, waivers, when, waived)  # type: ignore[arg-type]
        matrix_entry = matrix.matrix(catalogue)
        if keep is not None:
            loose = keep(loose)
        tally.add_findings(loose)
        for f in loose:
            if f["rule_id"] not in finding_rules:
                finding_rules[f["rule_id"]] = scrub(f)
            if not f.get("waived"):
                open_rank = max(open_rank, SEVERITY_RANK[f["severity"]])
        summary = tally.summary(skipped)
        if keep is not None:
            summary["baseline_known"] = keep.dropped
        head["summary"] = scrub(summary)
        head["summary"]["matrix"] = matrix_entry
        head["skipped"] = scrub(skipped)
        head["rules"] = scrub(catalogue)
        if waiver_list is not None:
            head["waivers"] = scrub(waiver_entry)
        if keep is not None:
            head["baseline"] = scrub(keep.entry(baseline))  # type: ignore[arg-type]
        head["_order"] = ["schema_version", "tool", "rule_pack", *_LISTS, "summary", "skipped", "rules",
                          "waivers", "baseline"]
    except BaseException:
        out.close()
        raise
    return StoredReport(out, head, scrub(loose), finding_rules, open_rank)


def stream_report(checker: Checker, paths: list[str], *, jobs: int | None = None, progress: bool | None = None,
                  cache: Any = None, executor: str | None = None, scheduler: str | None = None,
                  waivers: str | None = None, baseline: str | None = None) -> StoredReport:
    """Check ``paths`` into an on-disk store and finish the report from it
    (:func:`finish`): what ``run_batch`` returns, kept on disk.  Close it."""
    from budgetlint.core.stream import checked_results
    from budgetlint.core.waivers import load_baseline, load_waivers

    waiver_list = load_waivers(waivers) if waivers else None
    known = load_baseline(baseline) if baseline else None
    with checked_results(checker, paths, jobs=jobs, progress=progress, cache=cache, executor=executor,
                         scheduler=scheduler) as (results, skipped):
        return finish(checker, results, skipped, waivers=waivers, waiver_list=waiver_list, known=known,
                      baseline=baseline)


def document_passes(document: dict[str, Any], findings: Iterable[dict[str, Any]], fail_on: str, *,
                    not_evaluated: bool = False, unevaluated: int = 0) -> bool:
    """:func:`exit_code`'s judgement of one document (the HTML report's
    per-document gate): not unreadable or crashed, no finding that is not
    waived at or above ``fail_on`` (``never``: none counts), and with
    ``not_evaluated`` no rule left (partly) unevaluated (``unevaluated``)."""
    if document.get("status") == "error":
        return False
    threshold = SEVERITY_RANK.get(fail_on, SEVERITY_RANK["error"])
    if any(not f.get("waived") and SEVERITY_RANK.get(f["severity"], 0) >= threshold for f in findings):
        return False
    return not (not_evaluated and unevaluated)


def exit_code(report: ReportStream, fail_on: str, *, not_evaluated: bool = False) -> int:
    """``check``'s exit code, the one rule for every format (a report built
    in memory is judged through :meth:`ReportStream.from_report`): 3 if a
    document could not be read or a recognizer/check crashed on it; 1 when a
    finding that is not waived is at or above ``fail_on`` — a root cause or a
    consequence linked to it (``open_rank``: a warning root with an error
    consequence fails ``--fail-on error``), or, with ``not_evaluated``, when
    a rule that applies was not (fully) evaluated or a file was skipped; else 0."""
    s = report.summary
    if s["documents_unreadable"]:
        return 3
    if report.open_rank and report.open_rank >= SEVERITY_RANK[fail_on]:
        return 1
    if not_evaluated and (s.get("not_evaluated") or s.get("partially_evaluated") or s.get("files_skipped")):
        return 1
    return 0

