"""The engine: load → recognize → pick a rule pack per part → run each rule's
check → collect findings, evaluation statuses and a summary.

:class:`Checker` owns the plugin host and creates it late, on first use.
"""
from __future__ import annotations

import os
import sys
import traceback
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

from budgetlint.core.checks import CheckContext
from budgetlint.core.document import DocumentIndex
from budgetlint.core.errors import BudgetlintError, InputError
from budgetlint.core.findings import link_related, sort_key
from budgetlint.core.loading import load_document
from budgetlint.core.plugins import PluginHost
from budgetlint.core.rulepack import PackLoader, RulePack, rule_applies

REPORT_SCHEMA_VERSION = "1.0"

SKIP_NAMES = ("~$", ".~lock", "~")


def tool_info() -> dict[str, str]:
    from budgetlint.core import __version__

    return {"name": "budgetlint", "version": __version__}


#: what to do with a file in a folder that no loader reads (extension → fix)
SKIP_FIXES = {
    ".doc": "旧版Word文件：请另存为 .docx 或导出 PDF (old Word format: save as .docx or export a PDF)",
    ".wps": "WPS文字文件：请另存为 .docx 或导出 PDF (WPS Writer: save as .docx or export a PDF)",
    ".et": "WPS表格文件：请另存为 .xlsx (WPS Spreadsheets: save as .xlsx)",
    ".xls": "旧版Excel文件：请另存为 .xlsx (old Excel format: save as .xlsx)",
    ".csv": "CSV文件：请另存为 .xlsx 或提供原报告 (save as .xlsx, or give the original report)",
    ".ofd": "OFD版式文件：请导出 PDF (export a PDF)",
    ".rtf": "RTF文件：请另存为 .docx (save as .docx)",
}


def skip_reason(path: Path, extensions: list[str]) -> str:
    """Why a file in a checked folder was not read, and what to do."""
    ext = path.suffix.lower()
    fix = SKIP_FIXES.get(ext, "请另存为可读格式 (save it in a readable format)")
    return (f"没有读取器支持 {ext or '无扩展名'} 文件，未检查 (no loader reads {ext or 'files without an extension'}; "
            f"readable: {', '.join(extensions)}) — {fix}")


