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
from budgetlint.core.errors import BudgetlintError, InputError
from budgetlint.core.findings import sort_key
from budgetlint.core.loading import load_document
from budgetlint.core.plugins import PluginHost
from budgetlint.core.rulepack import PackLoader, RulePack, rule_applies

REPORT_SCHEMA_VERSION = "1.0"

SKIP_NAMES = ("~$", ".~lock", "~")


def tool_info() -> dict[str, str]:
    from budgetlint.core import __version__

    return {"name": "budgetlint", "version": __version__}


def walk(paths: list[str | Path], extensions: list[str]) -> tuple[list[str], list[str]]:
    """Files to check, in a stable order.  Directories are walked, skipping
    hidden files/folders and editor temp files (``~$x.docx``).  Returns
    (files, missing paths)."""
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
        return PackLoader(self.host.registry, self.host.rule_pack_dirs())

    def pack_for(self, meta: dict[str, Any], part: dict[str, Any] | None = None) -> RulePack:
        if self.rules_ref:
            return self.packs.load(self.rules_ref, default_for={**meta, **({"fiscal_year": part.get("year")} if part and part.get("year") else {})})
        m = dict(meta)
        if part and part.get("year"):
            m["fiscal_year"] = part["year"]
        return self.packs.load(self.packs.select_builtin(m, part.get("type") if part else None))

    def validate_rules(self) -> RulePack | None:
        """Load ``--rules`` eagerly so a pack error stops before any file."""
        if self.rules_ref:
            return self.packs.load(self.rules_ref, default_for={})
        for name in self.packs.builtins():
            self.packs.load(name)
        return None

    # ---------------------------------------------------------------- run
    def load(self, path: str | Path) -> dict[str, Any]:
        return load_document(path, self.host, self.options)

    def check_file(self, path: str | Path) -> dict[str, Any]:
        """Check one file; an unreadable file gives a document entry with
        ``status: error`` and its one-line reason, never an exception."""
        from budgetlint.core.batch import add_context

        try:
            doc = self.load(path)
        except InputError as exc:
            return {"document": {"path": str(path), "status": "error", "error": str(exc)},
                    "findings": [], "evaluations": []}
        result = self.check_document(doc)
        add_context(doc, result["findings"])  # while the document is still in memory
        return result

    def check_document(self, doc: dict[str, Any]) -> dict[str, Any]:
        meta = doc.get("meta", {})
        sections = section_map(doc)
        findings: list[dict[str, Any]] = []
        evaluations: list[dict[str, Any]] = []
        parts_out = []
        for part in doc.get("parts", []):
            pack = self.pack_for(meta, part)
            parts_out.append({k: part.get(k) for k in ("id", "type", "title", "year") if part.get(k) is not None}
                             | {"rule_pack": pack.name, "loc": part.get("loc", {})})
            for rule in pack.enabled_rules():
                if not rule_applies(rule, part, meta):
                    continue
                ev = self._run_rule(doc, part, rule, sections)
                evaluations.append(ev["evaluation"])
                findings.extend(ev["findings"])
        findings.sort(key=sort_key)
        document = {"path": doc["source"]["path"], "status": "checked", "format": doc["source"]["format"],
                    "sha256": doc["source"]["sha256"], "meta": meta, "parts": parts_out}
        if doc.get("recognizer_errors"):
            document["warnings"] = doc["recognizer_errors"]
        if doc.get("reading_notes"):  # repairs the loader made (bad bytes, skipped pages): also rule document-reading-problem
            document["warnings"] = document.get("warnings", []) + [n["text"] for n in doc["reading_notes"]]
        return {"document": document, "findings": findings, "evaluations": evaluations}

    def _run_rule(self, doc: dict[str, Any], part: dict[str, Any], rule: Any,
                  sections: dict[str, str]) -> dict[str, Any]:
        cls = self.host.registry.checks[rule.check]
        ctx = CheckContext(doc=doc, part=part, rule=rule, lang=self.lang, section_of=sections)
        try:
            cls().run(ctx)
        except InputError:
            raise
        except BudgetlintError as exc:  # e.g. a formula error on this document's values: this rule only
            ctx.not_evaluated(f"rule {rule.id} could not be evaluated: {exc}")
        except Exception as exc:  # a check bug must not lose the batch; it is reported, not hidden
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            ctx.not_evaluated(f"internal error in check {rule.check}: {type(exc).__name__}: {exc} "
                              f"({Path(tb.filename).name}:{tb.lineno})")
            if os.environ.get("BUDGETLINT_DEBUG"):
                traceback.print_exc(file=sys.stderr)
        out = ctx.outcome
        if out.findings:
            worst = min(out.findings, key=lambda f: {"error": 0, "warning": 1, "info": 2}[f["severity"]])["severity"]
            status = "failed" if any(f["severity"] != "info" for f in out.findings) else "passed"
        elif out.not_evaluated:
            status, worst = "not_evaluated", None
        elif out.not_applicable and out.checked == 0:
            status, worst = "not_applicable", None
        elif out.checked == 0:
            status, worst = "not_evaluated", None
            out.not_evaluated.append("nothing to evaluate in this part (规则在本部分未找到可检查的内容)")
        else:
            status, worst = "passed", None
        evaluation = {"rule_id": rule.id, "check": rule.check, "severity": rule.severity,
                      "document": doc["source"]["path"], "part": part["id"], "part_type": part.get("type"),
                      "status": status, "findings": len(out.findings), "checked": out.checked}
        if out.not_evaluated:
            evaluation["reasons"] = out.not_evaluated
        elif status == "not_applicable":
            evaluation["reasons"] = out.not_applicable
        if worst:
            evaluation["worst"] = worst
        return {"evaluation": evaluation, "findings": out.findings}

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


def summarize(documents: list[dict[str, Any]], findings: list[dict[str, Any]],
              evaluations: list[dict[str, Any]]) -> dict[str, Any]:
    sev = Counter(f["severity"] for f in findings if not f.get("waived"))
    status = Counter(e["status"] for e in evaluations)
    return {
        "documents": len(documents),
        "documents_checked": sum(1 for d in documents if d.get("status") == "checked"),
        "documents_unreadable": sum(1 for d in documents if d.get("status") == "error"),
        "findings": sum(sev.values()),
        "by_severity": {k: sev.get(k, 0) for k in ("error", "warning", "info")},
        "waived": sum(1 for f in findings if f.get("waived")),
        "rules_evaluated": len(evaluations),
        "by_status": {k: status.get(k, 0) for k in ("passed", "failed", "not_evaluated", "not_applicable")},
        "not_evaluated": status.get("not_evaluated", 0),
    }
