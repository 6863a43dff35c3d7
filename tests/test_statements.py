"""The statements recognizer on the real 部门决算 seeds (002: 2024, 004: 2020)."""
from __future__ import annotations

from pathlib import Path

import pytest

from budgetlint.core.errors import PluginError
from budgetlint.core.loading import load_document
from budgetlint.core.testing import make_host
from budgetlint.plugins.recognizers.statements import load_patterns

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def doc004() -> dict:
    return load_document(str(ROOT / "samples/004_4b65da696dc0427c.txt"), make_host())


@pytest.fixture(scope="module")
def doc002() -> dict:
    return load_document(str(ROOT / "samples/002_5ce8aee0cc10826a.txt"), make_host())


def at(doc: dict, line: int, kind: str) -> list[dict]:
    return [s for s in doc["statements"] if s["loc"].get("line") == line and s["kind"] == kind]


def test_change_takes_its_base_from_the_previous_sentence(doc004: dict) -> None:
    (st,) = at(doc004, 380, "change")
    assert st["amount"]["value"] == "522.47"
    assert st["change"] == {"value": "197.95", "decimals": 2, "text": "197.95万元"}
    assert st["rate"]["value"] == "37.9" and st["rate"]["decimals"] == 1
    assert st["direction"] == "增加" and st["rate_direction_text"] == "增长"
    assert st["subject"] == "收入总计"


def test_paragraph_joined_across_pdf_wrap_keeps_its_line_span(doc004: dict) -> None:
    (st,) = at(doc004, 396, "change")
    assert st["loc"] == {"line": 396, "end_line": 398}
    assert st["change"]["value"] == "180.52"


def test_zero_budget_completion_takes_subject_from_numbered_item(doc004: dict) -> None:
    (st,) = at(doc004, 416, "completion")
    assert (st["budget"]["value"], st["actual"]["value"], st["completion"]["value"]) == ("0", "5", "100")
    assert st["subject"] == "一般公共服务档案事务费"


def test_shares_resolve_enumeration_and_named_denominators(doc002: dict) -> None:
    base, project = at(doc002, 390, "share")
    assert base["subject"] == "基本支出" and base["total"]["value"] == "660.56"
    assert base["total_from"] == "enumeration" and project["share"]["value"] == "28.5"
    # 人员经费 in the paragraph after “基本支出 472.58 万元，其中：”
    (staff,) = at(doc002, 454, "share")
    assert staff["denominator"] == "基本支出" and staff["total"]["value"] == "472.58"
    # the 一般公共服务(类) list follows a lead paragraph ending with “：”
    shares = at(doc002, 406, "share")
    assert [s["total"]["value"] for s in shares] == ["660.56"] * 4


def test_sangong_statements_and_counts(doc002: dict) -> None:
    (comp,) = at(doc002, 462, "completion")
    assert comp["topic"] == "三公经费" and comp["budget"]["value"] == "11"
    counts = {s["subject"]: s["count"]["value"] for s in at(doc002, 476, "count")}
    assert counts == {"公务接待批次": "12", "公务接待人次": "107"}
    flat = [s for s in at(doc002, 466, "change")]
    assert flat and flat[0]["direction"] == "持平"


def test_attached_report_change_does_not_borrow_an_unrelated_base(doc002: dict) -> None:
    (st,) = at(doc002, 574, "change")
    assert st["topic"] == "三公经费" and st["change"]["value"] == "0.06"
    assert "amount" not in st  # the amount before it is 公务接待费 1.13, another topic
    assert st["part"] != at(doc002, 462, "change")[0]["part"]


def test_glossary_terms(doc004: dict, doc002: dict) -> None:
    assert "用事业基金弥补收支差额" in [g["term"] for g in doc004["glossary"]]
    assert "使用非财政拨款结余" in [g["term"] for g in doc002["glossary"]]
    # glossary paragraphs are not statements
    assert not [s for s in doc004["statements"] if 506 <= s["loc"].get("line", 0) <= 520]


def test_bad_pattern_file_is_a_one_line_plugin_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("num: '\\\\d+'\nsubject_boundary: ','\nenumeration_lead: '其中'\n"
                   "patterns:\n  - {kind: amount, pattern: '(?P<amount>{num}万元'}\n", encoding="utf-8")
    with pytest.raises(PluginError, match="invalid statement pattern"):
        load_patterns(str(bad))