def walk(paths: list[str | Path], extensions: list[str],
         skipped: list[dict[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """Files to check, in a stable order.  Directories are walked, skipping
    hidden files/folders and editor temp files (``~$x.docx``).  Returns
    (files, missing paths); files in a folder that no loader reads are
    appended to ``skipped`` as ``{path, reason}`` — the report lists them,
    because a ``.doc`` left out silently would look checked."""
    files: list[str] = []
    missing: list[str] = []
    exts = set(extensions)
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = []
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
                for n in sorted(names):
                    if n.startswith(".") or n.startswith(SKIP_NAMES) or n.endswith(("~", ".tmp")):
                        continue
                    fp = Path(root) / n
                    if fp.suffix.lower() in exts:
                        found.append(str(fp))
                    elif skipped is not None:
                        skipped.append({"path": str(fp), "reason": skip_reason(fp, extensions)})
            files.extend(sorted(found))
        elif p.exists():
            files.append(str(p))
        else:
            missing.append(str(p))
    return files, missing


def section_map(doc: dict[str, Any]) -> dict[str, str]:
    """Block id → the nearest heading path above it (``三、支出决算情况说明``)."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for b in doc["blocks"]:
        if b["type"] == "heading" or b.get("heading_like"):
            level = b.get("level") or (b.get("numbering") or {}).get("level", 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, b["text"][:40]))
        if stack:
            out[b["id"]] = stack[-1][1]
    return out


class Checker:
    """Runs rule packs over documents.

    ``rules``: a pack name or path for every document (``--rules``); None
    picks the built-in pack per part from its detected type, year and region.
    """

    def __init__(self, *, rules: str | None = None, lang: str = "zh", host: PluginHost | None = None,
                 options: dict[str, Any] | None = None, host_kwargs: dict[str, Any] | None = None) -> None:
        self.rules_ref = rules
        self.lang = lang
        self._host = host
        self._host_kwargs = host_kwargs or {}
        self.options = options or {}

    # ---------------------------------------------------------------- setup
    @property
    def host(self) -> PluginHost:
        if self._host is None:
            self._host = PluginHost(**self._host_kwargs)
        return self._host

    @cached_property
    def packs(self) -> PackLoader:
        from budgetlint.core.rulepack import extra_rule_dirs

        # a bureau's folders after the built-in ones: a built-in name is never shadowed
        return PackLoader(self.host.registry, self.host.rule_pack_dirs() + extra_rule_dirs())

    def pack_for(self, meta: dict[str, Any], part: dict[str, Any] | None = None) -> RulePack:
        if self.rules_ref:
            return self.packs.load(self.rules_ref, default_for={**meta, **({"fiscal_year": part.get("year")} if part and part.get("year") else {})})
        m = dict(meta)
        if part and part.get("year"):
            m["fiscal_year"] = part["year"]
        return self.packs.load(self.packs.select_builtin(m, part.get("type") if part else None))

    def validate_rules(self) -> RulePack | None:
        """Load ``--rules`` eagerly, or validate every built-in pack, so a pack
        error stops before any file (built-in packs that resolved cleanly from
        unchanged files are not loaded again: see ``PackLoader.validate_builtins``)."""
        if self.rules_ref:
            return self.packs.load(self.rules_ref, default_for={})
        self.packs.validate_builtins()
        return None

    def preload_rules(self) -> None:
        """Resolve every pack this checker may pick now: before forking
        workers (they inherit them) or shipping the packs to a cluster."""
        if self.rules_ref:
            self.packs.load(self.rules_ref, default_for={})
            return
        for name in self.packs.builtins():
            self.packs.load(name)

    # ---------------------------------------------------------------- run
    def load(self, path: str | Path) -> dict[str, Any]:
        return load_document(path, self.host, self.options)

    def check_file(self, path: str | Path) -> dict[str, Any]:
        """Check one file; an unreadable file gives a document entry with
        ``status: error`` and its one-line reason, never an exception."""
        from budgetlint.core.batch import add_context

        cross = "store" in self.options or bool(self.options.get("evidence"))  # issue 17: related documents
        try:
            doc = None
            if cross:
                from budgetlint.store.related import take_loaded

                doc = take_loaded(self, path)  # already loaded as a peer's evidence
            if doc is None:
                doc = self.load(path)
        except InputError as exc:
            return {"document": {"path": str(path), "status": "error", "error": str(exc)},
                    "findings": [], "evaluations": []}
        if cross:
            from budgetlint.store.related import after_check, before_check, remember

            remember(self, path, doc)  # not parsed again as its own or a later peer's evidence
            before_check(self, doc)
        result = self.check_document(doc)
        add_context(doc, result["findings"])  # while the document is still in memory
        if cross:
            after_check(self, doc, result)
        return result

    def check_document(self, doc: dict[str, Any]) -> dict[str, Any]:
        meta = doc.get("meta", {})
        sections = section_map(doc)
        index = DocumentIndex(doc)  # one per document, shared by every rule of every part
        findings: list[dict[str, Any]] = []
        evaluations: list[dict[str, Any]] = []
        crashes: list[str] = list(doc.get("recognizer_errors") or [])
        warnings: list[str] = list(doc.get("warnings") or [])
        parts_out = []
        for part in doc.get("parts", []):
            pack = self.pack_for(meta, part)
            out = {k: part.get(k) for k in ("id", "type", "title", "year") if part.get(k) is not None} \
                | {"rule_pack": pack.name, "loc": part.get("loc", {})}
            if not self.rules_ref and pack.select.get("fallback") and part.get("type") != "unknown":
                out["pack_fallback"] = True
                warnings.append(fallback_warning(pack.name, part, meta))
            parts_out.append(out)
            for rule in pack.enabled_rules():
                if not rule_applies(rule, part, meta):
                    continue
                ev = self._run_rule(doc, part, rule, sections, index)
                evaluations.append(ev["evaluation"])
                findings.extend(ev["findings"])
                if ev.get("crash"):
                    crashes.append(ev["crash"])
        findings.sort(key=sort_key)
        link_related(findings)
        document = {"path": doc["source"]["path"], "status": "checked", "format": doc["source"]["format"],
                    "sha256": doc["source"]["sha256"], "meta": meta, "parts": parts_out}
        if warnings:
            document["warnings"] = list(dict.fromkeys(warnings))
        if doc.get("reading_notes"):  # repairs the loader made (bad bytes, skipped pages): also rule document-reading-problem
            document["warnings"] = document.get("warnings", []) + [n["text"] for n in doc["reading_notes"]]
        if crashes:
            # a crash is a failure of this document (exit 3), never a quiet 0
            # parts / 0 findings; what did run is still reported
            document["status"] = "error"
            document["error"] = (f"{doc['source']['path']}: " + "; ".join(crashes)
                                 + " — the other rules were still run; report this as a bug "
                                   "(BUDGETLINT_DEBUG=1 shows the traceback)")
        return {"document": document, "findings": findings, "evaluations": evaluations}

    def _run_rule(self, doc: dict[str, Any], part: dict[str, Any], rule: Any,
                  sections: dict[str, str], index: DocumentIndex | None = None) -> dict[str, Any]:
        cls = self.host.registry.checks[rule.check]
        ctx = CheckContext(doc=doc, part=part, rule=rule, lang=self.lang, section_of=sections, index=index)
        try:
            cls().run(ctx)
        except InputError:
            raise
        except BudgetlintError as exc:  # e.g. a formula error on this document's values: this rule only
            ctx.not_evaluated(f"rule {rule.id} could not be evaluated: {exc}")
        except Exception as exc:  # a check bug must not lose the batch; it fails the document visibly
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            crash = (f"rule {rule.id} (check {rule.check}) crashed on part {part['id']}: {type(exc).__name__}: "
                     f"{exc} ({Path(tb.filename).name}:{tb.lineno})")
            ctx.not_evaluated(f"internal error in check {rule.check}: {type(exc).__name__}: {exc} "
                              f"({Path(tb.filename).name}:{tb.lineno})")
            if os.environ.get("BUDGETLINT_DEBUG"):
                traceback.print_exc(file=sys.stderr)
        else:
            crash = None
        out = ctx.outcome
        if out.not_evaluated_relations and not out.checked and not out.findings and not out.not_evaluated:
            out.not_evaluated.extend(out.not_evaluated_relations)
        if out.findings:
            worst = min(out.findings, key=lambda f: {"error": 0, "warning": 1, "info": 2}[f["severity"]])["severity"]
            status = "failed" if any(f["severity"] != "info" for f in out.findings) else "passed"
        elif out.not_evaluated:
            status, worst = "not_evaluated", None
        elif out.not_applicable and out.checked == 0:
            status, worst = "not_applicable", None
        elif out.checked == 0:
            status, worst = "not_evaluated", None
            ctx.not_evaluated("nothing to evaluate in this part (规则在本部分未找到可检查的内容)")
        else:
            status, worst = "passed", None
        evaluation = {"rule_id": rule.id, "check": rule.check, "severity": rule.severity,
                      "document": doc["source"]["path"], "part": part["id"], "part_type": part.get("type"),
                      "status": status, "findings": len(out.findings), "checked": out.checked}
        if out.not_evaluated:
            evaluation["reasons"] = out.not_evaluated
        elif status == "not_applicable":
            evaluation["reasons"] = out.not_applicable
        if out.not_evaluated_relations:
            # partially evaluated: the status judges what was evaluated; the
            # rest is listed and counted (summary ``partially_evaluated``)
            evaluation["not_evaluated_relations"] = list(dict.fromkeys(out.not_evaluated_relations))
        if worst:
            evaluation["worst"] = worst
        if crash:
            evaluation["error"] = crash
        return {"evaluation": evaluation, "findings": out.findings, "crash": crash}

    def build_report(self, results: list[dict[str, Any]], missing: list[str] = ()) -> dict[str, Any]:
        documents = [r["document"] for r in results]
        for m in missing:
            documents.append({"path": m, "status": "error", "error": f"{m}: no such file or directory — check the path"})
        findings = [f for r in results for f in r["findings"]]
        evaluations = [e for r in results for e in r["evaluations"]]
        packs = sorted({p["rule_pack"] for d in documents for p in d.get("parts", [])})
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "tool": tool_info(),
            "rule_pack": {"requested": self.rules_ref or "auto", "used": packs},
            "documents": documents,
            "findings": findings,
            "evaluations": evaluations,
            "summary": summarize(documents, findings, evaluations),
        }


def fallback_warning(pack: str, part: dict[str, Any], meta: dict[str, Any]) -> str:
    """One line saying a part was checked with the national base pack because
    no region/year pack matched — so regional rules were not applied."""
    region = meta.get("region") or "—"
    dept = meta.get("department") or "—"
    year = part.get("year") or meta.get("fiscal_year") or "—"
    return (f"{part.get('type')} {part.get('id')}: 未匹配到地区/年度规则包（地区 {region}，单位 {dept}，年度 {year}），"
            f"已按全国通用规则包 {pack} 检查，地区规则未适用 — no region/year pack matched; checked with the "
            f"national pack {pack} (name one with --rules)")


class Tally:
    """The report's summary counts, accumulated a document at a time — so
    the in-memory report (``summarize``) and the streamed one (core/stream.py)
    count alike.  ``not_evaluated`` counts rules that applied but evaluated
    nothing; ``partially_evaluated`` rules that evaluated some of their
    relations and list the others (``not_evaluated_relations``);
    ``by_document`` gives both per document, so a gate sees what it did not
    verify file by file."""

    def __init__(self) -> None:
        self.documents = self.checked = self.unreadable = self.failed = self.waived = self.related = 0
        self.evaluated = self.partial = self.warnings = 0
        self.severity: Counter[str] = Counter()
        self.status: Counter[str] = Counter()
        self.packs: set[str] = set()
        self.by_document: dict[str, dict[str, int]] = {}

    def add_document(self, d: dict[str, Any]) -> None:
        self.documents += 1
        self.checked += d.get("status") == "checked"
        self.unreadable += d.get("status") == "error"
        self.failed += d.get("status") == "error" and d.get("parts") is not None
        self.warnings += len(d.get("warnings") or [])
        self.packs.update(p["rule_pack"] for p in d.get("parts", []) or [])
        self.by_document.setdefault(d["path"], {"not_evaluated": 0, "partially_evaluated": 0})

    def add_findings(self, findings: list[dict[str, Any]]) -> None:
        for f in findings:
            if f.get("waived"):
                self.waived += 1
            elif f.get("related_to"):  # a consequence, counted under its root cause
                self.related += 1
            else:
                self.severity[f["severity"]] += 1

    def add_evaluations(self, evaluations: list[dict[str, Any]]) -> None:
        for e in evaluations:
            self.evaluated += 1
            self.status[e["status"]] += 1
            entry = self.by_document.setdefault(e["document"], {"not_evaluated": 0, "partially_evaluated": 0})
            if e["status"] == "not_evaluated":
                entry["not_evaluated"] += 1
            elif e.get("not_evaluated_relations"):
                entry["partially_evaluated"] += 1
                self.partial += 1

    def add(self, result: dict[str, Any]) -> None:
        """One per-document result ``{"document", "findings", "evaluations"}``."""
        self.add_document(result["document"])
        self.add_findings(result.get("findings", []))
        self.add_evaluations(result.get("evaluations", []))

    def summary(self, skipped: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return {
            "documents": self.documents, "documents_checked": self.checked, "documents_unreadable": self.unreadable,
            "findings": sum(self.severity.values()),
            "by_severity": {k: self.severity.get(k, 0) for k in ("error", "warning", "info")},
            "waived": self.waived, "related": self.related, "rules_evaluated": self.evaluated,
            "by_status": {k: self.status.get(k, 0) for k in ("passed", "failed", "not_evaluated", "not_applicable")},
            "not_evaluated": self.status.get("not_evaluated", 0),
            "partially_evaluated": self.partial,
            "documents_failed": self.failed,
            "files_skipped": len(skipped or []),
            "warnings": self.warnings,
            "by_document": self.by_document,
        }


def summarize(documents: list[dict[str, Any]], findings: list[dict[str, Any]],
              evaluations: list[dict[str, Any]], skipped: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Counts for a report built in memory (see ``Tally``)."""
    tally = Tally()
    for d in documents:
        tally.add_document(d)
    tally.add_findings(findings)
    tally.add_evaluations(evaluations)
    return tally.summary(skipped)
