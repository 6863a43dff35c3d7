"""Test helpers for rule authors and plugin distributions.

Rule cases are data: every rule ``<rule-id>.yaml`` has ``<rule-id>.test.yaml``
beside it::

    rule: scorecard-level1-weight      # optional; default from the file name
    cases:
      - name: fires-on-wrong-weight
        input:
          text: |                       # a minimal document as a clerk pastes it
            ...
          # or file: samples/004_x.txt (relative to the cases file or the repo)
          # or document: {...canonical JSON...}
          part: 绩效自评表/项目           # optional: only parts of this type (or id)
        expect:
          fires: 1                      # count, or true/false
          findings:                     # each matches a distinct finding
            - {line: 12, severity: error, message_contains: "50", expected: 50, actual: 40}
      - name: known-gap
        todo: why this does not work yet  # reported as xfail
        ...

:func:`run_rule` / :func:`run_case` work without pytest; the pytest plugin
(``budgetlint.core.pytest_plugin``) collects every case as its own item.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgetlint.core.document import DocumentIndex
from budgetlint.core.engine import Checker, section_map
from budgetlint.core.errors import BudgetlintError, RulePackError, SharedInputMissing
from budgetlint.core.loading import load_document, run_recognizers
from budgetlint.core.plugins import PluginHost
from budgetlint.core.rulepack import PACK_FILE, TEST_SUFFIX, RulePack, plain, read_yaml, rule_applies

__all__ = ["RuleCase", "CaseResult", "load_cases", "run_case", "run_rule", "document_from_text",
           "pack_for_cases", "scorecard_markdown", "table_text", "make_host"]

_HOSTS: dict[tuple[Any, ...], PluginHost] = {}


def make_host(plugins: tuple[Any, ...] = (), entry_points: bool = True) -> PluginHost:
    """A plugin host, cached per configuration (creating one loads every
    entry point; tests create many checkers)."""
    key = (plugins, entry_points)
    if key not in _HOSTS:
        _HOSTS[key] = PluginHost(plugins=plugins, entry_points=entry_points)
    return _HOSTS[key]


def document_from_text(text: str, *, name: str = "case.txt", host: PluginHost | None = None) -> dict[str, Any]:
    """Canonical document from pasted text (Markdown if it looks like it)."""
    host = host or make_host()
    spec = host.registry.loader_for(name)
    assert spec is not None
    doc = spec.load()(text.encode("utf-8"), name, {})
    run_recognizers(doc, host)
    return doc


def pack_for_cases(cases_file: Path) -> Path:
    """The pack a cases file belongs to: the nearest ``pack.yaml`` upwards."""
    for d in [cases_file.parent, *cases_file.parents]:
        if (d / PACK_FILE).exists():
            return d
    raise RulePackError("no pack.yaml found for this cases file", culprit=str(cases_file),
                        fix="put cases beside the rule inside a pack directory")


_DOC_MEMO: dict[tuple[str, int, int, int], dict[str, Any]] = {}
_DOC_MEMO_SIZE = 16


def _load_cached(path: Path, host: PluginHost) -> dict[str, Any]:
    """Rule cases read the same real documents again and again (every case
    of a rule on one PDF): parse each file once per host and hand out copies,
    so a check that annotates its document cannot leak into the next case.
    Keyed by path, size and mtime: an edited file is read again."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, id(host))
    if key not in _DOC_MEMO:
        if len(_DOC_MEMO) >= _DOC_MEMO_SIZE:
            _DOC_MEMO.pop(next(iter(_DOC_MEMO)))
        _DOC_MEMO[key] = load_document(path, host)
    return copy.deepcopy(_DOC_MEMO[key])


