"""Golden tests of the scorecard recognizer on the real seeds, and of rule
packs switching the weight scheme and the grade bands."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from budgetlint.core.loading import load_document
from budgetlint.core.testing import make_host, run_rule, scorecard_markdown

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {n: next((ROOT / "samples").glob(f"{n}_*.txt")) for n in ("000", "001", "002", "003", "004")}


@pytest.fixture(scope="module")
def docs() -> dict[str, dict]:
    host = make_host()
    return {n: load_document(p, host) for n, p in SEEDS.items()}


def summary(card: dict) -> dict:
    """Per 一级: (declared weight, item count, Σ分值, Σ得分)."""
    out = {}
    for l1 in card["indicators"]:
        its = [i for l2 in l1["children"] for i in l2["children"]]
        out[l1["name"]] = (
            l1["weight"]["number"] if l1.get("weight") else None, len(its),
            sum(Decimal(i["分值"]["number"]) for i in its if i.get("分值")),
            sum(Decimal(i["得分"]["number"]) for i in its if i.get("得分")))
    return out


def test_000_markdown_split_table(docs):
    (card,) = docs["000"]["scorecards"]
    assert card["kind"] == "部门整体" and card["header"]["name"]["text"] == "中共株洲市委政策研究室"
    assert summary(card) == {"产出指标": ("50", 3, 30, 30), "效益指标": ("30", 2, 20, 20),
                             "满意度指标": ("10", 1, 10, 10)}
    # the shifted 满意度 row (L152) is read by content
    sat = card["indicators"][2]["children"][0]["children"][0]
    assert sat["loc"]["line"] == 152 and sat["年度指标值"]["text"] == "95%以上"
    assert card["totals"]["分值"]["number"] == "100" and card["totals"]["等级"]["text"] == ""
    assert [b["grade"] for b in card["bands"]] == ["优", "良", "中", "差"] and card["bands_source"] == "form"
    assert {f["name"] for f in card["formulas"]} == {"执行率", "得分"}
    ft = card["funds"]["total"]
    assert (ft["全年预算数"]["number"], ft["全年执行数"]["number"], ft["执行率"]["number"]) == ("848.63", "848.63", "100")


def test_001_cell_per_line_docx_export(docs):
    cards = docs["001"]["scorecards"]
    assert [c["kind"] for c in cards] == ["部门整体", "项目", "项目", "项目", "项目"]
    assert cards[1]["header"]["name"]["text"] == "炎帝祭祖"
    assert cards[1]["header"]["主管部门"]["text"] == "中共株洲市渌口区委办公室"
    for card in cards:
        s = summary(card)
        assert s["效益指标"][:3] == ("30", 4, 40)
        assert s["产出指标"][2] == 50 and s["满意度指标"][2] == 10
        assert card["totals"]["分值"]["number"] == "100" and card["totals"]["得分"] is None
        assert card["totals"]["等级"] is None
    ft = cards[0]["funds"]["total"]
    assert [ft[k]["number"] for k in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")] == \
        ["693.27", "1049.47", "1049.47", "10", "100", "10"]
    assert {e["key"] for e in cards[0]["funds"]["by_nature"]} == {"基本支出", "项目支出"}


def test_002_deduction_standard_column(docs):
    (card,) = docs["002"]["scorecards"]
    assert card["has_deduction_column"] and not card["has_level2_column"]
    items = [i for l1 in card["indicators"] for l2 in l1["children"] for i in l2["children"]]
    assert len(items) == 17
    assert sum(Decimal(i["分值"]["number"]) for i in items) == 100
    assert items[-1]["name"] == "预算执行率" and items[-1]["loc"]["line"] == 711
    assert items[-1]["扣分标准"]["text"].startswith("执行率在 80% 以上得满分") or "80%" in items[-1]["扣分标准"]["text"]
    assert items[0]["年度指标值"]["value"]["comparator"] == ">="
    assert card["totals"]["分值"]["number"] == "110.00" and card["totals"]["得分"] is None


def test_003_weight_column_and_level2_weights(docs):
    (card,) = docs["003"]["scorecards"]
    assert summary(card) == {"投入管理指标": ("30", 8, 30, 29), "产出指标": ("25", 7, 25, 25),
                             "效益指标": ("45", 5, 45, 45)}
    social = card["indicators"][2]["children"][0]
    assert social["name"] == "社会效益指标" and social["weight"]["number"] == "10"
    assert card["indicators"][2]["children"][-1]["name"] == "满意度指标"  # a 二级 under 效益 here
    assert (card["totals"]["分值"]["number"], card["totals"]["得分"]["number"]) == ("100", "99")
    assert card["funds"]["total"]["执行率"]["number"] == "146.21"


def test_004_four_cards_and_mislabel(docs):
    cards = docs["004"]["scorecards"]
    assert [c["kind"] for c in cards] == ["部门整体", "项目", "项目", "项目"]
    dept = cards[0]
    assert dept["header"]["name"]["text"] == "" and dept["header"]["name"]["loc"]["line"] == 632
    assert summary(dept) == {"产出指标": ("50", 11, 50, 50), "效益指标": ("30", 7, 30, 30),
                             "满意度指标": ("10", 1, 10, 10)}
    assert [a["kind"] for a in dept["anomalies"]] == ["level1_mislabel"]
    assert dept["totals"]["等级"]["text"] == "优" and dept["totals"]["得分"] is None
    archive = cards[1]
    assert archive["header"]["name"]["text"] == "档案馆经费"
    assert summary(archive)["效益指标"][:3] == ("30", 4, 40)
    assert archive["totals"]["得分"]["number"] == "10"
    assert archive["funds"]["total"]["执行率"].get("unit_missing") is True
    party = cards[2]
    assert party["goals"]["预期目标"]["text"] == "" and party["goals"]["实际完成情况"]["text"] == ""
    timing = [i for l2 in party["indicators"][0]["children"] for i in l2["children"] if i["loc"]["line"] == 718]
    assert timing and timing[0]["name"] == "完成时限"  # the row shifted one column right
    assert summary(cards[3]) == {"产出指标": ("50", 4, 50, 50), "效益指标": ("30", 3, 30, 30),
                                 "满意度指标": ("10", 1, 10, 10)}


def test_named_values(docs):
    named = docs["003"]["named_values"]
    assert named["scorecard[1].总分.得分"]["value"] == "99"
    assert named["scorecard[1].效益指标.社会效益指标.分值"]["value"] == "10"
    assert named["scorecard[1].资金.执行率"]["loc"]["line"] == 147


def _pack(tmp_path: Path, overrides: str) -> Path:
    d = tmp_path / "bureau"
    d.mkdir()
    (d / "pack.yaml").write_text("name: bureau\nextends: national\noverrides:\n" + overrides, encoding="utf-8")
    return d


def test_pack_switches_weight_scheme(tmp_path):
    text = SEEDS["003"]
    national, ev = run_rule("scorecard-weight-scheme", pack=ROOT / "rules/national", path=text)
    assert national == []  # national sets no 部门整体 scheme: not evaluated, no finding
    assert [e["status"] for e in ev] == ["not_evaluated"] and "分值方案" in ev[0]["reasons"][0]
    hunan, ev = run_rule("scorecard-weight-scheme", pack=ROOT / "rules/hunan_2020", path=text)
    assert hunan == [] and [e["status"] for e in ev] == ["passed"] and ev[0]["checked"] > 0
    other = _pack(tmp_path, "  scorecard-weight-scheme:\n    params:\n      schemes:\n        部门整体:\n"
                            "          - {投入管理指标: 20, 产出指标: 35, 效益指标: 45}\n")
    findings, _ = run_rule("scorecard-weight-scheme", pack=other, path=text)
    assert sorted((f["details"]["indicator"], f["expected"], f["actual"]) for f in findings) == \
        [("产出指标", 35, 25), ("投入管理指标", 20, 30)]


def test_pack_switches_bands(tmp_path):
    text = scorecard_markdown(grade="良", total=(100, 100))
    default, _ = run_rule("scorecard-grade", pack=ROOT / "rules/national", text=text)
    assert [f["expected"] for f in default] == ["优"]
    strict = _pack(tmp_path, "  scorecard-grade:\n    params:\n      prefer_printed_bands: false\n      bands:\n"
                             "        - {grade: 优, min: 101}\n        - {grade: 良, min: 80}\n        - {grade: 差, min: 0}\n")
    findings, ev = run_rule("scorecard-grade", pack=strict, text=text)
    assert findings == [] and [e["status"] for e in ev] == ["passed"]
