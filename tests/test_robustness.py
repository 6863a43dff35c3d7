"""Bounded and unbreakable (issue 16): each failure class found by the fuzz
campaign, rebuilt from a tiny generated input.  Every test asserts the real
outcome (a clean one-line error, a not-evaluated note, a clipped grid), not
merely that nothing raised."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from budgetlint.core.errors import BudgetlintError, FormulaError, RulePackError
from budgetlint.core.formula import Evaluator, parse, wildcard_match

DIVZERO_PACK = """\
name: divzero
rules:
  - id: income-ratio
    check: formula
    severity: error
    basis: [{document: test}]
    params: {expression: "收入支出决算总表.收入.总计.金额 / 收入支出决算总表.收入.事业收入.金额 >= 0"}
    message: {zh: "比例 {actual}"}
  - id: income-total
    check: formula
    severity: error
    basis: [{document: test}]
    params: {expression: "收入支出决算总表.收入.总计.金额 >= 0"}
    message: {zh: "合计 {actual}"}
"""


def one_line(text: str) -> bool:
    return bool(text.strip()) and "\n" not in text.strip() and "Traceback" not in text


# ------------------------------------------------------------ formulas and checks
def test_division_by_zero_on_one_document_keeps_the_batch(tmp_path, seeds, cli):
    """事业收入 is 0.00 in seed 004: the ratio rule is not evaluated there (rule
    id and reason), the other rule runs, and the report is written."""
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "pack.yaml").write_text(DIVZERO_PACK, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    for key in ("002", "004"):
        (docs / seeds[key].name).write_bytes(seeds[key].read_bytes())
    out = tmp_path / "report.json"
    proc = cli("check", docs, "--rules", tmp_path / "pack", "--format", "json", "-o", out)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["documents_checked"] == 2
    ratio = [e for e in report["evaluations"] if e["rule_id"] == "income-ratio"]
    assert ratio and all(e["status"] == "not_evaluated" for e in ratio)
    assert all("income-ratio" in e["reasons"][0] and "division by zero" in e["reasons"][0] for e in ratio)
    assert any(e["rule_id"] == "income-total" and e["status"] == "passed" for e in report["evaluations"])


@pytest.mark.parametrize("src", ["(" * 490 + "1" + ")" * 490 + " == 1", "-" * 990 + "1 == 1",
                                 "abs(" * 150 + "1" + ")" * 150 + " == 1"])
def test_deep_formulas_are_formula_errors_not_recursion(src):
    with pytest.raises(FormulaError, match="nested deeper"):
        parse(src)


def test_formula_runtime_errors_are_formula_errors():
    with pytest.raises(FormulaError, match="division by zero"):
        Evaluator({"a": {"value": "0"}}).evaluate(parse("1 / a == 1"))
    with pytest.raises(FormulaError, match="arithmetic error"):
        Evaluator({}).evaluate(parse("round(1, 99999999999) == 1"))


def test_wildcards_match_in_linear_time():
    assert wildcard_match("表05.*.项目支出", "表05.201.项目支出")
    assert wildcard_match("scorecard[?].总分.*", "scorecard[1].总分.得分")
    assert not wildcard_match("a*b", "axxc")
    # a backtracking regex of 30 '.*' on 20,000 characters would not finish
    assert not wildcard_match("*a" * 30 + "b", "a" * 20_000)


def test_toc_titles_survives_a_duplicated_table(seeds, tmp_path):
    """The last table (公开09表) printed twice used to raise StopIteration."""
    from budgetlint.core.testing import run_rule

    lines = seeds["004"].read_text(encoding="utf-8").splitlines()
    start = next(i for i, s in enumerate(lines) if s.strip() == "国有资本经营预算财政拨款支出决算表")
    end = next(i for i, s in enumerate(lines) if s.strip() == "第三部分")
    doubled = lines[:end] + lines[start:end] + lines[end:]
    _, evaluations = run_rule("fa-table-toc-mismatch", pack="national", text="\n".join(doubled))
    assert evaluations
    for ev in evaluations:
        assert ev["status"] in ("passed", "failed"), ev
        assert "internal error" not in json.dumps(ev, ensure_ascii=False)
