"""Recall and false alarms of budgetlint on the labelled corpus (a script, not a test).

Every ``tests/corpus/*.labels.yaml`` names one real document and lists the
defects a finance reviewer found in it (``defects``) and the true findings not
worth a label (``accepted``).  This script checks every available document
in-process with one ``Checker`` (all rules, automatic pack selection) and
prints, per document and in total:

- found / labelled: labelled defects matched by at least one finding;
- false alarms: error and warning findings that match no label (defect or accepted);
- info: info findings (rounding differences and the like), counted, never false alarms.

Matching (documented in tests/corpus/README.md): a finding matches a label
when its rule belongs to the label's kind (tests/corpus/kinds.yaml) and its
place is within the window — the same page for PDFs, ±2 lines for text
(a label may give a line range).  A finding without a page or line matches
by kind alone.

Documents under ``shared/`` are read from ../shared (``BUDGETLINT_SHARED``);
they are skipped with a note where it is absent.  ``.pages.json`` sources are
checked as the plain text a clerk gets by copying out of a PDF viewer: their
``page_texts`` joined with blank lines, written to a temporary folder.

    .venv/bin/python bench/recall.py                   # table for a person
    .venv/bin/python bench/recall.py --details         # plus each missed defect and false alarm
    .venv/bin/python bench/recall.py --json            # for machines
    .venv/bin/python bench/recall.py --update-baseline # re-pin tests/corpus/baseline.json
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
BASELINE = CORPUS / "baseline.json"
SHARED_PREFIX = "shared/"
LINE_WINDOW = 2


class LabelError(ValueError):
    """A labels file that cannot be scored (names the file and the fix)."""


@dataclass
class Label:
    kinds: tuple[str, ...]
    rules: tuple[str, ...]
    line: tuple[int, int] | None
    page: int | None
    what: str
    accepted: bool

    def place(self) -> str:
        if self.page is not None:
            return f"第{self.page}页"
        if self.line is not None:
            a, b = self.line
            return f"第{a}行" if a == b else f"第{a}–{b}行"
        return "全文"


@dataclass
class DocScore:
    name: str
    source: str
    status: str = "checked"          # checked | skipped | error
    note: str = ""
    labelled: int = 0
    found: int = 0
    false_alarms: int = 0
    info: int = 0
    accepted_seen: int = 0
    unkinded: set[str] = field(default_factory=set)   # rules that fired but belong to no kind
    missed: list[dict[str, Any]] = field(default_factory=list)
    alarms: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"labelled": self.labelled, "found": self.found, "false_alarms": self.false_alarms,
                "info": self.info}


def load_kinds(corpus: Path = CORPUS) -> dict[str, list[str]]:
    data = YAML(typ="safe").load((corpus / "kinds.yaml").read_text(encoding="utf-8"))
    return {k: list(v.get("rules", [])) for k, v in data.items()}


def _as_tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    return tuple(v) if isinstance(v, list) else (str(v),)


def parse_labels(path: Path, kinds: dict[str, list[str]]) -> dict[str, Any]:
    """Read one labels file; a malformed entry is a one-line error naming it."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    if "source" not in data:
        raise LabelError(f"{path.name}: no 'source:' — name the document (samples/… or shared/…)")
    out: list[Label] = []
    for section, accepted in (("defects", False), ("accepted", True)):
        for i, e in enumerate(data.get(section) or [], 1):
            where = f"{path.name}: {section}[{i}]"
            ks, rs = _as_tuple(e.get("kind")), _as_tuple(e.get("rule"))
            if not ks and not rs:
                raise LabelError(f"{where}: give 'kind:' (one of tests/corpus/kinds.yaml) or 'rule:'")
            unknown = [k for k in ks if k not in kinds]
            if unknown:
                raise LabelError(f"{where}: unknown kind {unknown[0]!r} — add it to tests/corpus/kinds.yaml")
            line = e.get("line") if "line" in e else e.get("lines")
            if isinstance(line, list):
                line = (int(line[0]), int(line[-1]))
            elif line is not None:
                line = (int(line), int(line))
            if not accepted and not e.get("what"):
                raise LabelError(f"{where}: a defect needs 'what:' (a short description in Chinese)")
            out.append(Label(ks, rs, line, e.get("page"), str(e.get("what", "")), accepted))
    return {"source": data["source"], "title": data.get("title", ""), "labels": out}