def run_rule(rule_id: str, *, pack: str | Path, text: str | None = None, path: str | Path | None = None,
             document: dict[str, Any] | None = None, part: str | None = None, name: str = "case.txt",
             host: PluginHost | None = None, lang: str = "zh",
             related: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run one rule of ``pack`` on a text, a file or a canonical document;
    returns (findings, evaluations).  ``related``: ``doc["related"]`` (issue 17)."""
    host = host or make_host()
    checker = Checker(rules=str(pack), host=host, lang=lang)
    if document is not None:
        doc = copy.deepcopy(document)
        doc.setdefault("meta", {"doc_types": []})
        doc.setdefault("source", {"path": name, "format": "json", "sha256": "", "size": 0})
        if not doc.get("parts"):
            run_recognizers(doc, host)
    elif text is not None:
        doc = document_from_text(text, name=name, host=host)
    elif path is not None:
        doc = _load_cached(Path(path), host)
    else:
        raise ValueError("give text, path or document")
    if related is not None:
        doc["related"] = related
    rp: RulePack = checker.packs.load(str(pack), default_for=doc.get("meta", {}))
    if rule_id not in rp.rules:
        raise RulePackError(f"rule {rule_id!r} is not in pack {rp.name}", culprit=str(pack),
                            fix="check the rule id (cases file name or its 'rule:' key)")
    rule = rp.rules[rule_id]
    sections = section_map(doc)
    index = DocumentIndex(doc)
    findings: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    for p in doc.get("parts", []):
        if part and part not in (p.get("type"), p.get("id")):
            continue
        if not rule_applies(rule, p, doc.get("meta", {})):
            continue
        out = checker._run_rule(doc, p, rule, sections, index)
        evaluations.append(out["evaluation"])
        findings.extend(out["findings"])
    return findings, evaluations


@dataclass
class RuleCase:
    rule_id: str
    name: str
    input: dict[str, Any]
    expect: dict[str, Any]
    file: Path
    line: int = 0
    todo: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def test_id(self) -> str:
        return f"{self.rule_id}::{self.name}"


def load_cases(cases_file: Path) -> list[RuleCase]:
    node = read_yaml(cases_file)
    if not isinstance(node, dict) or not isinstance(node.get("cases"), list):
        raise RulePackError("a cases file needs a 'cases:' list", culprit=str(cases_file), where="1",
                            fix="see docs/authoring.md for the case format")
    default_rule = str(node.get("rule") or cases_file.name[: -len(TEST_SUFFIX)])
    out: list[RuleCase] = []
    names: set[tuple[Any, str]] = set()
    from budgetlint.core.rulepack import line_of

    for i, cnode in enumerate(node["cases"]):
        data = plain(cnode)
        line = line_of(cnode)
        name = str(data.get("name") or f"case{i + 1}")
        if (data.get("rule"), name) in names:
            raise RulePackError(f"case name {name!r} used twice", culprit=str(cases_file), where=str(line),
                                fix="give every case a unique name")
        names.add((data.get("rule"), name))
        inp = data.get("input") or {}
        if not any(k in inp for k in ("text", "file", "document")):
            raise RulePackError(f"case {name!r} has no input", culprit=str(cases_file), where=str(line),
                                fix="give input.text, input.file or input.document")
        expect = data.get("expect") or {}
        if not any(k in expect for k in ("fires", "findings", "not_evaluated", "not_applicable")):
            raise RulePackError(f"case {name!r} asserts nothing", culprit=str(cases_file), where=str(line),
                                fix="add expect.fires (a count or true/false), expect.findings, "
                                    "expect.not_evaluated or expect.not_applicable")
        rule_id = str(data.get("rule") or default_rule)
        out.append(RuleCase(rule_id, name, inp, expect, cases_file, line, data.get("todo"), data))
    return out


@dataclass
class CaseResult:
    ok: bool
    problems: list[str]
    findings: list[dict[str, Any]]
    evaluations: list[dict[str, Any]]

    def report(self, case: RuleCase) -> str:
        lines = [f"{case.file}:{case.line}: case {case.test_id} failed"]
        lines += ["  " + p for p in self.problems]
        inp = case.input
        if "text" in inp:
            body = inp["text"].splitlines()
            lines.append("  input (text):")
            lines += [f"    {i + 1:>3} {ln}" for i, ln in enumerate(body[:25])]
            if len(body) > 25:
                lines.append(f"    … {len(body) - 25} more lines")
        elif "file" in inp:
            lines.append(f"  input (file): {inp['file']}" + (f" part {inp['part']}" if inp.get("part") else ""))
        else:
            lines.append("  input (document): " + json.dumps(inp.get("document"), ensure_ascii=False)[:300])
        lines.append("  expected: " + json.dumps(case.expect, ensure_ascii=False))
        lines.append(f"  produced {len(self.findings)} finding(s):")
        for f in self.findings[:20]:
            loc = f.get("location", {})
            lines.append(f"    line {loc.get('line')} {f['severity']}: {f['message']}"
                         + (f" (expected {f.get('expected')}, actual {f.get('actual')})" if "expected" in f else ""))
        for e in self.evaluations:
            if e["status"] == "not_evaluated":
                lines.append(f"    not evaluated on {e['part_type']}: {'; '.join(e.get('reasons', []))}")
        if not self.evaluations:
            lines.append("    (the rule did not apply to any part of the input: check applies_to / part)")
        return "\n".join(lines)


SHARED_PREFIX = "shared/"


def shared_dir(*anchors: Path) -> Path | None:
    """The folder of third-party real documents (``shared/`` beside the
    repository): ``$BUDGETLINT_SHARED`` or ``../shared`` of any anchor or its
    parents. They are read there at test time, never copied into the repo."""
    env = os.environ.get("BUDGETLINT_SHARED")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for anchor in (*anchors, Path(__file__).resolve().parents[1], Path.cwd()):
        for d in [anchor, *anchor.parents]:
            cand = d.parent / "shared"
            if (cand / "real-pdfs").is_dir() or (cand / "seeds").is_dir():
                return cand
    return None


def _resolve_input_file(ref: str, cases_file: Path, roots: list[Path]) -> Path:
    if ref.startswith(SHARED_PREFIX):
        base = shared_dir(cases_file.resolve().parent, *[r.resolve() for r in roots])
        cand = base / ref[len(SHARED_PREFIX):] if base else None
        if cand is None or not cand.exists():
            raise SharedInputMissing(f"real document {ref!r} is not available here", culprit=str(cases_file),
                                     fix="place the third-party documents in ../shared/ (or set "
                                         "BUDGETLINT_SHARED); they are never copied into the repository")
        return cand
    # the cases file's folder, the given roots, the working directory, then the
    # folders above the cases file: a pack's repository root is found from
    # wherever `budgetlint rules test` runs
    above = list(cases_file.resolve().parents)[1:]
    for base in [cases_file.parent, *roots, Path.cwd(), *above]:
        cand = (base / ref)
        if cand.exists():
            return cand
    raise BudgetlintError(f"input file {ref!r} not found", culprit=str(cases_file),
                          fix="give a path relative to the cases file or to a folder above it (the repository root)")


def _match(f: dict[str, Any], m: dict[str, Any]) -> bool:
    loc = f.get("location", {})
    for key, want in m.items():
        if key == "line":
            if loc.get("line") != want:
                return False
        elif key == "message_contains":
            if str(want) not in f.get("message", ""):
                return False
        elif key in ("expected", "actual"):
            got = f.get(key)
            try:
                if abs(float(got) - float(want)) > 1e-9:
                    return False
            except (TypeError, ValueError):
                if str(got) != str(want):
                    return False
        elif key == "location":
            for lk, lv in want.items():
                got = loc.get(lk)
                if isinstance(lv, (int, float)) or isinstance(got, (int, float)):
                    if str(got) != str(lv):  # page: 21 is page 21, never 121
                        return False
                elif str(lv) not in str(got if got is not None else ""):
                    return False
        elif f.get(key) != want:
            return False
    return True


def run_case(case: RuleCase, *, pack: Path | None = None, roots: list[Path] | None = None,
             host: PluginHost | None = None) -> CaseResult:
    pack = pack or pack_for_cases(case.file)
    inp = case.input
    kwargs: dict[str, Any] = {"part": inp.get("part")}
    if "text" in inp:
        kwargs["text"] = inp["text"]
        kwargs["name"] = "case.md" if inp.get("format") == "markdown" else "case.txt"
    elif "file" in inp:
        kwargs["path"] = _resolve_input_file(inp["file"], case.file, roots or [])
    else:
        kwargs["document"] = inp["document"]
    if inp.get("related") is not None:  # issue 17: {上年预算: {text|file}, 上年决算: {missing: reason}}
        kwargs["related"] = _related_input(inp["related"], case, roots or [], host)
    findings, evaluations = run_rule(case.rule_id, pack=pack, host=host, **kwargs)
    exp = case.expect
    problems: list[str] = []
    considered = findings
    if exp.get("min_severity"):
        rank = {"info": 1, "warning": 2, "error": 3}
        considered = [f for f in findings if rank[f["severity"]] >= rank[exp["min_severity"]]]
    fires = exp.get("fires")
    if isinstance(fires, bool):
        if fires != bool(considered):
            problems.append(f"expected the rule to {'fire' if fires else 'stay silent'}, "
                            f"it produced {len(considered)} finding(s)")
    elif isinstance(fires, int) and len(considered) != fires:
        problems.append(f"expected {fires} finding(s), got {len(considered)}")
    remaining = list(considered)
    for m in exp.get("findings", []) or []:
        hit = next((f for f in remaining if _match(f, m)), None)
        if hit is None:
            problems.append(f"no finding matches {json.dumps(m, ensure_ascii=False)}")
        else:
            remaining.remove(hit)
    if "not_evaluated" in exp:
        ne = any(e["status"] == "not_evaluated" for e in evaluations)
        if bool(exp["not_evaluated"]) != ne:
            problems.append(f"expected not_evaluated={exp['not_evaluated']}, got {ne}")
    if "not_applicable" in exp:
        na = bool(evaluations) and all(e["status"] == "not_applicable" for e in evaluations)
        if bool(exp["not_applicable"]) != na:
            problems.append(f"expected not_applicable={exp['not_applicable']}, got {na}")
    if not evaluations:
        problems.append("the rule did not apply to any part of the input (check applies_to, input.part and "
                        "that the input is recognised as the genre the rule is for)")
    elif is_silent(case) and not (exp.get("not_evaluated") or exp.get("not_applicable")) \
            and not any(e["status"] in ("passed", "failed") and e.get("checked", 0) > 0 for e in evaluations):
        reasons = "; ".join(r for e in evaluations for r in e.get("reasons", [])) or "nothing was checked"
        problems.append("a silent case must prove the rule ran, but it was not evaluated on this input "
                        f"({reasons}); fix the input, or say not_evaluated: true / not_applicable: true "
                        "if that is the point")
    return CaseResult(not problems, problems, findings, evaluations)


def _related_input(spec: dict[str, Any], case: RuleCase, roots: list[Path], host: PluginHost | None) -> dict[str, Any]:
    """``input.related`` of a case → ``doc["related"]``: each relation is a
    pasted text, a file, or ``{missing: reason}``."""
    from budgetlint.store.identity import identity_of

    out: dict[str, Any] = {}
    for rel, s in spec.items():
        if "missing" in s:
            out[rel] = {"missing": str(s["missing"])}
            continue
        if "named_values" in s:  # the stored facts themselves
            out[rel] = {"identity": s.get("identity") or {"path": f"{rel}.txt"}, "named_values": s["named_values"]}
            continue
        rdoc = (document_from_text(s["text"], name=f"{rel}.txt", host=host or make_host()) if "text" in s
                else load_document(_resolve_input_file(s["file"], case.file, roots), host or make_host()))
        out[rel] = {"identity": identity_of(rdoc), "named_values": rdoc.get("named_values") or {}}
    return out


def is_silent(case: RuleCase) -> bool:
    """A case that expects no finding (``fires: 0`` / ``fires: false``)."""
    fires = case.expect.get("fires")
    return (fires is False or (isinstance(fires, int) and not isinstance(fires, bool) and fires == 0)) \
        and not case.expect.get("findings")


# ------------------------------------------------------------- builders

def table_text(rows: list[list[Any]]) -> str:
    """Tab-separated rows, the shape of a PDF text export."""
    return "\n".join("\t".join("" if c is None else str(c) for c in row) for row in rows) + "\n"


def scorecard_markdown(*, kind: str = "项目", name: str = "示例项目", year: int = 2024,
                       funds: tuple[Any, ...] = (100, 100, 100, 10, "100%", 10),
                       indicators: list[tuple[str, str, str, str, str, Any, Any, str]] | None = None,
                       total: tuple[Any, Any] | None = (100, 100), grade: str | None = "优") -> str:
    """A minimal 绩效自评表 as Markdown, for rule cases and plugin tests.

    ``indicators`` rows: (一级 with weight e.g. "产出指标(50分)", 二级, 三级,
    年度指标值, 实际完成值, 分值, 得分, 偏差原因)."""
    if indicators is None:
        indicators = [
            ("产出指标(50分)", "数量指标", "完成事项数", "≥10项", "12项", 30, 30, ""),
            ("", "质量指标", "验收合格率", "100%", "100%", 20, 20, ""),
            ("效益指标(30分)", "社会效益指标", "服务覆盖率", "≥90%", "95%", 30, 30, ""),
            ("满意度指标(10分)", "服务对象满意度指标", "满意度", "≥90%", "96%", 10, 10, ""),
        ]
    title = f"{year}年度{'项目支出' if kind == '项目' else '部门整体支出'}绩效自评表"
    label = "项目名称" if kind == "项目" else "部门名称"
    lines = [f"## {title}", "", "| | | | | | | | | |", "|--|--|--|--|--|--|--|--|--|",
             f"| {label} | {name} | | | | | | | |",
             "| 资金情况(万元) | | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | |",
             "| | 年度资金总额 | " + " | ".join(str(x) for x in funds) + " | |",
             "| 年度总体目标 | 预期目标 | 完成年度目标 | | 实际完成情况 | 已完成 | | | |",
             "| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |"]
    for row in indicators:
        lines.append("| | " + " | ".join(str(x) for x in row) + " |")
    if total is not None:
        lines.append(f"| 总分 | | | | | | {total[0]} | {total[1]} | {('等级：' + grade) if grade else ''} |")
    lines += ["", "备注：1.“执行率”=“全年执行数”/“全年预算数”；",
              "2.总分设置为100分，等级划分为：90分（含）—100分为优，80分（含）—90分为良，60分（含）—80分为中，60分以下为差。"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------- coverage gate

def _fires(case: RuleCase) -> bool | None:
    exp = case.expect
    fires = exp.get("fires")
    if isinstance(fires, bool):
        return fires
    if isinstance(fires, int):
        return fires > 0
    if exp.get("findings"):
        return True
    return None


def cases_files_for(pack_ref: Path) -> list[Path]:
    folder = pack_ref if pack_ref.is_dir() else pack_ref.parent
    return sorted(folder.glob(f"*{TEST_SUFFIX}"))


def coverage_problems(pack: RulePack, pack_ref: Path, host: PluginHost | None = None) -> list[str]:
    """The coverage gate for the rules a pack defines itself (not inherited):
    every rule has a firing and a non-firing case; every rule has a basis
    unless it is pure arithmetic; every check parameter is documented."""
    from budgetlint.core.checks import documented_params

    host = host or make_host()
    folder = (pack_ref if pack_ref.is_dir() else pack_ref.parent).resolve()
    own = [r for r in pack.rules.values() if r.file and Path(r.file).resolve().parent == folder]
    cases: dict[str, list[RuleCase]] = {}
    for f in cases_files_for(pack_ref):
        for c in load_cases(f):
            cases.setdefault(c.rule_id, []).append(c)
    problems = []
    for rule in sorted(own, key=lambda r: r.id):
        rc = [c for c in cases.get(rule.id, []) if not c.todo]
        if not rc:
            problems.append(f"{rule.where}: rule {rule.id} has no test cases — add {rule.id}{TEST_SUFFIX} "
                            "with a firing and a non-firing case")
        else:
            if not any(_fires(c) for c in rc):
                problems.append(f"{rule.where}: rule {rule.id} has no case where it fires")
            # a silent case counts only when it shows the rule evaluated its input (the harness fails a
            # silent case whose rule did not run); "not evaluated here" is not "silent on a good input"
            if not any(_fires(c) is False and not (c.expect.get("not_evaluated") or c.expect.get("not_applicable"))
                       for c in rc):
                problems.append(f"{rule.where}: rule {rule.id} has no case where it is evaluated and stays silent "
                                "(fires: 0)")
        if not rule.basis and not rule.pure_arithmetic:
            problems.append(f"{rule.where}: rule {rule.id} has no basis — cite the regulation "
                            "(document, number, article) or mark it pure_arithmetic: true")
    for rid in sorted(set(cases) - set(pack.rules)):
        problems.append(f"{cases[rid][0].file}: cases for unknown rule {rid}")
    for check_id in sorted({r.check for r in own}):
        cls = host.registry.checks[check_id]
        missing = set(cls.params_schema.get("properties", {})) - documented_params(cls)
        if missing:
            problems.append(f"check {check_id}: parameters not documented: {', '.join(sorted(missing))}")
    return problems
