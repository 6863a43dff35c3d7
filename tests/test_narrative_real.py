"""The narrative checks on real reports they were not written against: the
two Shanghai Putuo 2025 决算 (../shared/real-docs/final-accounts-2025-text/,
page texts joined with blank lines as a clerk's .txt export would be; read
in place, never copied into the repository) and the seeds."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from budgetlint.core.engine import Checker
from budgetlint.core.testing import shared_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = shared_dir(Path(__file__).resolve().parent)
TEXTS = SHARED / "real-docs" / "final-accounts-2025-text" if SHARED else Path("/nonexistent")
needs_texts = pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/real-docs is absent: the third-party real "
                                 "documents are read there and never copied into the repository")


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker()


def _check_pages(checker: Checker, name: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pages = json.loads((TEXTS / f"{name}.pages.json").read_text(encoding="utf-8"))["page_texts"]
    path = tmp_path_factory.mktemp("real") / f"{name}.txt"
    path.write_text("\n\n".join(pages), encoding="utf-8")
    return checker.check_file(path)


def _at(result: dict[str, Any], rule: str) -> list[tuple[int | None, str]]:
    return [(f["location"].get("line"), f["message"]) for f in result["findings"] if f["rule_id"] == rule]


@needs_texts
def test_ecology_bureau_2025(checker: Checker, tmp_path_factory: pytest.TempPathFactory) -> None:
    result = _check_pages(checker, "shanghai-putuo-ecology-bureau-2025-final-accounts", tmp_path_factory)
    # table of contents: “第三部分 上海市普陀区生态环境局 202 年度部门决算情况说明”
    (line, message), = _at(result, "narrative-years")
    assert line == 18 and "202年度" in message and "2025" in message
    # the items' “决算数大于/小于预算数” agree with their figures; 三公 states every count
    assert _at(result, "narrative-budget-verdict") == []
    assert _at(result, "narrative-sangong-disclosures") == []
    # its items state no heading amount (“1.社会保障和就业支出（类）…（项），主要用于…”): nothing to compare
    assert _at(result, "narrative-item-restated-amount") == []
    # 一般公共预算财政拨款支出 4733.14 in 总体, 结构 and 具体情况 agree
    assert _at(result, "narrative-restated-amount") == []


@needs_texts
def test_shiquan_street_2025(checker: Checker, tmp_path_factory: pytest.TempPathFactory) -> None:
    result = _check_pages(checker, "shanghai-putuo-shiquan-street-2025-final-accounts", tmp_path_factory)
    # “决算数大/小于预算数” (line 641–642, the paragraph opens at 640) and “决算数比 2024 年度减增加
    # 21.90 万元”: the template's alternatives run together
    assert [line for line, _ in _at(result, "narrative-template-alternatives")] == [640, 885]
    # the 三公 section gives the reception amount only: no 批次, no 人次, no 外宾
    missing = sorted(m.rsplit("未说明", 1)[1] for line, m in _at(result, "narrative-sangong-disclosures"))
    assert missing == ["公务接待人次", "公务接待批次", "接待外宾批次和人次"]
    assert _at(result, "narrative-budget-verdict") == []
    assert _at(result, "narrative-enumeration-exceeds") == []
    # “年初预算为 0，支出决算为 150 万元”: the budget has no unit (the lines the export
    # wraps between a number and its “万元” are not findings)
    assert [line for line, _ in _at(result, "narrative-amount-without-unit")] == [789]
    # “公务接待费支出决算为1.53万元” (第880–884行) while the 三公 table's 接待费决算 is 0 — the
    # export drops the table's two blank 因公出国 cells, so the row is read by its sums
    (line, message), = _at(result, "fa-text-three-public")
    assert line == 880 and "1.53" in message and "公务接待费决算数" in message
    # the same amount is 0 in three later sentences: one finding per root cause — the restatement
    # finding is linked to the text-vs-table one, not a second alarm
    roots = {f["fingerprint"]: f for f in result["findings"] if f["rule_id"] == "fa-text-three-public"}
    (restated,) = [f for f in result["findings"] if f["rule_id"] == "narrative-restated-amount"]
    assert restated["location"]["line"] == 880 and restated["related_to"] in roots
    # “…职业年金缴费支出（项）”257.14 万元” (第734行, as the table) while the item's own sentence
    # says “支出决算为 245.53 万元” (第736行) and computes 93.57% from 257.14: the completion-rate
    # finding reads that one sentence and is the root; the heading-vs-sentence finding is its
    # consequence, and the 36 other items restate their heading amounts exactly
    (rate,) = [f for f in result["findings"] if f["rule_id"] == "fa-text-completion-rate"]
    (item,) = [f for f in result["findings"] if f["rule_id"] == "narrative-item-restated-amount"]
    assert item["location"]["line"] == 736 and (item["expected"], item["actual"]) == (257.14, 245.53)
    assert "第734行为257.14万元" in item["message"] and item["related_to"] == rate["fingerprint"]
    (ev,) = [e for e in result["evaluations"] if e["rule_id"] == "narrative-item-restated-amount"]
    assert ev["checked"] >= 30


def test_seed_001_enumeration_and_punctuation(checker: Checker) -> None:
    result = checker.check_file(ROOT / "samples/001_2380c398e9c55637.txt")
    (f,) = [f for f in result["findings"] if f["rule_id"] == "narrative-enumeration-incomplete"]
    assert f["location"]["line"] == 218 and (f["expected"], f["actual"]) == (843.61, 811.04)
    assert [line for line, _ in _at(result, "narrative-doubled-punctuation")] == [223]


def test_seed_002_counts_between_report_and_scorecard(checker: Checker) -> None:
    result = checker.check_file(ROOT / "samples/002_5ce8aee0cc10826a.txt")
    found = sorted((f["location"]["line"], f["actual"], f["expected"]) for f in result["findings"]
                   if f["rule_id"] == "narrative-counts-agree")
    assert found == [(612, "2", "12"), (622, "2", "12")]


@needs_texts
def test_ecology_bureau_2025_decrease_said_to_be_flat(checker: Checker,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    result = _check_pages(checker, "shanghai-putuo-ecology-bureau-2025-final-accounts", tmp_path_factory)
    assert [line for line, _ in _at(result, "narrative-change-flat-contradiction")] == [551]