def resolve_source(source: str, tmp: Path) -> tuple[Path | None, str]:
    """The file to check, or None with the reason it is not available here."""
    if source.startswith(SHARED_PREFIX):
        from budgetlint.core.testing import shared_dir

        base = shared_dir(REPO)
        path = base / source[len(SHARED_PREFIX):] if base else None
        if path is None or not path.exists():
            return None, f"{source} is absent (../shared holds the third-party documents; never copied here)"
    else:
        path = REPO / source
        if not path.exists():
            return None, f"{source} is missing from the repository"
    if path.name.endswith(".pages.json"):
        pages = json.loads(path.read_text(encoding="utf-8"))["page_texts"]
        txt = tmp / path.name.replace(".pages.json", ".txt")
        txt.write_text("\n\n".join(pages), encoding="utf-8")
        return txt, ""
    return path, ""


def finding_place(f: dict[str, Any]) -> tuple[tuple[int, int] | None, int | None]:
    loc = f.get("location") or {}
    line = loc.get("line")
    span = (int(line), int(loc.get("end_line") or line)) if line is not None else None
    return span, loc.get("page")


def matches(label: Label, f: dict[str, Any], kinds: dict[str, list[str]]) -> bool:
    rule = f.get("rule_id", "")
    patterns = [p for k in label.kinds for p in kinds[k]] + list(label.rules)
    if not any(fnmatch.fnmatchcase(rule, p) for p in patterns):
        return False
    span, page = finding_place(f)
    if span is None and page is None:
        return True
    if label.page is not None:
        return page == label.page
    if label.line is not None:
        if span is None:
            return False
        a, b = label.line
        return span[0] - LINE_WINDOW <= b and a <= span[1] + LINE_WINDOW
    return True  # a label without a place is about the whole document


def score_document(checker: Any, name: str, spec: dict[str, Any], path: Path,
                   kinds: dict[str, list[str]]) -> DocScore:
    s = DocScore(name, spec["source"])
    result = checker.check_file(path)
    if result["document"].get("status") == "error":
        s.status, s.note = "error", result["document"].get("error", "")
    defects = [lb for lb in spec["labels"] if not lb.accepted]
    accepted = [lb for lb in spec["labels"] if lb.accepted]
    s.labelled = len(defects)
    findings = result["findings"]
    all_patterns = [p for ps in kinds.values() for p in ps]
    s.unkinded = {f["rule_id"] for f in findings
                  if not any(fnmatch.fnmatchcase(f["rule_id"], p) for p in all_patterns)}
    for lb in defects:
        if any(matches(lb, f, kinds) for f in findings):
            s.found += 1
        else:
            s.missed.append({"place": lb.place(), "kind": "/".join(lb.kinds + lb.rules), "what": lb.what})
    for f in findings:
        if f["severity"] == "info":
            s.info += 1
            continue
        if any(matches(lb, f, kinds) for lb in defects):
            continue
        if any(matches(lb, f, kinds) for lb in accepted):
            s.accepted_seen += 1
            continue
        span, page = finding_place(f)
        s.false_alarms += 1
        s.alarms.append({"place": f"第{page}页" if page is not None else (f"第{span[0]}行" if span else "全文"),
                         "rule": f["rule_id"], "severity": f["severity"], "message": f.get("message", "")[:120]})
    return s


