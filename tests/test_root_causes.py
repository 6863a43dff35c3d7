"""One finding per root cause, the same total in every message about one
scorecard, and fingerprints that are unique and survive line shifts — on the
real seeds."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from budgetlint.core.engine import Checker

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def checker(host) -> Checker:
    return Checker(host=host)


def _check_text(checker: Checker, tmp_path: Path, name: str, text: str) -> list[dict]:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return checker.check_file(p)["findings"]


@pytest.fixture(scope="module")
def seed_findings(checker, seeds) -> dict[str, list[dict]]:
    return {n: checker.check_file(seeds[n])["findings"] for n in ("000", "001", "002")}


def _roots(findings: list[dict]) -> list[dict]:
    return [f for f in findings if "related_to" not in f]


def test_weight_error_explains_total_score_and_grade(seed_findings):
    """Seed 001: the 效益 weight 30 over items worth 40 makes the card total
    110, the “总得分应为110” and the missing grade — five cards, five roots."""
    fs = seed_findings["001"]
    by_fp = {f["fingerprint"]: f for f in fs}
    roots = [f for f in _roots(fs) if f["rule_id"] == "scorecard-level1-weight"]
    assert len(roots) == 5
    for root in roots:
        consequences = [by_fp[x] for x in root["related"]]
        assert sorted(c["rule_id"] for c in consequences) == [
            "scorecard-grade", "scorecard-total-score", "scorecard-total-weight"]
        assert all(c["related_to"] == root["fingerprint"] and c["relation"] == "consequence" for c in consequences)
        card = root["location"]["scorecard"]
        assert {c["location"]["scorecard"] for c in consequences} == {card}
    # nothing about totals or grades is left standing as an error of its own
    assert not [f for f in _roots(fs) if f["rule_id"] in ("scorecard-total-weight", "scorecard-total-score",
                                                          "scorecard-grade")]


def test_one_scorecard_one_total(seed_findings):
    """Seed 000 prints 总分 100 over items worth 70: every message about the
    card names the same total."""
    fs = [f for f in seed_findings["000"] if f["rule_id"].startswith("scorecard-")
          and f["rule_id"] != "scorecard-level1-weight"]
    totals = set()
    for f in fs:
        m = re.search(r"(?:总得分应为|总得分|合计)(\d+)分?", f["message"])
        assert m, f["message"]
        totals.add(m.group(1))
    assert totals == {"70"}, [f["message"] for f in fs]


def test_rounding_carried_through_tables_is_one_note_per_difference(seed_findings):
    """Seed 002: 21 rounding notes, but only the distinct 0.01 differences
    remain as notes; every other note names its root."""
    fs = seed_findings["002"]
    rounding = [f for f in fs if f.get("kind") == "rounding"]
    assert len(rounding) >= 20
    roots = _roots(rounding)
    assert 1 <= len(roots) <= 6
    fps = {f["fingerprint"] for f in roots}
    assert all(f["related_to"] in fps and f["relation"] == "same_rounding" for f in rounding if f not in roots)
    assert sum(len(r.get("related", [])) for r in roots) == len(rounding) - len(roots)
    # a rounding note never swallows an error, nor the reverse
    assert all(f.get("kind") == "rounding" for r in roots for f in fs if f["fingerprint"] in r.get("related", []))


def test_fingerprints_unique_and_role_dependent(checker, seeds, tmp_path):
    """The 预算 and 决算 versions of a 三公 mismatch are two findings with two
    fingerprints; inserting lines above changes none of them."""
    text = seeds["002"].read_text(encoding="utf-8")
    sentence = "支出预算为 11 万元，支出决算为 6.52 万元"
    assert sentence in text
    changed = text.replace(sentence, "支出预算为 11 万元，支出决算为 8.52 万元", 1)
    fs = _check_text(checker, tmp_path, "seed002.txt", changed)
    three = [f for f in fs if f["rule_id"] == "fa-text-table-match" and "三公" in f["location"].get("subject", "")
             and "“三公”经费财政拨款支出" == f["location"]["subject"]]
    assert len(three) == 2, [f["message"] for f in three]
    assert len({f["fingerprint"] for f in three}) == 2
    assert len({f["fingerprint"] for f in fs}) == len(fs)

    shifted = _check_text(checker, tmp_path, "seed002.txt", "\n\n\n" + changed)
    assert {f["fingerprint"] for f in shifted} == {f["fingerprint"] for f in fs}
    assert {f["location"].get("line") for f in shifted} != {f["location"].get("line") for f in fs}


def test_identical_scorecards_get_distinct_fingerprints(seed_findings):
    fs = seed_findings["001"]
    assert len({f["fingerprint"] for f in fs}) == len(fs)


def test_a_bundle_of_two_departments_is_checked_as_two(checker, seeds, tmp_path):
    """Seed 002 and a copy renamed to another department in one file: each
    department's parts are compared only with its own (the parts recognizer's
    ``group``), so the bundle has exactly twice seed 002's alarms — its
    编印 counts that disagree between 自评报告 and 自评表 are not hidden by the
    other department's 自评报告 stating the same count."""
    from collections import Counter

    text = seeds["002"].read_text(encoding="utf-8")
    bundle = tmp_path / "bundle.txt"
    bundle.write_text(text + "\n\n" + text.replace("中共株洲市委政策研究室", "中共株洲市委宣传部"), encoding="utf-8")

    def alarms(path):
        return Counter(f["rule_id"] for f in checker.check_file(str(path))["findings"] if f["severity"] != "info")

    single, double = alarms(seeds["002"]), alarms(bundle)
    assert single["narrative-counts-agree"] >= 1
    assert double == Counter({k: 2 * v for k, v in single.items()})
    groups = [(p["type"], p["group"]) for p in checker.load(bundle)["parts"]]
    assert [g for _, g in groups] == [0, 0, 0, 0, 1, 1, 1, 1], groups


