"""Waivers and baselines: how a clerk accepts a known finding without
silencing the rule for everyone.

A waiver file is YAML::

    waivers:
      - rule: template-placeholder-left          # rule id
        document: "*/001_*.txt"                   # path glob (or the file's sha256)
        location: "（三）单位机构、人员情况"          # optional: the place as printed, or line/table/row/column/field…
        fingerprint: 2745310be367da36             # optional: the 指纹 shown in the HTML/XLSX report
        reason: 示例文字系引用原文，已核实
        approved_by: 张三
        expires: 2026-06-30                       # optional date

A waived finding stays in the report with ``finding["waived"]`` and is
counted in ``summary["waived"]``, but no longer fails the check.  Waivers rot,
so an expired waiver, and one that matched nothing, are findings themselves
(``waiver-expired``, ``waiver-unused``; severity warning; located at the
waiver's line in the waiver file).

A baseline is a previous JSON report: ``--baseline`` keeps only findings
whose fingerprint (rule, document name, human location — never a line
number) is not in it, so edits elsewhere in a document do not resurrect old
findings.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgetlint.core.errors import UsageError, WaiverError

#: Keys of a finding location a waiver's ``location`` is compared with.
LOCATION_KEYS = ("line", "table_code", "table", "row", "column", "field", "indicator", "cell", "section",
                 "snippet", "sheet", "cell_ref", "page", "paragraph")
REQUIRED = ("rule", "document", "reason", "approved_by")
ALLOWED = (*REQUIRED, "location", "expires", "fingerprint")
FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
WAIVER_RULES = {
    "waiver-expired": {"title": "豁免已过期 (waiver expired)",
                       "zh": "豁免已于{expires}过期（规则 {rule}，文件 {document}）：请续期或删除该豁免",
                       "en": "waiver expired on {expires} (rule {rule}, document {document}): renew or remove it"},
    "waiver-unused": {"title": "豁免未匹配任何问题 (waiver unused)",
                      "zh": "豁免未匹配任何问题（规则 {rule}，文件 {document}）：问题可能已修正，请删除该豁免",
                      "en": "waiver matched no finding (rule {rule}, document {document}): "
                            "the finding may be fixed; remove the waiver"},
}


@dataclass
class Waiver:
    """One entry of a waiver file, with its position for error messages."""

    rule: str
    document: str
    reason: str
    approved_by: str
    file: str
    line: int
    location: str | dict[str, str] | None = None
    expires: dt.date | None = None
    fingerprint: str | None = None
    used: int = field(default=0, compare=False)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, finding: dict[str, Any], sha256: str | None) -> bool:
        """Rule, document (glob relative to the waiver file, absolute glob,
        file name or sha256) and, when given, the fingerprint shown in the
        HTML/XLSX report or the place exactly as the text report prints it
        (``第153行 · 2020年度部门整体支出绩效自评表 · 总分``) or one of its
        parts (``location: {row: …}``)."""
        from budgetlint.core.findings import human_location

        if finding.get("rule_id") != self.rule:
            return False
        if self.fingerprint and finding.get("fingerprint") != self.fingerprint:
            return False
        if self.document != "*" and not _document_matches(self.document, finding.get("source", ""), sha256,
                                                          base=Path(self.file).resolve().parent):
            return False
        if self.location is None:
            return True
        loc = finding.get("location", {}) or {}
        if isinstance(self.location, dict):
            return all(_value_matches(pat, loc.get(key)) for key, pat in self.location.items())
        printed = [human_location(loc, lang) for lang in ("zh", "en")]
        return any(_value_matches(self.location.strip(), p) for p in printed) or \
            any(_value_matches(self.location, loc.get(key)) for key in LOCATION_KEYS)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "approved_by": self.approved_by,
                               "waiver": f"{self.file}:{self.line}"}
        if self.expires:
            out["expires"] = self.expires.isoformat()
        return out


def _document_matches(pattern: str, path: str, sha256: str | None, base: Path | None = None) -> bool:
    if SHA256.match(pattern):
        return bool(sha256) and sha256.lower() == pattern.lower()
    posix = path.replace("\\", "/")
    absolute = Path(path).resolve().as_posix() if path else ""
    candidates = {posix, posix.rsplit("/", 1)[-1], absolute}
    if posix.startswith("./"):
        candidates.add(posix[2:])
    if any(c and fnmatch.fnmatchcase(c, pattern) for c in candidates):
        return True
    # a relative pattern means: relative to the waiver file, wherever budgetlint is run from
    pat = pattern.replace("\\", "/")
    if base is not None and absolute and not Path(pat).is_absolute():
        anchored = (base / pat).as_posix()
        norm = os.path.normpath(anchored).replace("\\", "/")
        return fnmatch.fnmatchcase(absolute, norm)
    return False


def _value_matches(pattern: str, value: Any) -> bool:
    if value is None or value == "":
        return False
    text = str(value)
    return text == pattern or fnmatch.fnmatchcase(text, pattern)


# ------------------------------------------------------------------ reading
def parse_waivers(path: str | Path, known_rules: set[str] | None = None) -> tuple[list[Waiver], list[WaiverError]]:
    """Read a waiver file; return the valid waivers and every problem found
    (each a one-line ``file:line`` error), so ``waivers check`` lists them all."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    spath = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [WaiverError(f"cannot read waiver file: {exc}", culprit=spath, fix="save it as UTF-8 text")]
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    try:
        root = y.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return [], [WaiverError(f"malformed YAML: {(exc.problem or exc.context or 'invalid YAML').strip()}",
                                culprit=spath, where=str(mark.line + 1) if mark else None,
                                fix="check indentation and quoting on that line")]
    except YAMLError as exc:
        return [], [WaiverError(f"malformed YAML: {exc}", culprit=spath, fix="check the YAML syntax")]
    except ValueError as exc:  # YAML read a value it cannot build, e.g. the date 2025-13-40
        return [], [WaiverError(f"invalid value: {exc}", culprit=spath, where=str(_bad_date_line(text)),
                                fix="write dates as YYYY-MM-DD")]
    if not isinstance(root, dict) or "waivers" not in root:
        return [], [WaiverError("no 'waivers:' list", culprit=spath, where="1",
                                fix="start the file with 'waivers:' followed by a list of entries")]
    extra = [k for k in root if k != "waivers"]
    errors: list[WaiverError] = []
    if extra:
        errors.append(WaiverError(f"unknown top-level key {extra[0]!r}", culprit=spath,
                                  where=str(_line(root, extra[0])), fix="only 'waivers:' is allowed"))
    items = root["waivers"]
    if items is None:
        return [], errors
    if not isinstance(items, list):
        return [], [*errors, WaiverError("'waivers' must be a list", culprit=spath, where=str(_line(root, "waivers")),
                                         fix="write each waiver as a '- rule: …' item")]
    waivers: list[Waiver] = []
    for i, node in enumerate(items):
        line = _item_line(items, i)
        if not isinstance(node, dict):
            errors.append(WaiverError(f"waiver #{i + 1} is not a mapping", culprit=spath, where=str(line),
                                      fix="write 'rule:', 'document:', 'reason:', 'approved_by:'"))
            continue
        bad = False
        for key in node:
            if key not in ALLOWED:
                import difflib

                close = difflib.get_close_matches(str(key), ALLOWED, n=1)
                errors.append(WaiverError(f"unknown key {key!r}", culprit=spath, where=str(_line(node, key)),
                                          fix=(f"did you mean {close[0]!r}?" if close else
                                               "allowed: " + ", ".join(ALLOWED))))
                bad = True
        fp = node.get("fingerprint")
        if fp is not None and not FINGERPRINT.match(str(fp).strip()):
            errors.append(WaiverError(f"'fingerprint' is not a 16-digit hex fingerprint: {fp!r}", culprit=spath,
                                      where=str(_line(node, "fingerprint")),
                                      fix="copy the 指纹 column of the HTML/XLSX report (e.g. 2745310be367da36)"))
            bad = True
        for key in REQUIRED:
            value = node.get(key)
            if key == "document" and value is None and fp is not None:
                continue  # the fingerprint already names the document
            if value is None or not str(value).strip():
                errors.append(WaiverError(f"waiver #{i + 1} has no {key!r}", culprit=spath, where=str(line),
                                          fix=f"add '{key}:' (every waiver needs rule, document, reason and approved_by)"))
                bad = True
            elif not isinstance(value, (str, int)):
                errors.append(WaiverError(f"{key!r} must be text", culprit=spath, where=str(_line(node, key)),
                                          fix="quote the value"))
                bad = True
        location = node.get("location")
        if location is not None:
            if isinstance(location, dict):
                unknown = [k for k in location if k not in LOCATION_KEYS]
                if unknown:
                    errors.append(WaiverError(f"unknown location key {unknown[0]!r}", culprit=spath,
                                              where=str(_line(location, unknown[0])),
                                              fix="use " + ", ".join(LOCATION_KEYS)))
                    bad = True
                location = {str(k): str(v) for k, v in location.items()}
            elif isinstance(location, (str, int)):
                location = str(location)
            else:
                errors.append(WaiverError("'location' must be text or a mapping", culprit=spath,
                                          where=str(_line(node, "location")),
                                          fix="e.g. location: {row: 20199, column: 项目支出}"))
                bad = True
        expires = node.get("expires")
        if expires is not None:
            parsed = _parse_date(expires)
            if parsed is None:
                errors.append(WaiverError(f"'expires' is not a date: {expires!r}", culprit=spath,
                                          where=str(_line(node, "expires")), fix="write it as YYYY-MM-DD"))
                bad = True
            expires = parsed
        rule = str(node.get("rule", "")).strip()
        if known_rules is not None and rule and rule not in known_rules:
            import difflib

            close = difflib.get_close_matches(rule, sorted(known_rules), n=1)
            errors.append(WaiverError(f"unknown rule id {rule!r}", culprit=spath, where=str(_line(node, "rule")),
                                      fix=(f"did you mean {close[0]!r}?" if close else "run `budgetlint rules list`")))
            bad = True
        if not bad:
            waivers.append(Waiver(rule=rule, document=str(node.get("document") or "*").strip(),
                                  reason=str(node["reason"]), approved_by=str(node["approved_by"]), file=spath,
                                  line=line, location=location, expires=expires,
                                  fingerprint=str(fp).strip() if fp is not None else None))
    return waivers, errors