# Wordings of the Shanghai template (2024/2025 决算): the year is named, not “上年”.
SHANGHAI_WORDING = """\
2025年度部门决算情况说明
一、收入支出决算总体情况说明
上海市普陀区生态环境局2025年度收入支出总计4733.14万元。与2024年度相比，收入支出总计增加90.09万元，增长1.94%。主要原因：基本支出增加。
2025年度“三公”经费财政拨款支出决算数比2024年度增加5.07万元，增长42.68%，其中：因公出国（境）费支出决算为0.00万元，与2024年持平；公务用车购置及运行维护费支出决算增加5.07万元，增长42.68%；公务接待费支出决算减少为0.00万元，与2024年持平。
20.住房保障支出（类）住房改革支出（款）购房补贴（项），主要用于支付购房补贴。年初预算为183.84万元，支出决算为202.20万元，决算数大于预算数的主要原因：人员变动。
"""


def test_named_year_comparisons_verdicts_and_flat_contradictions() -> None:
    from budgetlint.core.testing import document_from_text

    doc = document_from_text(SHANGHAI_WORDING)
    changes = [s for s in doc["statements"] if s["kind"] == "change"]
    total = changes[0]
    assert total["reference"] == "与2024年度相比" and total["amount"]["value"] == "4733.14"
    assert total["subject"] == "收入支出总计" and total["rate"]["value"] == "1.94"
    sangong = changes[1]
    assert sangong["reference"] == "比2024年度" and sangong["subject"] == "“三公”经费财政拨款支出决算数"
    car = next(s for s in changes if s.get("subject", "").startswith("公务用车"))
    assert car["change"]["value"] == "5.07" and "amount" not in car  # 因公出国 0.00 is another topic
    (contradiction,) = [s for s in changes if s.get("flat")]
    assert contradiction["direction"] == "减少" and contradiction["flat"] == "持平"
    assert contradiction["amount"]["value"] == "0.00"
    (verdict,) = [s for s in doc["statements"] if s["kind"] == "verdict"]
    assert verdict["verdict"] == "大于" and verdict["verdict_text"] == "大于"
    assert (verdict["budget"]["value"], verdict["actual"]["value"]) == ("183.84", "202.20")


def test_outline_lists_the_statements_understood() -> None:
    from budgetlint.core.outline import render_outline
    from budgetlint.core.testing import document_from_text

    out = render_outline(document_from_text(SHANGHAI_WORDING))
    assert "change     收入支出总计 · amount=4733.14万元 · change=90.09万元 · rate=1.94%" in out
    assert "verdict" in out and "verdict=大于" in out


BUDGET_WORDING = """上海市普陀区2025年区级部门预算
预算主管部门：上海市普陀区人民政府万里街道办事处

2025年部门预算编制说明

财政拨款支出主要内容如下：

1.“住房保障支出（类）住房改革支出（款）住房公积金（项）”384.67万元，主要用于住房公积金。2024年当年预算执行数为350.35万元，2025年预算安排384.67万元，比2024年预算执行数增加9.80%。主要原因是：住房公积金经费增加。

2.“科学技术支出（类）科学技术普及（款）科普活动（项）”10.00万元，主要用于科普活动。2024年当年预算执行数为10.00万元，2025年预算安排10.00万元，比2024年预算执行数持平。主要原因是：经费保持不变。
"""


def test_budget_items_print_the_previous_year_as_the_base() -> None:
    from budgetlint.core.testing import document_from_text

    doc = document_from_text(BUDGET_WORDING)
    rate, flat = [s for s in doc["statements"] if s["kind"] == "change"]
    assert rate["previous"]["value"] == "350.35" and rate["amount"]["value"] == "384.67"
    assert rate["rate"]["value"] == "9.80" and rate["rate_direction"] == "增加"
    assert rate["reference"] == "比2024年预算执行数"
    assert rate["subject"] == "住房保障支出(类)住房改革支出(款)住房公积金(项)"
    assert flat["flat"] == "持平" and flat["previous"]["value"] == flat["amount"]["value"] == "10.00"
    assert not [s for s in doc["statements"] if s["kind"] == "unparsed"]


