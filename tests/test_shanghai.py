"""Golden tests: `budgetlint check` on the real Shanghai 2024 部门决算 PDFs
(read in place from ../shared/real-pdfs/, never copied into the repository;
skipped with a reason where it is absent).

The two Putuo reports must pick the ``shanghai-2024`` pack, report the real
defects at their pages, and raise no arithmetic / cross-table *errors* except
the ones verified by hand below; the template PDF is recognised as the
template it is (XXX placeholders, instructions left in).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from budgetlint.core.engine import Checker

from budgetlint.core.testing import shared_dir

SHARED = shared_dir(Path(__file__).resolve().parent)
PDF = SHARED / "real-pdfs" if SHARED else Path("/nonexistent/shared/real-pdfs")
needs_shared = pytest.mark.skipif(not PDF.is_dir(), reason="../shared/real-pdfs is absent: the third-party real "
                                  "documents are read there and never copied into the repository")
pytestmark = needs_shared
FINANCE = PDF / "shanghai-putuo-finance-bureau-2024-final-accounts.pdf"
PLANNING = PDF / "shanghai-putuo-planning-bureau-2024-final-accounts.pdf"
TEMPLATE = PDF / "shanghai-2024-final-accounts-template.pdf"

ARITHMETIC = ("fa-code-tree", "fa-row-sum", "fa-side-sum", "fa-totals-balance", "fa-cross-table-rows",
              "fa-cross-table-totals", "fa-basic-expenditure-split", "fa-three-public-sum",
              "fa-three-public-vs-economic", "fa-text-completion-rate", "fa-text-share", "fa-text-change-rate")


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker()


@pytest.fixture(scope="module")
def finance(checker: Checker) -> dict[str, Any]:
    return checker.check_file(FINANCE)


@pytest.fixture(scope="module")
def planning(checker: Checker) -> dict[str, Any]:
    return checker.check_file(PLANNING)


def _errors(result: dict[str, Any], rules: tuple[str, ...] | None = None) -> list[tuple[str, int, Any, Any]]:
    return sorted((f["rule_id"], f["location"].get("page"), f.get("expected"), f.get("actual"))
                  for f in result["findings"]
                  if f["severity"] == "error" and (rules is None or f["rule_id"] in rules))


@pytest.mark.parametrize("name,department", [("finance", "上海市普陀区财政局"),
                                             ("planning", "上海市普陀区规划和自然资源局")])
def test_reports_pick_the_shanghai_pack_and_name_the_department(name: str, department: str,
                                                                request: pytest.FixtureRequest) -> None:
    result = request.getfixturevalue(name)
    meta = result["document"]["meta"]
    assert meta["region"] == "上海"
    assert meta["department"] == department
    parts = result["document"]["parts"]
    assert [p["type"] for p in parts] == ["部门决算"]
    assert parts[0]["rule_pack"] == "shanghai-2024"


def test_finance_bureau_arithmetic_errors_are_the_verified_ones(finance: dict[str, Any]) -> None:
    # Verified by hand on the PDF:
    # * p21 “一般公共服务支出（类）2106.66万元，占71.73%” — 2106.66 / 2940.05 = 71.654 %, so 71.65 %.
    # Everything else (p6/p12 326.71 vs 326.72, p15 合计 2940.05 vs 2940.06) is a 0.01 尾数差异.
    assert _errors(finance, ARITHMETIC) == [("fa-text-share", 21, 71.65, 71.73)]


def test_finance_bureau_total_stated_wrong(finance: dict[str, Any]) -> None:
    # p21 “2024年度财政拨款收入支出总计0.3万元” while the 财政拨款收入支出决算总表 (p13) totals 2,961.68.
    assert ("sh-text-table-totals", 21, 2961.68, 0.3) in _errors(finance)


def test_planning_bureau_has_no_arithmetic_errors(planning: dict[str, Any]) -> None:
    # p21 完成率 95.45 % (9746.50 / 10210.34 = 95.457 %) and 占比 99.86 % (9746.50 / 9759.38 = 99.868 %)
    # are truncated, not wrong: 尾数差异 infos that say so.
    assert _errors(planning, ARITHMETIC) == []
    evaluated = {e["rule_id"] for e in planning["evaluations"] if e["status"] in ("passed", "failed") and e["checked"]}
    assert {"fa-code-tree", "fa-row-sum", "fa-side-sum", "fa-cross-table-rows"} <= evaluated  # silent, not skipped
    truncated = [f for f in planning["findings"] if f["rule_id"] in ("fa-text-completion-rate", "fa-text-share")]
    assert sorted((f["severity"], f["actual"]) for f in truncated) == [("info", 95.45), ("info", 99.86)]
    assert all("截尾" in f["message"] for f in truncated)


def test_planning_bureau_real_defects(planning: dict[str, Any]) -> None:
    errors = _errors(planning)
    # p21 “一般公共预算财政拨款支出增加1193.20万元，增长13.95。” — no % sign
    assert ("fa-text-rate-without-unit", 21, None, "增长13.95") in errors
    # p25 “…比2023年度减少0.15万元，下降（增长）27.78%” — the template's alternative wording kept
    assert ("sh-template-instructions-left", 25, None, "下降（增长）") in errors
    # p24 基本支出 5,377.64 / 人员经费 4,896.98 are the all-funds figures of the 支出决算表, not the
    # 一般公共预算 ones (p15 基本支出合计 5,364.75; p16 人员经费合计 4,884.09; 公用经费 480.66 agrees)
    assert ("sh-text-table-totals", 24, 5364.75, 5377.64) in errors
    assert ("sh-text-table-totals", 24, 4884.09, 4896.98) in errors


def test_no_placeless_messages(finance: dict[str, Any], planning: dict[str, Any]) -> None:
    """PDF locations have pages, not lines: no message may print an empty place."""
    for result in (finance, planning):
        for f in result["findings"]:
            assert "第行" not in f["message"] and "（）" not in f["message"], f["message"]


def test_no_false_paragraph_or_numbering_warnings(finance: dict[str, Any], planning: dict[str, Any]) -> None:
    # sentences that open with the unit's name are not garbled pastes; “…财务规则。（八）负责…” (finance p4)
    # is item 八 run on inline, not a skip
    for result in (finance, planning):
        assert not [f for f in result["findings"]
                    if f["rule_id"] in ("hygiene-repeated-paragraph", "hygiene-section-numbering")]


def test_template_is_recognised_as_a_template(checker: Checker) -> None:
    result = checker.check_file(TEMPLATE)
    meta = result["document"]["meta"]
    assert meta["department"] == "上海市XX局"
    assert result["document"]["parts"][0]["rule_pack"] == "shanghai-2024"
    placeholders = [f for f in result["findings"] if f["rule_id"] == "template-placeholder-left"]
    assert len(placeholders) >= 10
    assert {"XX", "XXX"} <= {f["actual"] for f in placeholders}
    instructions = {f["actual"] for f in result["findings"] if f["rule_id"] == "sh-template-instructions-left"}
    assert {"增加（减少）", "（不涉及的不列）", "按上述格式依次说明"} <= instructions