def load_waivers(path: str | Path) -> list[Waiver]:
    """Waivers for ``check``: the first problem stops the run (exit 2), since
    a half-read waiver file would silently fail or pass documents."""
    waivers, errors = parse_waivers(path)
    if errors:
        raise errors[0]
    return waivers


def _bad_date_line(text: str) -> int:
    """The line of the first unparseable date, for errors ruamel reports
    without a position."""
    for i, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^[\s-]*\w+:\s*['\"]?(\d{4}-\d{1,2}-\d{1,2})", line)
        if m and _parse_date(m.group(1)) is None:
            return i
    return 1


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _line(node: Any, key: Any) -> int:
    from budgetlint.core.rulepack import line_of

    return line_of(node, key) or 1


def _item_line(seq: Any, i: int) -> int:
    lc = getattr(seq, "lc", None)
    try:
        return lc.item(i)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return 1


# ------------------------------------------------------------------ applying
def today() -> dt.date:
    """The date waivers are judged against; ``BUDGETLINT_TODAY=YYYY-MM-DD``
    pins it (for reproducible reports and tests)."""
    pinned = os.environ.get("BUDGETLINT_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError as exc:
            raise UsageError(f"BUDGETLINT_TODAY={pinned!r} is not a date", culprit="BUDGETLINT_TODAY",
                             fix="write it as YYYY-MM-DD") from exc
    return dt.date.today()


def apply_waivers(report: dict[str, Any], waivers: list[Waiver], waiver_file: str,
                  lang: str | None = None) -> None:
    """Mark waived findings and add ``waiver-expired``/``waiver-unused``
    findings.  An expired waiver waives nothing."""
    lang = lang or report.get("lang") or "zh"
    when = today()
    sha = {d["path"]: d.get("sha256") for d in report["documents"]}
    mark_waived(report["findings"], waivers, sha, when)
    extra = waiver_findings(waivers, waiver_file, lang, when)
    report["findings"].extend(extra)
    report["waivers"] = waiver_summary(waivers, waiver_file, when,
                                       sum(1 for f in report["findings"] if f.get("waived")))
    catalogue = report.setdefault("rules", {})
    catalogue.update(waiver_rules(extra))


def mark_waived(findings: list[dict[str, Any]], waivers: list[Waiver], sha: dict[str, str | None],
                when: dt.date) -> None:
    """Mark the findings a live waiver matches (counting its uses).  A
    waived root cause takes its consequences with it (they are not problems
    of their own).  Called on a whole report or one document at a time (a
    streamed report): consequences and their root are in the same document."""
    active = [w for w in waivers if not w.expired(when)]
    for f in findings:
        for w in active:
            if w.matches(f, sha.get(f.get("source", ""))):
                f["waived"] = w.as_json()
                w.used += 1
                break
    waived_roots = {f["fingerprint"]: f["waived"] for f in findings if f.get("waived") and f.get("related")}
    for f in findings:
        if not f.get("waived") and f.get("related_to") in waived_roots:
            f["waived"] = {**waived_roots[f["related_to"]], "via": f["related_to"]}


def waiver_findings(waivers: list[Waiver], waiver_file: str, lang: str, when: dt.date) -> list[dict[str, Any]]:
    """``waiver-expired`` / ``waiver-unused`` findings, once every document was matched."""
    from budgetlint.core.findings import fingerprint

    extra: list[dict[str, Any]] = []
    for w in waivers:
        if w.expired(when):
            rid = "waiver-expired"
        elif not w.used:
            rid = "waiver-unused"
        else:
            continue
        meta = WAIVER_RULES[rid]
        values = {"rule": w.rule, "document": w.document, "expires": w.expires.isoformat() if w.expires else ""}
        text = meta.get(lang, meta["zh"]).format(**values)
        finding: dict[str, Any] = {
            "rule_id": rid, "check": "waivers", "severity": "warning", "message": text, "source": waiver_file,
            "part": {}, "location": {"line": w.line, "end_line": w.line, "field": f"{w.rule} @ {w.document}"},
            "details": {**values, "reason": w.reason, "approved_by": w.approved_by},
            "basis": [],
        }
        finding["fingerprint"] = fingerprint(finding)
        extra.append(finding)
    return extra


def waiver_summary(waivers: list[Waiver], waiver_file: str, when: dt.date, findings_waived: int) -> dict[str, Any]:
    """The report's ``waivers`` entry."""
    return {"file": waiver_file, "count": len(waivers),
            "used": sum(1 for w in waivers if w.used), "expired": sum(1 for w in waivers if w.expired(when)),
            "findings_waived": findings_waived}


def waiver_rules(extra: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Catalogue entries of the waiver file's own rules, for the findings in ``extra``."""
    return {rid: {"id": rid, "check": "waivers", "severity": "warning", "title": WAIVER_RULES[rid]["title"],
                  "description": "豁免文件自身的问题 (a problem in the waiver file itself)", "basis": []}
            for rid in sorted({f["rule_id"] for f in extra})}


# ------------------------------------------------------------------ baseline
def load_baseline(path: str | Path) -> Counter[str]:
    """Fingerprints of a previous JSON report (a multiset: two identical
    findings before and three now means one is new)."""
    spath = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read baseline: {exc}", culprit=spath, fix="check the path") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"baseline is not JSON: {exc.msg}", culprit=spath, where=str(exc.lineno),
                         fix="pass a report written with --format json") from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise UsageError("baseline is not a budgetlint JSON report (no 'findings' list)", culprit=spath,
                         fix="pass a report written with `budgetlint check --format json`")
    out: Counter[str] = Counter()
    for i, f in enumerate(data["findings"]):
        if not isinstance(f, dict) or not f.get("fingerprint"):
            raise UsageError(f"finding #{i + 1} has no fingerprint", culprit=spath,
                             fix="regenerate the baseline with this budgetlint version")
        out[f["fingerprint"]] += 1
    return out


def apply_baseline(report: dict[str, Any], known: Counter[str], baseline_file: str) -> None:
    """Keep only findings that are new relative to the baseline."""
    keep = BaselineFilter(known)
    report["findings"] = keep(report["findings"])
    report["baseline"] = keep.entry(baseline_file)


class BaselineFilter:
    """Drops findings whose fingerprint the baseline knows (as a multiset),
    over a whole report or one document after another in report order (a
    streamed report) — the same findings are kept either way."""

    def __init__(self, known: Counter[str]) -> None:
        self.remaining = Counter(known)
        self.dropped = self.kept = 0

    def __call__(self, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        for f in findings:
            fp = f.get("fingerprint")
            if fp and self.remaining[fp] > 0:
                self.remaining[fp] -= 1
                self.dropped += 1
            else:
                kept.append(f)
        # a new consequence of a known root cause is shown as a finding of its own, not hidden under a root
        # that is no longer in the report (a root and its consequences are in the same document)
        present = {f.get("fingerprint") for f in kept}
        for f in kept:
            if f.get("related_to") and f["related_to"] not in present:
                f.pop("related_to")
                f.pop("relation", None)
            if f.get("related"):
                f["related"] = [x for x in f["related"] if x in present]
                if not f["related"]:
                    f.pop("related")
        self.kept += len(kept)
        return kept

    def entry(self, baseline_file: str) -> dict[str, Any]:
        """The report's ``baseline`` entry."""
        return {"file": baseline_file, "known": self.dropped, "new": self.kept}
