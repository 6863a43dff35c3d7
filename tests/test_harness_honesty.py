"""The rule-case harness cannot be fooled: a silent case proves the rule ran,
locations match exactly, todo cases are strict, and when every check does
nothing at all almost every case fails (a no-op mutation of the checks)."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from budgetlint.core import testing
from budgetlint.core.errors import SharedInputMissing
from budgetlint.core.rulepack import PackLoader
from budgetlint.core.testing import RuleCase, _match, cases_files_for, load_cases, run_case

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "rules" / "national"


def _case(rule: str, text: str, expect: dict, tmp_path: Path) -> RuleCase:
    return RuleCase(rule, "c", {"text": text}, expect, NATIONAL / f"{rule}.test.yaml", 1)


def test_silent_case_on_a_rule_that_did_not_apply_fails(tmp_path):
    # a scorecard rule on a text with no scorecard: the rule applied to nothing
    res = run_case(_case("scorecard-level1-weight", "某单位2024年度工作总结\n\n今年完成了各项工作。\n", {"fires": 0}, tmp_path),
                   pack=NATIONAL)
    assert not res.ok and any("did not apply" in p for p in res.problems)


def test_silent_case_on_a_rule_that_was_not_evaluated_fails(tmp_path):
    # a 部门决算 without any narrative completion statement: the rule applies but checks nothing
    text = "某单位2024年度部门决算\n\n一、部门职责\n\n负责本单位日常工作。\n"
    case = _case("fa-text-completion-zero-budget", text, {"fires": 0}, tmp_path)
    res = run_case(case, pack=NATIONAL)
    assert not res.ok and any("must prove the rule ran" in p for p in res.problems), res.problems
    honest = _case("fa-text-completion-zero-budget", text, {"fires": 0, "not_evaluated": True}, tmp_path)
    assert run_case(honest, pack=NATIONAL).ok


def test_case_locations_match_exactly():
    f = {"location": {"page": 121, "line": 7, "table": "公开05表 一般公共预算财政拨款支出决算表"}}
    assert not _match(f, {"location": {"page": 21}})
    assert _match(f, {"location": {"page": 121}})
    assert _match(f, {"location": {"table": "公开05表"}})  # text keys still match a part of the name


def test_todo_case_that_passes_fails_the_run(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: case-pack\nextends: national\nrules: []\n", encoding="utf-8")
    (pack / "template-placeholder-left.test.yaml").write_text(
        "rule: template-placeholder-left\ncases:\n"
        "  - name: fixed-long-ago\n    todo: claims a gap that is not there\n"
        "    input: {text: \"例：某某单位\"}\n    expect: {fires: 1}\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                          str(pack / "template-placeholder-left.test.yaml")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 1 and "XPASS(strict)" in res.stdout, res.stdout[-500:]


def _all_cases() -> list[tuple[Path, RuleCase]]:
    out = []
    for pack_dir in sorted(p.parent for p in (ROOT / "rules").glob("*/pack.yaml")):
        for f in cases_files_for(pack_dir):
            out += [(pack_dir, c) for c in load_cases(f) if not c.todo]
    return out


@pytest.fixture()
def noop_checks(host, monkeypatch):
    """Every registered check's run() does nothing; documents are loaded once
    (the mutation changes checks, not loading)."""
    for cls in host.registry.checks.values():
        monkeypatch.setattr(cls, "run", lambda self, ctx: None)

    original = testing.load_document
    monkeypatch.setattr(testing, "load_document", lambda path, h=None, *a, **k: copy.deepcopy(
        _cached(original, str(Path(path).resolve()), host)))
    loader = PackLoader(host.registry, host.rule_pack_dirs())

    class OnePackLoader(testing.Checker):  # packs are read once, not once per case
        packs = loader  # type: ignore[assignment]

    monkeypatch.setattr(testing, "Checker", OnePackLoader)
    return host


_CACHE: dict[str, dict] = {}


def _cached(loader, path: str, host) -> dict:
    if path not in _CACHE:
        _CACHE[path] = loader(path, host)
    return _CACHE[path]


def test_noop_checks_fail_almost_every_case(noop_checks):
    """With every check a no-op, a firing case fails (nothing fires) and a
    silent case fails (the rule evaluated nothing): the suite tests the
    checks, not itself."""
    ran = failed = 0
    survivors = []
    for pack_dir, case in _all_cases():
        try:
            result = run_case(case, pack=pack_dir, roots=[ROOT], host=noop_checks)
        except SharedInputMissing:
            continue
        ran += 1
        if result.ok:
            survivors.append(f"{case.file.name}::{case.name}")
        else:
            failed += 1
    assert ran >= 100
    assert failed / ran >= 0.95, f"{len(survivors)} of {ran} cases pass with no-op checks: {survivors}"