def test_each_report_of_a_bundle_is_judged_on_its_own_figures(checker, seeds, tmp_path):
    """Formula rules read a part's own named values: in a file bundling two
    departments' 部门决算, the second one's rules were not evaluated (its
    narrative figures were filed as ``说明.X@part``) or read the first one's
    table values.  Here the copy's 政府采购 total no longer adds up, and only
    the copy's part fails."""
    text = seeds["002"].read_text(encoding="utf-8")
    copy = text.replace("中共株洲市委政策研究室", "中共株洲市委宣传部").replace(
        "政府采购支出总额 149.31 万元，其中", "政府采购支出总额 159.31 万元，其中")
    assert copy.count("159.31") == 1
    bundle = tmp_path / "bundle.txt"
    bundle.write_text(text + "\n\n" + copy, encoding="utf-8")
    result = checker.check_file(str(bundle))
    parts = {p["id"]: p for p in checker.load(bundle)["parts"]}
    by_group: dict[int, dict[str, str]] = {}
    for e in result["evaluations"]:
        if e["rule_id"] in ("fa-procurement-sum", "fa-operating-cost-within-public", "fa-vehicle-count-agree"):
            by_group.setdefault(parts[e["part"]]["group"], {})[e["rule_id"]] = e["status"]
    assert by_group == {0: {"fa-procurement-sum": "passed", "fa-operating-cost-within-public": "passed",
                            "fa-vehicle-count-agree": "passed"},
                        1: {"fa-procurement-sum": "failed", "fa-operating-cost-within-public": "passed",
                            "fa-vehicle-count-agree": "passed"}}
    first_lines = text.count("\n") + 2
    failed = [f for f in result["findings"] if f["rule_id"] == "fa-procurement-sum"]
    assert len(failed) == 1 and failed[0]["location"].get("line", 0) > first_lines, failed