def test_quantity_enumerations_keep_their_unit_and_money_lists_ignore_quantities() -> None:
    from budgetlint.core.values import normalize_text
    from budgetlint.plugins.recognizers.statements import _enumerations, extract_paragraph

    cfg = load_patterns()
    text = normalize_text("规划建筑面积约为1300平方米，其中地上建筑面积为800平方米（其中计容面积700平方米，"
                          "不计容面积150平方米），地下建筑面积为500平方米，建筑高度为29.8米。")
    outer, inner = _enumerations(extract_paragraph(text, cfg), text, cfg)
    assert (outer["amount"]["value"], outer["unit"]) == ("1300", "平方米")
    assert [p["value"] for p in outer["parts"]] == ["800", "500"]  # 29.8米 is another unit
    assert [p["value"] for p in inner["parts"]] == ["700", "150"] and inner["unit"] == "平方米"
    text = normalize_text("项目资金100万元，惠及50户，其中：甲项目60万元，乙项目40万元。")
    (money,) = _enumerations(extract_paragraph(text, cfg), text, cfg)
    assert money["amount"]["value"] == "100" and "unit" not in money
    assert [p["value"] for p in money["parts"]] == ["60", "40"]


def test_numbered_items_mark_their_heading_amount(doc004: dict) -> None:
    # “2、党委办公厅(室)及相关机构事务486.40万元。” then, in the next paragraph, “年初预算为377.11万元,
    # 支出决算为486.40万元…”: one item, whose lead is the heading amount
    (lead,) = at(doc004, 418, "amount")
    (completion,) = at(doc004, 420, "completion")
    assert lead["item_lead"] is True and lead["amount"]["value"] == "486.40"
    assert completion["item"] == lead["item"] and not completion.get("item_lead")
    # the 具体情况 total before the items opens with a completion: its item has no lead
    (total,) = at(doc004, 412, "completion")
    assert total["item"] != lead["item"] and not any(
        s.get("item_lead") for s in doc004["statements"] if s.get("item") == total["item"])


def test_items_start_at_a_quoted_subject_and_after_其中() -> None:
    from budgetlint.core.testing import document_from_text

    doc = document_from_text(
        "某单位2025年度部门决算\n\n（三）一般公共预算财政拨款支出决算具体情况\n\n"
        "1、一般公共服务支出（类）120.00万元，其中：（1）行政运行（项）100.00万元，年初预算为100.00万元，"
        "支出决算为100.00万元。“一般公共服务（类）统计信息事务（款）统计信息事务（项）”20.00万元，"
        "年初预算为25.00万元，支出决算为20.00万元。\n")
    sts = [s for s in doc["statements"] if s["kind"] in ("amount", "completion")]
    leads = [s["amount"]["value"] for s in sts if s.get("item_lead")]
    assert leads == ["120.00", "100.00", "20.00"]
    items = [s["item"] for s in sts]
    assert len(set(items)) == 3 and items[1] == items[2] and items[3] == items[4]


def test_quoted_subject_broken_off_its_paragraph_keeps_its_amount(tmp_path: Path) -> None:
    """A PDF copy breaks “…（项）” off the paragraph that gives its amount: inside the
    quote (the first line taken for a numbered heading) or right after it (a line
    that is only the quoted 科目).  The amount keeps the whole 科目 as its subject
    (石泉路 2025, lines 646–655 of its page text)."""
    src = tmp_path / "report.txt"
    src.write_text("2025年度\n某某街道办事处\n部门决算\n\n情况说明\n\n其中：\n\n"
                   "1.“一般公共服务（类）统计信息事务（款）统计信息\n"
                   "事务（项）”20.04 万元，主要用于：人口抽样调查工作。\n"
                   "“一般公共服务（类）统计信息事务（款）统计管理（项）”\n"
                   "3.39 万元，主要用于：基础统计网络建设。\n"
                   "“一般公共服务（类）群众团体事务（款）一般行政管理事务（项）”46.50 万元。\n",
                   encoding="utf-8")
    doc = load_document(str(src), make_host())
    amounts = {s["amount"]["value"]: s for s in doc["statements"] if s["kind"] == "amount"}
    assert amounts["20.04"]["subject"] == "一般公共服务(类)统计信息事务(款)统计信息事务(项)"
    assert amounts["3.39"]["subject"] == "一般公共服务(类)统计信息事务(款)统计管理(项)"
    assert amounts["46.50"]["subject"] == "一般公共服务(类)群众团体事务(款)一般行政管理事务(项)"
    assert amounts["20.04"]["item_lead"] and amounts["3.39"]["item_lead"]