def run(only: list[str] | None = None, corpus: Path = CORPUS) -> list[DocScore]:
    """Score every labelled document (in name order); unavailable ones are skipped with a note."""
    from budgetlint.core.engine import Checker

    kinds = load_kinds(corpus)
    checker = Checker()
    scores: list[DocScore] = []
    with tempfile.TemporaryDirectory(prefix="budgetlint-corpus-") as tmp:
        for lf in sorted(corpus.glob("*.labels.yaml")):
            name = lf.name[: -len(".labels.yaml")]
            if only and name not in only:
                continue
            spec = parse_labels(lf, kinds)
            path, why = resolve_source(spec["source"], Path(tmp))
            if path is None:
                scores.append(DocScore(name, spec["source"], status="skipped", note=why,
                                       labelled=sum(not lb.accepted for lb in spec["labels"])))
                continue
            scores.append(score_document(checker, name, spec, path, kinds))
    return scores


def totals(scores: list[DocScore]) -> dict[str, Any]:
    done = [s for s in scores if s.status != "skipped"]
    lab, found = sum(s.labelled for s in done), sum(s.found for s in done)
    fa = sum(s.false_alarms for s in done)
    return {"documents": len(done), "skipped": len(scores) - len(done), "labelled": lab, "found": found,
            "recall": round(found / lab, 3) if lab else None, "false_alarms": fa,
            "false_alarms_per_document": round(fa / len(done), 2) if done else None,
            "info": sum(s.info for s in done)}


def render_text(scores: list[DocScore], details: bool) -> str:
    rows = [f"{'document':<52} {'found/labelled':>15} {'false alarms':>13} {'info':>6}"]
    for s in scores:
        if s.status == "skipped":
            rows.append(f"{s.name:<52} {'skipped':>15}   {s.note}")
            continue
        rows.append(f"{s.name:<52} {f'{s.found}/{s.labelled}':>15} {s.false_alarms:>13} {s.info:>6}"
                    + (f"   ERROR {s.note}" if s.status == "error" else ""))
        if details:
            rows += [f"    missed  {m['place']:<10} {m['kind']:<20} {m['what']}" for m in s.missed]
            rows += [f"    alarm   {a['place']:<10} {a['rule']:<30} {a['message']}" for a in s.alarms]
    t = totals(scores)
    recall = f"{t['recall']:.0%}" if t["recall"] is not None else "–"
    rows.append(f"{'TOTAL (' + str(t['documents']) + ' documents, ' + str(t['skipped']) + ' skipped)':<52} "
                f"{str(t['found']) + '/' + str(t['labelled']):>15} {t['false_alarms']:>13} {t['info']:>6}")
    unkinded = sorted({r for s in scores for r in s.unkinded})
    if unkinded:
        rows.append(f"rules in no kind (their findings can only be false alarms): {', '.join(unkinded)} "
                    "— add them to tests/corpus/kinds.yaml")
    rows.append(f"recall {recall}; false alarms per document {t['false_alarms_per_document']} "
                "(goal: recall ≥ 90 %, ≤ 1 false alarm per document)")
    return "\n".join(rows)


def write_baseline(scores: list[DocScore], path: Path = BASELINE) -> None:
    """Pin the summary of every checked document; skipped documents keep their old pin."""
    old = json.loads(path.read_text(encoding="utf-8")).get("documents", {}) if path.exists() else {}
    docs = dict(old)
    for s in scores:
        if s.status != "skipped":
            docs[s.name] = s.summary()
    path.write_text(json.dumps({"documents": dict(sorted(docs.items()))}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--details", action="store_true", help="list missed defects and false alarms")
    ap.add_argument("--doc", action="append", help="score only this labels file (name without .labels.yaml)")
    ap.add_argument("--update-baseline", action="store_true", help=f"re-pin {BASELINE.relative_to(REPO)}")
    args = ap.parse_args(argv)
    try:
        scores = run(args.doc)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        docs = [s.__dict__ | {"unkinded": sorted(s.unkinded)} for s in scores]
        print(json.dumps({"documents": docs, "total": totals(scores)},
                         ensure_ascii=False, indent=1))
    else:
        print(render_text(scores, args.details))
    if args.update_baseline:
        write_baseline(scores)
        print(f"baseline written to {BASELINE.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
